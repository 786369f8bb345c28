//! `keydesk-cli accounts …`: the same core functions the app's pages call.

use clap::Subcommand;
use keydesk_core::accounts::{self, AccountView};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::search::{self, AccountHit};
use keydesk_core::{tags, Keydesk, Store};

use crate::output;
use crate::{Failure, Format};

#[derive(Subcommand)]
pub enum Accounts {
    /// Every account (or those matching), by company name.
    List {
        /// Only the accounts carrying this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Words each account must match (company, name, email, Client ID…), as the switcher.
        #[arg(long)]
        query: Option<String>,
    },
    /// One account's contact and billing information.
    Show { account: String },
    /// A new account (company name and name required).
    Add {
        #[arg(long)]
        company: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        country: String,
    },
    /// Changes contact or billing fields: FIELD=VALUE for contact (company_name, name, street,
    /// city, region, postal_code, country, phone, username, email), billing.FIELD=VALUE for
    /// billing (billing_name, street_line1, street_line2, city, region, postal_code, country,
    /// phone, email). An empty VALUE clears the field. Checked as the app's forms check them.
    Edit {
        account: String,
        #[arg(required = true, value_name = "FIELD=VALUE")]
        changes: Vec<String>,
    },
    /// Adds tags to an account.
    Tag {
        account: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Removes tags from an account.
    Untag {
        account: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// The accounts as CSV (the app's export columns), to a file or standard output.
    Export {
        /// Only the accounts carrying this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Where to write it (a .csv file, written whole or not at all, 0600).
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Imports accounts from a CSV file (the app's import: a header row naming the columns).
    /// Lists every invalid row; imports nothing when any row is invalid, unless --skip-invalid.
    Import {
        file: std::path::PathBuf,
        /// Only say what importing would do, row by row.
        #[arg(long)]
        dry_run: bool,
        /// Import the valid rows even when some rows are invalid (those are left out).
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Deletes an account with its credentials (asks first; without a terminal, --yes).
    Delete {
        account: String,
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(store: &Store, command: Accounts, format: Format) -> Result<u8, Failure> {
    match command {
        Accounts::List { tag, query } => {
            let mut words = query.unwrap_or_default();
            if let Some(tag) = tag {
                words = format!("{words} #{}", tag.trim_start_matches('#'));
            }
            let hits = every_hit(store, words.trim()).await?;
            output::either(format, &hits, &["ID", "COMPANY", "NAME"], |hits| {
                hits.iter()
                    .map(|h| vec![h.id.to_string(), h.company_name.clone(), h.name.clone()])
                    .collect()
            });
        }
        Accounts::Export { tag, file } => {
            return crate::transfer::export_accounts(store, tag, file, format).await;
        }
        Accounts::Import {
            file,
            dry_run,
            skip_invalid,
        } => {
            return crate::transfer::import_accounts(store, &file, dry_run, skip_invalid, format)
                .await;
        }
        Accounts::Show { account } => {
            let view = accounts::get_account(store, find(store, &account).await?).await?;
            show(format, &view);
        }
        Accounts::Add {
            company,
            name,
            email,
            phone,
            country,
        } => {
            let contact = ContactForm {
                company_name: company,
                name,
                email,
                phone,
                country,
                ..Default::default()
            };
            let view = accounts::create_account(store, &contact, &BillingForm::default()).await?;
            show(format, &view);
        }
        Accounts::Edit { account, changes } => {
            let view = edit(store, find(store, &account).await?, &changes).await?;
            show(format, &view);
        }
        Accounts::Tag { account, tags: add } => {
            let id = find(store, &account).await?;
            let mut now = Vec::new();
            for tag in add {
                now = tags::add_tag(store, id, &tag).await?;
            }
            print_tags(format, &now);
        }
        Accounts::Untag {
            account,
            tags: remove,
        } => {
            let id = find(store, &account).await?;
            let mut now = Vec::new();
            for tag in remove {
                now = tags::remove_tag(store, id, &tag).await?;
            }
            print_tags(format, &now);
        }
        Accounts::Delete { account, yes } => {
            let id = find(store, &account).await?;
            let impact = accounts::deletion_impact(store, id).await?;
            crate::credentials::confirm(
                &format!(
                    "Delete {} and its {} set(s) of API credentials? Every platform using them \
                     stops working.",
                    impact.company_name, impact.credentials
                ),
                yes,
            )?;
            let keydesk = Keydesk::new(store, &keydesk_core::vault::Vault::default());
            let complaints = accounts::delete_account(&keydesk, id).await?;
            for complaint in &complaints {
                eprintln!("keydesk-cli: {complaint}");
            }
            if format != Format::Json {
                println!("Deleted {}.", impact.company_name);
            } else {
                output::json(&serde_json::json!({ "deleted": id, "keyring_errors": complaints }));
            }
        }
    }
    Ok(0)
}

/// Every page of a search.
async fn every_hit(store: &Store, words: &str) -> Result<Vec<AccountHit>, Failure> {
    let mut hits = Vec::new();
    loop {
        let page = search::search_accounts(store, words, hits.len() as u64, 200).await?;
        let got = page.hits.len();
        hits.extend(page.hits);
        if got == 0 || hits.len() as u64 >= page.total {
            return Ok(hits);
        }
    }
}

/// ACCOUNT: an id, or a company name or Client ID that names exactly one account. Otherwise
/// nothing is done and the candidates are listed.
/// Applies FIELD=VALUE changes to the account's forms as they are now, and saves each form that
/// changed with its version (a change made meanwhile elsewhere is a conflict, nothing lost).
async fn edit(store: &Store, id: i32, changes: &[String]) -> Result<AccountView, Failure> {
    let view = accounts::get_account(store, id).await?;
    let mut contact = serde_json::to_value(&view.contact.form).expect("forms serialise");
    let mut billing = serde_json::to_value(&view.billing.form).expect("forms serialise");
    let (mut contact_changed, mut billing_changed) = (false, false);
    for change in changes {
        let Some((field, value)) = change.split_once('=') else {
            return Err(Failure::new(
                format!("{change:?}: write FIELD=VALUE (billing.FIELD=VALUE for billing)"),
                2,
            ));
        };
        let (form, changed, name) = match field.strip_prefix("billing.") {
            Some(name) => (&mut billing, &mut billing_changed, name),
            None => (&mut contact, &mut contact_changed, field),
        };
        let Some(slot) = form.get_mut(name) else {
            let known: Vec<&String> = form
                .as_object()
                .expect("a form is an object")
                .keys()
                .collect();
            return Err(Failure::new(
                format!(
                    "no field {field:?}; the fields are {}",
                    known
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                2,
            ));
        };
        *slot = serde_json::Value::String(value.to_owned());
        *changed = true;
    }
    if contact_changed {
        let form: ContactForm = serde_json::from_value(contact).expect("the same form");
        accounts::update_contact(store, id, view.contact.version, &form).await?;
    }
    if billing_changed {
        let form: BillingForm = serde_json::from_value(billing).expect("the same form");
        accounts::update_billing(store, id, view.billing.version, &form).await?;
    }
    Ok(accounts::get_account(store, id).await?)
}

pub async fn find(store: &Store, account: &str) -> Result<i32, Failure> {
    let account = account.trim();
    if let Ok(id) = account.parse::<i32>() {
        return Ok(accounts::get_account(store, id).await?.id);
    }
    if let Ok(credential) = keydesk_core::credentials::by_client_id(store, account).await {
        return Ok(credential.account_id);
    }
    let hits = every_hit(store, account).await?;
    let exact: Vec<&AccountHit> = hits
        .iter()
        .filter(|h| h.company_name.eq_ignore_ascii_case(account))
        .collect();
    match exact.as_slice() {
        [one] => Ok(one.id),
        [] => Err(Failure::new(
            format!("no account is named {account:?} (give its id, company name or a Client ID)"),
            4,
        )),
        several => Err(Failure::new(
            format!(
                "{} accounts are named {account:?}; give one's id: {}",
                several.len(),
                several
                    .iter()
                    .map(|h| format!("{} ({})", h.id, h.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            1,
        )),
    }
}

fn show(format: Format, view: &AccountView) {
    let c = &view.contact.form;
    output::either(format, view, &["FIELD", "VALUE"], |_| {
        [
            ("id", view.id.to_string()),
            ("company", c.company_name.clone()),
            ("name", c.name.clone()),
            ("email", c.email.clone()),
            ("phone", view.contact.phone_display.clone()),
            ("country", view.contact.country_name.clone()),
        ]
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect()
    });
}

fn print_tags(format: Format, tags: &[String]) {
    match format {
        Format::Json => output::json(&tags),
        Format::Table | Format::Csv => println!(
            "{}",
            tags.iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}
