//! The `keydesk-server` binary as a team runs it: refusing plain HTTP off loopback, and serving
//! HTTPS with a certificate (checked by curl against the certificate it was given).

use keydesk_core::credentials::GenerateRequest;
use keydesk_core::Keydesk;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use keydesk_core::credentials::{generate, CredentialForm};
use keydesk_core::{Store, StoreLocation};

// The store: an SQLite file in the data folder, or, in the PostgreSQL pass, a fresh database
// named to the binary by KEYDESK_DATABASE_URL.

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_keydesk-server");

#[test]
fn a_non_loopback_address_without_tls_is_refused_at_start_with_a_message() {
    if common::touches_no_store() {
        return;
    }
    let out =
        keydesk_test_support::process::output(Command::new(BIN).args(["--listen", "0.0.0.0:0"]))
            .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("without TLS"), "{message}");
    assert!(message.contains("--behind-tls-proxy"), "{message}");
}

/// KEYDESK_DATABASE_URL for `location`: empty (unset, as it reads it) for the data folder's
/// SQLite file.
fn database_url(location: &StoreLocation) -> String {
    match location {
        StoreLocation::SqliteFile(_) => String::new(),
        StoreLocation::Url(url) => url.clone(),
    }
}

/// Kills the server when the test ends, passing or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serves_https_with_the_given_certificate() {
    if keydesk_test_support::not_on_windows(
        "its client is curl, which Windows 10 ships and Wine does not; HTTPS itself is run on \
         Windows by clauses::only_http_1_1_is_served_so_the_slow_client_deadline_covers_every_connection",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::self_signed(dir.path());

    // Credentials made the way the app makes them, in the store the server will open.
    let data = dir.path().join("data");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let location = rt.block_on(common::fresh_location(&data));
    let issued = rt.block_on(async {
        let store = Store::open(location.clone()).await.unwrap();
        let account = keydesk_core::accounts::create_account(
            &store,
            &keydesk_core::contact::ContactForm {
                company_name: "TLS".into(),
                name: "T".into(),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
        let form = CredentialForm {
            name: "n".into(),
            email: "tls@example.com".into(),
            application: "app".into(),
        };
        let vault = keydesk_core::vault::Vault::new("keydesk-test-unused");
        generate(
            &Keydesk::new(&store, &vault),
            &GenerateRequest::new(account.id, &form),
        )
        .await
        .unwrap()
    });

    let mut child = Child(
        keydesk_test_support::process::spawn(
            Command::new(BIN)
                .args(["--listen", "127.0.0.1:0", "--tls-cert"])
                .arg(&cert)
                .arg("--tls-key")
                .arg(&key)
                .env("KEYDESK_DATA_DIR", &data)
                .env("KEYDESK_DATABASE_URL", database_url(&location))
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    let base = format!("https://{addr}");

    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(dir.path().join("ca.pem"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let metadata = curl(&[&format!("{base}/.well-known/oauth-authorization-server")]);
    assert_eq!(metadata["issuer"], base.as_str());
    let user = format!("{}:{}", issued.credential.client_id, issued.secret.expose());
    let token = curl(&[
        "-u",
        &user,
        "-d",
        "grant_type=client_credentials",
        &format!("{base}/oauth2/token"),
    ]);
    assert_eq!(token["token_type"], "Bearer", "{token}");
    // Plain HTTP to the TLS port gets no token.
    let plain = Command::new("curl")
        .args(["-sS", "-u", &user, "-d", "grant_type=client_credentials"])
        .arg(format!("http://{addr}/oauth2/token"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("access_token"));
}
