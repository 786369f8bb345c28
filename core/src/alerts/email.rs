//! E-mail alerts over SMTP (issue 28), with `lettre`: STARTTLS required or implicit TLS, the
//! server's certificate verified (the OS's roots, or the team's CA file), a user and password
//! when the server asks. The channel keeps where and to whom as an `smtp://` URL; the password
//! is never in the store: the app keeps it in the OS keyring, keydesk-server reads it from a
//! file or an environment variable given at start.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport as _};

use super::http::Answer;
use super::Message;
use crate::secrets::Secret;
use crate::vault::Vault;
use crate::{Error, Result};

/// The keyring service SMTP passwords are kept under on this computer (one per user@server).
pub const PASSWORD_SERVICE: &str = "app.keydesk.desktop.alerts-smtp";

/// How the connection is secured. There is no plain SMTP: a password or an alert crosses only
/// inside TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Port 587: plain first, then STARTTLS, required.
    StartTls,
    /// Port 465: TLS from the first byte.
    Implicit,
}

/// Where e-mail alerts go, as Settings → Alerts names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Empty: the server takes mail without logging in.
    pub user: String,
    pub from: String,
    pub to: Vec<String>,
    /// The team's CA certificate (PEM); None: the OS's trusted roots.
    pub ca_file: Option<String>,
}

impl Smtp {
    /// From the form's fields, each checked by its rule.
    pub fn from_form(form: &super::ChannelForm) -> Result<Smtp> {
        let host = form.smtp_host.trim().to_owned();
        if host.is_empty() || host.contains(['/', ' ', '@']) {
            return Err(Error::invalid(
                "smtp_host",
                "SMTP server",
                "must be a host name or address, such as smtp.example.com",
            ));
        }
        let tls = match form.smtp_tls.as_str() {
            "starttls" | "" => SmtpTls::StartTls,
            "tls" => SmtpTls::Implicit,
            _ => {
                return Err(Error::invalid(
                    "smtp_tls",
                    "Security",
                    "must be starttls or tls",
                ))
            }
        };
        let port = match form.smtp_port {
            0 => match tls {
                SmtpTls::StartTls => 587,
                SmtpTls::Implicit => 465,
            },
            p => u16::try_from(p)
                .map_err(|_| Error::invalid("smtp_port", "Port", "must be from 1 to 65535"))?,
        };
        let mailbox = |field, label, text: &str| -> Result<String> {
            let text = text.trim();
            text.parse::<Mailbox>()
                .map(|_| text.to_owned())
                .map_err(|_| Error::invalid(field, label, "must be an e-mail address"))
        };
        let from = mailbox("mail_from", "From", &form.mail_from)?;
        let to: Vec<String> = form
            .mail_to
            .split([',', ';', ' '])
            .filter(|t| !t.trim().is_empty())
            .map(|t| mailbox("mail_to", "To", t))
            .collect::<Result<_>>()?;
        if to.is_empty() {
            return Err(Error::invalid(
                "mail_to",
                "To",
                "must name at least one address",
            ));
        }
        let ca_file = Some(form.ca_file.trim().to_owned()).filter(|c| !c.is_empty());
        if let Some(ca) = &ca_file {
            let pem = std::fs::read(ca).map_err(|e| {
                Error::invalid("ca_file", "CA certificate", format!("cannot be read: {e}"))
            })?;
            Certificate::from_pem(&pem).map_err(|_| {
                Error::invalid("ca_file", "CA certificate", "must be a PEM certificate")
            })?;
        }
        Ok(Smtp {
            host,
            port,
            tls,
            user: form.smtp_user.trim().to_owned(),
            from,
            to,
            ca_file,
        })
    }

    /// What the channel's `url` column keeps: `smtp://user@host:587?tls=starttls&from=…&to=…`.
    pub fn url(&self) -> String {
        let mut url = url::Url::parse("smtp://localhost").expect("a fixed URL parses");
        let _ = url.set_host(Some(&self.host));
        let _ = url.set_port(Some(self.port));
        let _ = url.set_username(&self.user);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair(
                "tls",
                match self.tls {
                    SmtpTls::StartTls => "starttls",
                    SmtpTls::Implicit => "tls",
                },
            );
            q.append_pair("from", &self.from);
            q.append_pair("to", &self.to.join(","));
            if let Some(ca) = &self.ca_file {
                q.append_pair("ca", ca);
            }
        }
        url.to_string()
    }

    pub fn parse(text: &str) -> Option<Smtp> {
        let url = url::Url::parse(text).ok()?;
        if url.scheme() != "smtp" {
            return None;
        }
        let get = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        Some(Smtp {
            host: url.host_str()?.to_owned(),
            port: url.port().unwrap_or(587),
            tls: if get("tls").as_deref() == Some("tls") {
                SmtpTls::Implicit
            } else {
                SmtpTls::StartTls
            },
            user: percent_decode(url.username()),
            from: get("from")?,
            to: get("to")?.split(',').map(str::to_owned).collect(),
            ca_file: get("ca"),
        })
    }

    /// Whose password the keyring entry (or the server's file) holds: `user@host:port`.
    pub fn keyring_key(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("u={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Where the sender finds SMTP passwords.
#[derive(Clone, Default)]
pub enum SmtpPasswords {
    /// None: servers that take mail without logging in only.
    #[default]
    None,
    /// This computer's OS keyring (the app).
    Keyring,
    /// One password for every e-mail channel (keydesk-server's `--smtp-password-file` or
    /// `KEYDESK_SMTP_PASSWORD`).
    Given(Secret),
}

impl std::fmt::Debug for SmtpPasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SmtpPasswords::None => "None",
            SmtpPasswords::Keyring => "Keyring",
            SmtpPasswords::Given(_) => "Given(redacted)",
        })
    }
}

impl SmtpPasswords {
    pub(super) async fn for_channel(&self, smtp: &Smtp) -> Option<Secret> {
        match self {
            SmtpPasswords::None => None,
            SmtpPasswords::Given(secret) => Some(secret.clone()),
            SmtpPasswords::Keyring => Vault::new(PASSWORD_SERVICE)
                .get(&smtp.keyring_key())
                .await
                .ok(),
        }
    }
}

/// Keeps the SMTP password of `smtp`'s user in this computer's OS keyring.
pub async fn save_password(smtp: &Smtp, password: &str) -> Result<()> {
    Vault::new(PASSWORD_SERVICE)
        .put(&smtp.keyring_key(), &Secret::new(password.to_owned()))
        .await
}

/// The message as e-mail: a subject, a plain-text part and an HTML part (names escaped).
fn mail(smtp: &Smtp, message: &Message, delivery: &str) -> Result<lettre::Message, String> {
    let mut builder = lettre::Message::builder()
        .from(smtp.from.parse().map_err(|e| format!("From: {e}"))?)
        .subject(message.title())
        .message_id(Some(format!("<{delivery}@keydesk.invalid>")));
    for to in &smtp.to {
        builder = builder.to(to.parse().map_err(|e| format!("To {to}: {e}"))?);
    }
    let (text, html) = message.email_parts();
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}

/// Sends `message` to the channel's recipients; what the server answered.
pub(super) fn send(
    smtp: &Smtp,
    password: Option<Secret>,
    message: &Message,
    delivery: &str,
    timeout: Duration,
) -> Answer {
    let email = match mail(smtp, message, delivery) {
        Ok(email) => email,
        Err(cause) => return Answer::Unreachable(cause),
    };
    let mut parameters = TlsParameters::builder(smtp.host.clone());
    if let Some(ca) = &smtp.ca_file {
        match std::fs::read(ca)
            .map_err(|e| e.to_string())
            .and_then(|pem| Certificate::from_pem(&pem).map_err(|e| e.to_string()))
        {
            Ok(cert) => parameters = parameters.add_root_certificate(cert),
            Err(cause) => return Answer::Unreachable(format!("the CA file {ca}: {cause}")),
        }
    }
    let parameters = match parameters.build_rustls() {
        Ok(p) => p,
        Err(e) => return Answer::Unreachable(e.to_string()),
    };
    let mut transport = SmtpTransport::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .timeout(Some(timeout))
        .tls(match smtp.tls {
            SmtpTls::StartTls => Tls::Required(parameters),
            SmtpTls::Implicit => Tls::Wrapper(parameters),
        });
    if let (false, Some(password)) = (smtp.user.is_empty(), password) {
        transport = transport.credentials(Credentials::new(
            smtp.user.clone(),
            password.expose().to_owned(),
        ));
    }
    match transport.build().send(&email) {
        Ok(response) => Answer::Smtp {
            code: response.code().to_string().parse().unwrap_or(250),
            said: response.message().collect::<Vec<_>>().join(" "),
        },
        Err(err) if err.is_timeout() => Answer::TimedOut,
        Err(err) => match err.status() {
            Some(code) => Answer::Smtp {
                code: code.to_string().parse().unwrap_or(0),
                said: err.to_string(),
            },
            None => Answer::Unreachable(err.to_string()),
        },
    }
}
