//! `keydesk-cli credentials …` and `health`: generate, renew and delete through the same
//! transactions as the app. A new secret goes to standard output once (or to a new 0600 file
//! with `--secret-file`), never to standard error, a log or the activity.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::Subcommand;
use keydesk_core::credentials::{
    self, CredentialForm, CredentialView, GenerateRequest, Grace, Issued, Lifetime, RenewLifetime,
    RenewRequest,
};
use keydesk_core::health::{self, Attention};
use keydesk_core::secrets::Secret;
use keydesk_core::vault::Vault;
use keydesk_core::{Keydesk, Store};

use crate::output;
use crate::{Failure, Format};

#[derive(Subcommand)]
pub enum Credentials {
    /// The credentials of one account, or of every account.
    List { account: Option<String> },
    /// A new Client ID and secret for ACCOUNT; the secret is shown once.
    Generate {
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        application: String,
        /// 30d, 90d, 180d, 1y, 2y or never (default 1y).
        #[arg(long, value_parser = lifetime)]
        expires: Option<Lifetime>,
        #[command(flatten)]
        secret: SecretOut,
    },
    /// A new secret for the same Client ID; the old one stops working (at once, or after
    /// --grace).
    Renew {
        client_id: String,
        /// When the old secret stops working: now, 1h, 24h, 3d or 7d.
        #[arg(long, default_value = "now", value_parser = grace)]
        grace: Grace,
        /// keep (as long as the current secret was given), or 30d, 90d, 180d, 1y, 2y, never.
        #[arg(long, default_value = "keep")]
        expires: String,
        #[command(flatten)]
        secret: SecretOut,
        /// Do it without asking (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Deletes the Client ID and its secrets: every platform using it stops working.
    Delete {
        client_id: String,
        #[arg(long)]
        yes: bool,
    },
    /// Does CLIENT_ID work with the secret on standard input? (Never an argument: arguments
    /// are visible to every user in `ps`.)
    Verify { client_id: String },
}

/// Where a new secret goes besides standard output.
#[derive(clap::Args)]
pub struct SecretOut {
    /// Write the secret to this new file (0600; an existing file is never overwritten)
    /// instead of standard output.
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// Keep the secret in this computer's OS keyring too.
    #[arg(long)]
    keyring: bool,
}

fn lifetime(text: &str) -> Result<Lifetime, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("{text}: give 30d, 90d, 180d, 1y, 2y or never"))
}

fn grace(text: &str) -> Result<Grace, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("{text}: give now, 1h, 24h, 3d or 7d"))
}

/// Asks on a terminal with the console's own words; without one, only `--yes` goes ahead.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            format!("{question} Nothing was done: without a terminal, add --yes."),
            3,
        ));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok();
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err(Failure::new("Nothing was done.", 3))
    }
}

pub async fn run(store: &Store, command: Credentials, format: Format) -> Result<u8, Failure> {
    let keydesk = Keydesk::new(store, &Vault::default());
    match command {
        Credentials::List { account } => {
            let list = match account {
                Some(account) => {
                    let id = crate::accounts::find(store, &account).await?;
                    credentials::list_credentials(store, id).await?
                }
                None => credentials::every_credential(store).await?,
            };
            output::either(
                format,
                &list,
                &["CLIENT ID", "ACCOUNT", "APPLICATION", "EMAIL", "EXPIRES"],
                |list| list.iter().map(row).collect(),
            );
        }
        Credentials::Generate {
            account,
            name,
            email,
            application,
            expires,
            secret,
        } => {
            let account_id = crate::accounts::find(store, &account).await?;
            let form = CredentialForm {
                name,
                email,
                application,
            };
            let request = GenerateRequest::new(account_id, &form)
                .lifetime(expires.unwrap_or_default())
                .store_in_keyring(secret.keyring);
            // The file is made before the secret exists: a path that cannot take it costs
            // nothing.
            let file = secret.new_file()?;
            let issued = credentials::generate(&keydesk, &request).await?;
            deliver(format, issued, file)?;
        }
        Credentials::Renew {
            client_id,
            grace,
            expires,
            secret,
            yes,
        } => {
            let credential = credentials::by_client_id(store, &client_id).await?;
            let lifetime = match expires.as_str() {
                "keep" | "current" => RenewLifetime::Current,
                other => RenewLifetime::Choose(lifetime(other).map_err(|e| Failure::new(e, 2))?),
            };
            confirm(
                &format!(
                    "Are you sure you want to renew client application [{}]? Renewing these \
                     credentials invalidates API credentials currently in use by other \
                     platforms. Please confirm this action.",
                    credential.client_id
                ),
                yes,
            )?;
            let file = secret.new_file()?;
            let request = RenewRequest::new(credential.id, grace)
                .lifetime(lifetime)
                .store_in_keyring(secret.keyring);
            let issued = credentials::renew(&keydesk, &request).await?;
            deliver(format, issued, file)?;
        }
        Credentials::Delete { client_id, yes } => {
            let credential = credentials::by_client_id(store, &client_id).await?;
            confirm(
                &format!(
                    "Are you sure you want to delete client application [{}]? Every platform \
                     using this Client ID stops working, and its secrets cannot be recovered. \
                     Please confirm this action.",
                    credential.client_id
                ),
                yes,
            )?;
            let keyring_error = credentials::delete(&keydesk, credential.id).await?;
            if let Some(complaint) = &keyring_error {
                eprintln!("keydesk-cli: {complaint}");
            }
            match format {
                Format::Json => output::json(&serde_json::json!({
                    "deleted": credential.client_id,
                    "keyring_error": keyring_error,
                })),
                Format::Table | Format::Csv => println!("Deleted {}.", credential.client_id),
            }
        }
        Credentials::Verify { client_id } => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).ok();
            let secret = Secret::new(line.trim_end_matches(['\r', '\n']).to_owned());
            let verdict = credentials::verify(store, &client_id, secret.expose()).await?;
            let works = verdict.valid;
            match format {
                Format::Json => output::json(&verdict),
                Format::Table | Format::Csv => println!(
                    "{}",
                    if works {
                        "Valid: this pair works."
                    } else {
                        "Invalid: this pair does not work."
                    }
                ),
            }
            return Ok(if works { 0 } else { 3 });
        }
    }
    Ok(0)
}

impl SecretOut {
    fn new_file(&self) -> Result<Option<std::fs::File>, Failure> {
        let Some(path) = &self.secret_file else {
            return Ok(None);
        };
        keydesk_core::private_files::create_new_private(path)
            .map(Some)
            .map_err(|e| {
                Failure::new(
                    format!(
                        "--secret-file {}: {e} (an existing file is never overwritten); nothing \
                         was done",
                        path.display()
                    ),
                    1,
                )
            })
    }
}

/// The new secret, once: into the file when one was given, else on standard output.
fn deliver(format: Format, issued: Issued, file: Option<std::fs::File>) -> Result<(), Failure> {
    let in_file = file.is_some();
    if let Some(mut file) = file {
        file.write_all(issued.secret.expose().as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| Failure::new(format!("the secret file could not be written: {e}"), 1))?;
    }
    match format {
        Format::Json => {
            let mut value = serde_json::json!({
                "credential": issued.credential,
                "keyring": issued.keyring,
            });
            if !in_file {
                value["secret"] = serde_json::Value::String(issued.secret.expose().to_owned());
            }
            output::json(&value);
        }
        Format::Table | Format::Csv => {
            println!("Client ID: {}", issued.credential.client_id);
            if in_file {
                println!("Client Secret: written to the secret file (shown nowhere else)");
            } else {
                println!("Client Secret: {}", issued.secret.expose());
            }
        }
    }
    Ok(())
}

fn row(c: &CredentialView) -> Vec<String> {
    let ends = c
        .secrets
        .first()
        .map(|s| match s.lifetime_ends_at {
            Some(end) => end.format("%Y-%m-%d").to_string(),
            None => "never".to_owned(),
        })
        .unwrap_or_default();
    vec![
        c.client_id.clone(),
        c.account_id.to_string(),
        c.application.clone(),
        c.email.clone(),
        ends,
    ]
}

/// `health`: exit 2 when something expired, 1 when something expires within the window.
pub async fn health(store: &Store, within: u32, format: Format) -> Result<u8, Failure> {
    let page = health::health(store, chrono::Duration::days(i64::from(within)), 0, 200).await?;
    let count = |attention: Attention| {
        page.counts
            .iter()
            .find(|(a, _)| *a == attention)
            .map_or(0, |(_, n)| *n)
    };
    let (expired, expiring) = (count(Attention::Expired), count(Attention::Expiring));
    output::either(
        format,
        &page,
        &["ATTENTION", "COMPANY", "APPLICATION", "CLIENT ID", "ENDS"],
        |page| {
            page.rows
                .iter()
                .map(|r| {
                    vec![
                        format!("{:?}", r.attention).to_lowercase(),
                        r.names.company_name.clone(),
                        r.names.application.clone(),
                        r.names.client_id.clone(),
                        r.ends_at
                            .map_or("never".to_owned(), |e| e.format("%Y-%m-%d").to_string()),
                    ]
                })
                .collect()
        },
    );
    Ok(if expired > 0 {
        2
    } else if expiring > 0 {
        1
    } else {
        0
    })
}
