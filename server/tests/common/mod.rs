//! A running `keydesk-server` on 127.0.0.1:0 over a fresh real store: an SQLite file, or, when
//! `KEYDESK_TEST_POSTGRES_URL` names a PostgreSQL server, a fresh database on it.

#![allow(dead_code)]

use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::Keydesk;
use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace, Issued};
use keydesk_core::vault::Vault;
use keydesk_core::Store;
use keydesk_server::limit::Limits;
use keydesk_server::Config;
// Each test binary uses some of these.
#[allow(unused_imports)]
pub use keydesk_test_support::certificates::self_signed;
#[allow(unused_imports)]
pub use keydesk_test_support::{clocked, fresh_location, receiver, touches_no_store};

pub struct Running {
    pub rt: tokio::runtime::Runtime,
    pub store: Store,
    pub addr: SocketAddr,
    pub base: String,
    pub agent: ureq::Agent,
    account_id: i32,
    vault: Vault,
    _dir: tempfile::TempDir,
}

async fn open_store(dir: &tempfile::TempDir) -> Store {
    Store::open(fresh_location(dir.path()).await).await.unwrap()
}

/// A server with the default limits.
pub fn start() -> Running {
    start_with(Limits::default())
}

pub fn start_with(limits: Limits) -> Running {
    start_configured(|config| config.limits = limits)
}

/// A plain-HTTP server whose settings `configure` changes first.
pub fn start_configured(configure: impl FnOnce(&mut Config)) -> Running {
    start_on(configure, false, "127.0.0.1:0")
}

/// A plain-HTTP server listening on every address, IPv6 and IPv4 (`[::]`): IPv4 clients reach
/// it as `::ffff:a.b.c.d`. `addr` is its port on 127.0.0.1.
pub fn start_dual_stack() -> Running {
    start_on(|_| {}, false, "[::]:0")
}

/// A server speaking HTTPS with a throwaway certificate; `agent` trusts only that certificate.
pub fn start_tls() -> Running {
    start_on(|_| {}, true, "127.0.0.1:0")
}

fn start_on(configure: impl FnOnce(&mut Config), tls: bool, bind: &str) -> Running {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, addr, account_id) = rt.block_on(async {
        let store = open_store(&dir).await;
        let contact = ContactForm {
            company_name: "Integrations".into(),
            name: "I".into(),
            ..Default::default()
        };
        let account_id = create_account(&store, &contact, &BillingForm::default())
            .await
            .unwrap()
            .id;
        let scheme = if tls { "https" } else { "http" };
        // Bound as the server binary binds (`[::]` takes IPv4 clients on every platform).
        let listener = keydesk_server::listen::bind(bind.parse().unwrap()).unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], listener.local_addr().unwrap().port()));
        let mut config = Config::new(&format!("{scheme}://{addr}/"));
        configure(&mut config);
        if tls {
            let (cert, key) = self_signed(dir.path());
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .unwrap();
            tokio::spawn(keydesk_server::serve_tls(
                listener,
                tls,
                store.clone(),
                config,
            ));
        } else {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::spawn(keydesk_server::serve(listener, store.clone(), config));
        }
        (store, addr, account_id)
    });
    let mut agent = ureq::Agent::config_builder().http_status_as_error(false);
    if tls {
        // The process-wide rustls provider: ring, as the server uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pem = std::fs::read(dir.path().join("ca.pem")).unwrap();
        let certs = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item.unwrap() {
                ureq::tls::PemItem::Certificate(cert) => Some(cert),
                _ => None,
            })
            .collect::<Vec<_>>();
        agent = agent.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build(),
        );
    }
    let agent = agent.build().into();
    Running {
        rt,
        store,
        addr,
        base: format!("{}://{addr}", if tls { "https" } else { "http" }),
        agent,
        account_id,
        vault: Vault::new("keydesk-test-unused"),
        _dir: dir,
    }
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// `Basic` with the user and password form-url-encoded first (RFC 6749 Appendix B).
pub fn basic(client_id: &str, secret: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret)))
    )
}

pub const FORM: &str = "application/x-www-form-urlencoded";

impl Running {
    /// A second `keydesk-server` on the same store, with its own connection pool (another
    /// process, as behind a load balancer); its base URL.
    pub fn another_instance(&self) -> String {
        let location = self.store.location().clone();
        let addr = self.rt.block_on(async {
            let store = Store::open(location).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let config = Config::new(&format!("http://{addr}"));
            tokio::spawn(keydesk_server::serve(listener, store, config));
            addr
        });
        format!("http://{addr}")
    }

    /// A form POST to another instance.
    pub fn form_at(&self, base: &str, path: &str, basic: &str, body: &str) -> Reply {
        let request = self
            .agent
            .post(format!("{base}{path}"))
            .header("Content-Type", FORM)
            .header("Authorization", basic);
        reply(request.send(body).expect("the server answers"))
    }

    /// The CA that signed a `start_tls` server's certificate.
    pub fn ca_pem(&self) -> std::path::PathBuf {
        self._dir.path().join("ca.pem")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn credentials(&self, email: &str) -> Issued {
        let form = CredentialForm {
            name: "n".into(),
            email: email.into(),
            application: "app".into(),
        };
        self.rt
            .block_on(credentials::generate(
                &Keydesk::new(&self.store, &self.vault),
                &GenerateRequest::new(self.account_id, &form),
            ))
            .unwrap()
    }

    pub fn renew(&self, credential_id: i32, grace: Grace) -> Issued {
        self.rt
            .block_on(credentials::renew(
                &Keydesk::new(&self.store, &self.vault),
                &RenewRequest::new(credential_id, grace),
            ))
            .unwrap()
    }

    pub fn set_resource_server(&self, credential_id: i32, resource_server: bool) {
        self.rt
            .block_on(credentials::set_resource_server(
                &self.store,
                credential_id,
                resource_server,
            ))
            .unwrap();
    }

    pub fn delete(&self, credential_id: i32) {
        self.rt
            .block_on(credentials::delete(
                &Keydesk::new(&self.store, &self.vault),
                credential_id,
            ))
            .unwrap();
    }

    /// A POST with the given headers and body.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Reply {
        let mut request = self.agent.post(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.send(body.as_ref()).expect("the server answers"))
    }

    pub fn get(&self, path: &str) -> Reply {
        reply(
            self.agent
                .get(self.url(path))
                .call()
                .expect("the server answers"),
        )
    }

    /// A form POST, authenticated with Basic when `basic` is given.
    pub fn form(&self, path: &str, basic: Option<&str>, body: &str) -> Reply {
        match basic {
            Some(auth) => self.post(
                path,
                &[("Content-Type", FORM), ("Authorization", auth)],
                body,
            ),
            None => self.post(path, &[("Content-Type", FORM)], body),
        }
    }

    /// A token for the pair, by Basic; panics unless 200.
    pub fn token(&self, client_id: &str, secret: &str) -> String {
        let reply = self.form(
            "/oauth2/token",
            Some(&basic(client_id, secret)),
            "grant_type=client_credentials",
        );
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json()["access_token"].as_str().unwrap().to_owned()
    }

    pub fn introspect(&self, auth: (&str, &str), token: &str) -> serde_json::Value {
        let reply = self.form(
            "/oauth2/introspect",
            Some(&basic(auth.0, auth.1)),
            &format!("token={token}"),
        );
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json()
    }
}

/// A POST written by hand from `from` (any 127.x.y.z: each is another client), with exactly
/// the given head lines (a browser's `Origin`, another `Host`, …); the status and the head.
pub fn raw_post(from: [u8; 4], to: SocketAddr, head_lines: &[String], body: &str) -> Reply {
    use std::io::{Read, Write};
    let socket = std::net::TcpStream::connect_timeout(&to, std::time::Duration::from_secs(5));
    let mut stream = if from == [127, 0, 0, 1] {
        socket.unwrap()
    } else {
        // std cannot bind before connecting; a socket2-free way: tokio's TcpSocket.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::from((from, 0))).unwrap();
            socket.connect(to).await.unwrap().into_std().unwrap()
        })
    };
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut request = "POST /oauth2/token HTTP/1.1\r\nConnection: close\r\n".to_owned();
    for line in head_lines {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str(&format!(
        "Content-Type: {FORM}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}
