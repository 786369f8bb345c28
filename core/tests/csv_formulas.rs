//! Issue 32 item 2: the formula guard, per leading character, in every CSV Keydesk writes —
//! accounts, activity, expiry dates — read as a spreadsheet reads a cell (parsed, unquoted),
//! and the accounts file read back in as typed. Tab and CR cannot start a stored value (the
//! field rules refuse or trim them), so no CSV gets one from the store; the guard itself is
//! unit-tested for them (`account_csv`, `expiry_export`).

mod common;

use keydesk_core::account_csv::{commit_import, export_accounts, preview_import, Selection};
use keydesk_core::accounts::{create_account, get_account};
use keydesk_core::activity_csv::{export_activity, ActivityRange};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::GenerateRequest;
use keydesk_core::credentials::{generate, CredentialForm};
use keydesk_core::expiry_export::{live_expiries, to_csv};
use keydesk_core::search::search_accounts;
use keydesk_core::vault::Vault;
use keydesk_core::Keydesk;

/// What makes a spreadsheet read a cell as a formula, of the characters a field can start with.
const STARTS: [char; 4] = ['=', '+', '-', '@'];

/// The cells of `column`, as a CSV reader (and a spreadsheet) sees them.
fn cells(csv_text: &str, column: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let i = headers
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {headers:?}"));
    reader.records().map(|r| r.unwrap()[i].to_owned()).collect()
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

fn contact(company: &str) -> ContactForm {
    ContactForm {
        company_name: company.into(),
        name: "N".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_formula_start_is_guarded_in_every_csv_and_reads_back_as_typed() {
    let t = common::test_store().await;
    let vault = Vault::new("keydesk-test-unused");
    let mut companies = Vec::new();
    let mut applications = Vec::new();
    for start in STARTS {
        let company = format!("{start}HYPERLINK(\"http://evil.example\",\"click\")");
        let account = create_account(&t.store, &contact(&company), &BillingForm::default())
            .await
            .unwrap();
        let application = format!("{start}cmd|' /C calc'!A0");
        let form = CredentialForm {
            name: "n".into(),
            // One set of credentials per e-mail address.
            email: format!("n{}@example.com", companies.len()),
            application: application.clone(),
        };
        generate(
            &Keydesk::new(&t.store, &vault),
            &GenerateRequest::new(account.id, &form),
        )
        .await
        .unwrap();
        companies.push(company);
        applications.push(application);
    }
    let guarded = |values: &[String]| sorted(values.iter().map(|v| format!("'{v}")).collect());

    let accounts = export_accounts(&t.store, &Selection::All).await.unwrap();
    assert_eq!(
        sorted(cells(&accounts, "company_name")),
        guarded(&companies),
        "{accounts}"
    );
    let activity = export_activity(
        &t.store,
        &ActivityRange::Between {
            from: None,
            to: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        sorted(cells(&activity, "company_name")),
        guarded(&companies),
        "{activity}"
    );
    let expiries = to_csv(&live_expiries(&t.store).await.unwrap());
    assert_eq!(
        sorted(cells(&expiries, "account")),
        guarded(&companies),
        "{expiries}"
    );
    assert_eq!(
        sorted(cells(&expiries, "application")),
        guarded(&applications),
        "{expiries}"
    );

    // The accounts file back in, into an empty store (without the ids, which name accounts of
    // the first): the companies exactly as typed.
    let other = common::test_store().await;
    let without_ids: String = accounts
        .lines()
        .map(|l| l.split_once(',').unwrap().1)
        .collect::<Vec<_>>()
        .join("\n");
    let preview = preview_import(&other.store, "export.csv", without_ids.as_bytes())
        .await
        .unwrap();
    assert_eq!(preview.invalid, 0, "{:?}", preview.rows);
    commit_import(&other.store, &preview).await.unwrap();
    let read_back: Vec<String> = search_accounts(&other.store, "", 0, 100)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.company_name)
        .collect();
    assert_eq!(sorted(read_back), sorted(companies));
}

#[tokio::test]
async fn a_tab_or_carriage_return_never_starts_a_stored_value() {
    let t = common::test_store().await;
    for start in ['\t', '\r'] {
        let typed = format!("{start}SUM(1)");
        match create_account(&t.store, &contact(&typed), &BillingForm::default()).await {
            Err(err) => assert_eq!(err.field(), Some("company_name"), "{err}"),
            Ok(created) => {
                let stored = get_account(&t.store, created.id).await.unwrap();
                assert!(
                    !stored.contact.form.company_name.starts_with(start),
                    "{:?} was stored",
                    stored.contact.form.company_name
                );
            }
        }
    }
}
