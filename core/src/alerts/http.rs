//! The one way alerts leave: an HTTPS POST (ureq over rustls, the OS's trusted roots plus
//! `SSL_CERT_FILE` when set) or an e-mail (`email`), 10 seconds at most. A trait so that a
//! delivery's rules — retry what may pass (a timeout, a 5xx, an SMTP 4xx), stop at a refusal
//! (an HTTP 4xx, an SMTP 5xx) — are the same whatever carries them.

use std::sync::Arc;

use super::email::{Smtp, SmtpPasswords};
use super::Message;
use std::time::Duration;

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP status, its reason and the start of the body.
    Status {
        code: u16,
        said: String,
    },
    TimedOut,
    /// An SMTP server's reply: its code and text.
    Smtp {
        code: u16,
        said: String,
    },
    /// No connection, TLS refused, …: the cause.
    Unreachable(String),
}

impl Answer {
    pub fn delivered(&self) -> bool {
        matches!(self, Answer::Status { code, .. } | Answer::Smtp { code, .. } if (200..300).contains(code))
    }

    /// An HTTP 4xx or an SMTP 5xx: the receiver refused this message; sending it again would
    /// not change that.
    pub fn refused(&self) -> bool {
        match self {
            Answer::Status { code, .. } => (400..500).contains(code),
            Answer::Smtp { code, .. } => (500..600).contains(code),
            _ => false,
        }
    }

    /// "200 OK", "403 Forbidden: invalid_token", "no answer within 10 s", …
    pub fn describe(&self) -> String {
        match self {
            Answer::Status { code, said } if said.is_empty() => format!("{code} {}", reason(*code)),
            Answer::Status { code, said } => format!("{code} {}: {said}", reason(*code)),
            Answer::Smtp { code, said } => format!("SMTP {code}: {said}"),
            Answer::TimedOut => format!("no answer within {} s", TIMEOUT.as_secs()),
            Answer::Unreachable(cause) => format!("not reached: {cause}"),
        }
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

pub const TIMEOUT: Duration = Duration::from_secs(10);

#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    async fn post(&self, url: &str, headers: &[(String, String)], body: Vec<u8>) -> Answer;
    async fn mail(&self, smtp: &Smtp, message: &Message, delivery: &str) -> Answer;
}

/// HTTPS (and http to this computer) with ureq; e-mail with lettre.
pub struct Courier {
    agent: ureq::Agent,
    passwords: SmtpPasswords,
}

impl Courier {
    /// Where SMTP passwords come from: the OS keyring (the app), one given password
    /// (keydesk-server), or none.
    pub fn with_smtp_passwords(mut self, passwords: SmtpPasswords) -> Courier {
        self.passwords = passwords;
        self
    }

    pub fn new() -> Courier {
        // ring, as sqlx's TLS already uses: one provider for the process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let roots: Vec<ureq::tls::Certificate<'static>> = rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("keydesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Courier {
            agent,
            passwords: SmtpPasswords::None,
        }
    }
}

impl Default for Courier {
    fn default() -> Self {
        Courier::new()
    }
}

#[async_trait::async_trait]
impl Transport for Courier {
    async fn post(&self, url: &str, headers: &[(String, String)], body: Vec<u8>) -> Answer {
        let agent = self.agent.clone();
        let url = url.to_owned();
        let headers = headers.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut request = agent.post(&url).header("Content-Type", "application/json");
            for (name, value) in &headers {
                request = request.header(name, value);
            }
            match request.send(&body[..]) {
                Ok(mut response) => {
                    let code = response.status().as_u16();
                    let said = response
                        .body_mut()
                        .with_config()
                        .limit(4096)
                        .read_to_string()
                        .unwrap_or_default();
                    let said: String = said.trim().chars().take(200).collect();
                    Answer::Status { code, said }
                }
                Err(ureq::Error::Timeout(_)) => Answer::TimedOut,
                Err(err) => Answer::Unreachable(err.to_string()),
            }
        })
        .await
        .unwrap_or_else(|e| Answer::Unreachable(e.to_string()))
    }

    async fn mail(&self, smtp: &Smtp, message: &Message, delivery: &str) -> Answer {
        let password = self.passwords.for_channel(smtp).await;
        let (smtp, message, delivery) = (smtp.clone(), message.clone(), delivery.to_owned());
        tokio::task::spawn_blocking(move || {
            super::email::send(&smtp, password, &message, &delivery, TIMEOUT)
        })
        .await
        .unwrap_or_else(|e| Answer::Unreachable(e.to_string()))
    }
}
