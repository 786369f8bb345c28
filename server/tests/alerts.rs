//! `keydesk-server` delivering expiry alerts (issue 28) as a team runs it: killed with SIGKILL
//! between its claim and the receiver's answer, then started again after the claim's lease
//! ended — the alert is delivered then, once, under the same delivery id.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration as Wait, Instant};

use chrono::{Duration, Utc};
use keydesk_core::alerts::{self, ChannelForm};
use keydesk_core::credentials::{generate, CredentialForm, GenerateRequest, Lifetime};
use keydesk_core::{Keydesk, Store, StoreLocation};

mod common;

use common::receiver::Receiver;

const BIN: &str = env!("CARGO_BIN_EXE_keydesk-server");

/// Kills the server (SIGKILL) when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &std::path::Path, location: &StoreLocation, now: chrono::DateTime<Utc>) -> Server {
    start_trusting(data, location, now, None)
}

/// `trusted_ca`: the PEM file given as `SSL_CERT_FILE`, the way a team trusts its own CA for
/// webhooks (README); `None`: the OS's roots only (the variables cleared).
fn start_trusting(
    data: &std::path::Path,
    location: &StoreLocation,
    now: chrono::DateTime<Utc>,
    trusted_ca: Option<&std::path::Path>,
) -> Server {
    let url = match location {
        StoreLocation::SqliteFile(_) => String::new(),
        StoreLocation::Url(url) => url.clone(),
    };
    let mut command = Command::new(BIN);
    command
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(ca) = trusted_ca {
        command.env("SSL_CERT_FILE", ca);
    }
    let mut child = keydesk_test_support::process::spawn(
        command
            .args(["--listen", "127.0.0.1:0", "--alerts-every", "10"])
            .env("KEYDESK_DATA_DIR", data)
            .env("KEYDESK_DATABASE_URL", url)
            // The debug build's clock: weeks after the secret was made.
            .env("KEYDESK_NOW", now.to_rfc3339())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
    .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on "), "{line:?}");
    Server(child)
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Wait::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Wait::from_millis(50));
    }
}

#[test]
fn a_server_killed_between_claim_and_answer_delivers_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let location = rt.block_on(common::fresh_location(&data));
    let made = Utc::now();
    // The receiver takes the first request and never answers; then it answers 200.
    let hook = Receiver::start(&[0, 200]);
    let store = rt.block_on(a_secret_and_a_webhook(&location, made, &hook.url));

    // Six days before the end: the server claims the "7 days" alert and sends it; the receiver
    // holds the request; the server is killed before any answer.
    let due = made + Duration::days(84);
    let server = start(&data, &location, due);
    wait_until("the first request", || !hook.received().is_empty());
    drop(server);

    // Started again once the claim's 5-minute lease has ended: sent again, answered, recorded
    // as delivered (core's alerts test shows a round within the lease leaves it alone).
    let server = start(&data, &location, due + Duration::minutes(6));
    wait_until("the second request", || hook.received().len() == 2);
    let delivered = || {
        rt.block_on(alerts::list_channels(&store)).unwrap()[0]
            .last_delivered_at
            .is_some()
    };
    wait_until("the delivery recorded", delivered);
    drop(server);
    let got = hook.received();
    assert_eq!(got.len(), 2, "sent twice on the wire, delivered once");
    assert_eq!(
        got[0].header("X-Keydesk-Delivery"),
        got[1].header("X-Keydesk-Delivery"),
        "the same delivery id, so a receiver can drop the repeat"
    );
    assert_eq!(got[1].json()["account"]["company_name"], "Killed Ltd");
}

/// A store with one account ("Killed Ltd") whose 90-day secret was made at `made`, and a
/// webhook channel to `url`.
async fn a_secret_and_a_webhook(
    location: &StoreLocation,
    made: chrono::DateTime<Utc>,
    url: &str,
) -> Store {
    let store = Store::open(location.clone()).await.unwrap();
    let at_made = common::clocked(&store, made);
    let account = keydesk_core::accounts::create_account(
        &at_made,
        &keydesk_core::contact::ContactForm {
            company_name: "Killed Ltd".into(),
            name: "K".into(),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap();
    generate(
        &Keydesk::new(
            &at_made,
            &keydesk_core::vault::Vault::new("keydesk-test-unused"),
        ),
        &GenerateRequest::new(
            account.id,
            &CredentialForm {
                name: "n".into(),
                email: "killed@example.com".into(),
                application: "PSA".into(),
            },
        )
        .lifetime(Lifetime::Days90),
    )
    .await
    .unwrap();
    alerts::add_channel(
        &store,
        &ChannelForm {
            kind: "webhook".into(),
            name: "PSA".into(),
            url: url.to_owned(),
            tags: String::new(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store
}

/// A webhook over HTTPS (issue 28): refused while the receiver's CA is not trusted — nothing
/// reaches it, the channel shows why and is retried — then, with the team's CA given as
/// `SSL_CERT_FILE`, delivered once inside TLS.
#[test]
fn an_https_webhook_is_sent_only_to_a_certificate_the_server_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = common::self_signed(certs.path());
    let ca = certs.path().join("ca.pem");
    let hook = Receiver::start_tls(&[200], &cert, &key);
    assert!(hook.url.starts_with("https://127.0.0.1:"), "{}", hook.url);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let location = rt.block_on(common::fresh_location(&data));
    let made = Utc::now();
    let store = rt.block_on(a_secret_and_a_webhook(&location, made, &hook.url));
    let channel = || {
        rt.block_on(alerts::list_channels(&store))
            .unwrap()
            .remove(0)
    };

    let due = made + Duration::days(84);
    let server = start_trusting(&data, &location, due, None);
    wait_until("the refusal recorded", || channel().last_failure.is_some());
    drop(server);
    let failure = channel().last_failure.unwrap();
    println!("untrusted: {}", failure.status);
    assert!(
        failure.status.starts_with("not reached")
            && failure.status.contains("certificate")
            && failure.retrying,
        "{failure:?}"
    );
    assert!(
        channel().state().contains("failed"),
        "{}",
        channel().state()
    );
    assert!(
        hook.received().is_empty(),
        "nothing crossed an untrusted TLS"
    );

    // The retry is due a minute later; this time the server trusts the receiver's CA.
    let server = start_trusting(&data, &location, due + Duration::minutes(2), Some(&ca));
    wait_until("the delivery recorded", || {
        channel().last_delivered_at.is_some()
    });
    drop(server);
    let got = hook.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["account"]["company_name"], "Killed Ltd");
    assert!(got[0]
        .header("X-Keydesk-Signature")
        .is_some_and(|s| s.starts_with("sha256=")));
}
