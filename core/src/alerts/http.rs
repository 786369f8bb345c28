//! The one way alerts leave: an HTTPS POST (ureq over rustls, the OS's trusted roots plus
//! `SSL_CERT_FILE` when set), 10 seconds at most. A trait so that a delivery's rules —
//! retry a timeout or a 5xx, stop at a 4xx — are the same whatever carries them.

use std::sync::Arc;
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
    /// No connection, TLS refused, …: the cause.
    Unreachable(String),
}

impl Answer {
    pub fn delivered(&self) -> bool {
        matches!(self, Answer::Status { code, .. } if (200..300).contains(code))
    }

    /// A 4xx: the receiver refused this request; sending it again would not change that.
    pub fn refused(&self) -> bool {
        matches!(self, Answer::Status { code, .. } if (400..500).contains(code))
    }

    /// "200 OK", "403 Forbidden: invalid_token", "no answer within 10 s", …
    pub fn describe(&self) -> String {
        match self {
            Answer::Status { code, said } if said.is_empty() => format!("{code} {}", reason(*code)),
            Answer::Status { code, said } => format!("{code} {}: {said}", reason(*code)),
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
}

/// HTTPS (and http to this computer) with ureq.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    pub fn new() -> HttpTransport {
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
        HttpTransport { agent }
    }
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport::new()
    }
}

#[async_trait::async_trait]
impl Transport for HttpTransport {
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
}
