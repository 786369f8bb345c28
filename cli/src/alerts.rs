//! `keydesk-cli alerts …` (issue 28): the store's alert channels as Settings → Alerts shows
//! them, and a delivery round on demand (cron on a machine without keydesk-server).

use std::io::Read;

use clap::Subcommand;
use keydesk_core::alerts::{self, ChannelForm, Courier, SmtpPasswords};
use keydesk_core::Store;

use crate::output;
use crate::{Failure, Format};

// Parsed once per process: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Alerts {
    /// The channels and what each last did.
    List,
    /// Adds a channel. A webhook's signing key is printed once, to standard output.
    Add {
        /// slack, teams, webhook or email.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// The incoming webhook's URL (slack, teams, webhook).
        #[arg(long, default_value = "")]
        url: String,
        /// Only accounts carrying one of these tags (`#eu tier-1`).
        #[arg(long, default_value = "")]
        tags: String,
        /// Also a message each week: what expires in the next 30 days.
        #[arg(long)]
        weekly_digest: bool,
        #[arg(long, default_value = "")]
        smtp_host: String,
        /// 0: 587 for starttls, 465 for tls.
        #[arg(long, default_value_t = 0)]
        smtp_port: u32,
        /// starttls or tls.
        #[arg(long, default_value = "starttls")]
        smtp_tls: String,
        #[arg(long, default_value = "")]
        smtp_user: String,
        /// Read the SMTP password from standard input and keep it in the OS keyring.
        #[arg(long)]
        smtp_password_stdin: bool,
        #[arg(long = "from", default_value = "")]
        mail_from: String,
        /// Addresses separated by commas.
        #[arg(long = "to", default_value = "")]
        mail_to: String,
        #[arg(long, default_value = "")]
        ca_file: String,
    },
    /// Sends one test message on the channel now and says what came back.
    Test { channel: i32 },
    /// Deletes a channel (asks first; without a terminal, --yes).
    Delete {
        channel: i32,
        #[arg(long)]
        yes: bool,
    },
    /// Sends the alerts that are due now, once (what keydesk-server does every minute).
    Send {
        /// The warning window in days.
        #[arg(long, default_value_t = 30)]
        within: u32,
    },
}

fn courier() -> Courier {
    Courier::new().with_smtp_passwords(SmtpPasswords::Keyring)
}

pub async fn run(store: &Store, command: Alerts, format: Format) -> Result<u8, Failure> {
    match command {
        Alerts::List => {
            let channels = alerts::list_channels(store).await?;
            output::either(
                format,
                &channels,
                &["ID", "KIND", "NAME", "TAGS", "STATE"],
                |list| {
                    list.iter()
                        .map(|c| {
                            vec![
                                c.id.to_string(),
                                c.kind.code().to_owned(),
                                c.name.clone(),
                                c.tags.join(" "),
                                c.state(),
                            ]
                        })
                        .collect()
                },
            );
        }
        Alerts::Add {
            kind,
            name,
            url,
            tags,
            weekly_digest,
            smtp_host,
            smtp_port,
            smtp_tls,
            smtp_user,
            smtp_password_stdin,
            mail_from,
            mail_to,
            ca_file,
        } => {
            let form = ChannelForm {
                kind,
                name,
                url,
                tags,
                weekly_digest,
                smtp_host,
                smtp_port,
                smtp_tls,
                smtp_user,
                mail_from,
                mail_to,
                ca_file,
            };
            if smtp_password_stdin {
                let mut password = zeroize::Zeroizing::new(String::new());
                std::io::stdin()
                    .read_to_string(&mut password)
                    .map_err(|e| Failure::new(format!("cannot read the password: {e}"), 1))?;
                let smtp = alerts::Smtp::from_form(&form)?;
                alerts::email::save_password(&smtp, password.trim_end_matches(['\r', '\n']))
                    .await?;
            }
            let added = alerts::add_channel(store, &form).await?;
            match format {
                Format::Json => output::json(&serde_json::json!({
                    "channel": added.channel,
                    "signing_secret": added.signing_secret.as_ref().map(|k| k.expose()),
                })),
                Format::Table | Format::Csv => {
                    println!(
                        "Added channel {} ({})",
                        added.channel.id, added.channel.name
                    );
                    if let Some(key) = &added.signing_secret {
                        println!("Signing key (shown once): {}", key.expose());
                    }
                }
            }
        }
        Alerts::Test { channel } => {
            let answer = alerts::send_test(store, channel, &courier()).await?;
            match format {
                Format::Json => output::json(&serde_json::json!({ "answer": answer })),
                Format::Table | Format::Csv => println!("{answer}"),
            }
        }
        Alerts::Delete { channel, yes } => {
            crate::credentials::confirm(
                &format!("Delete alert channel {channel}? It gets no more alerts."),
                yes,
            )?;
            alerts::delete_channel(store, channel).await?;
            if format == Format::Json {
                output::json(&serde_json::json!({ "deleted": channel }));
            }
        }
        Alerts::Send { within } => {
            let round =
                alerts::deliver_due(store, &courier(), chrono::Duration::days(i64::from(within)))
                    .await?;
            match format {
                Format::Json => output::json(&round),
                Format::Table | Format::Csv => println!(
                    "{} claimed, {} delivered, {} to retry, {} failed",
                    round.claimed, round.delivered, round.retrying, round.failed
                ),
            }
        }
    }
    Ok(0)
}
