//! Secrets at rest: after renewals with OS keyring storage on and off, no issued secret is in
//! any file under the data folder — the store with its WAL, the settings, the log files written
//! at debug level. `KEYDESK_AT_REST_RENEWALS` sets the count (100 here by default; `cargo xtask
//! soak` uses 1,000). Uses the real Secret Service that `cargo xtask test` starts.

mod common;

use keydesk_core::credentials::RenewRequest;
use keydesk_core::Keydesk;
use std::path::Path;

use common::test_store;
use keydesk_core::credentials::{self, Grace, KeyringOutcome};
use keydesk_core::logging::{self, LogLevel};
use keydesk_core::secrets::new_client_id;
use keydesk_core::settings::Settings;
use keydesk_core::vault::Vault;

fn every_file(dir: &Path, into: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            every_file(&path, into);
        } else {
            into.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_issued_secret_is_in_the_data_folder_or_the_logs() {
    let renewals: usize = std::env::var("KEYDESK_AT_REST_RENEWALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let t = test_store().await;
    let data_dir = t.dir.path();
    // The app keeps its logs in the OS log folder; here they go beside the store to be scanned.
    logging::init(&data_dir.join("logs"), LogLevel::Debug).unwrap();
    Settings::default().save(data_dir).unwrap();
    let vault = Vault::new(format!("keydesk-test-{}", new_client_id().unwrap()));

    let (_, first) = common::account_with_credentials(&t.store).await;
    let id = first.credential.id;
    let mut issued = vec![first.secret.expose().to_string()];
    for i in 0..renewals {
        let in_keyring = i % 2 == 0;
        let grace = if i % 3 == 0 {
            Grace::OneHour
        } else {
            Grace::Now
        };
        let renewed = credentials::renew(
            &Keydesk::new(&t.store, &vault),
            &RenewRequest::new(id, grace).store_in_keyring(in_keyring),
        )
        .await
        .unwrap();
        let expected = if in_keyring {
            KeyringOutcome::Stored
        } else {
            KeyringOutcome::NotRequested
        };
        assert_eq!(renewed.keyring, expected, "renewal {i}");
        issued.push(renewed.secret.expose().to_string());
    }
    // The last one went to the keyring (it is where it belongs) only when asked.
    let last = issued.last().unwrap();
    if renewals % 2 == 1 {
        assert_eq!(
            vault
                .get(&first.credential.client_id)
                .await
                .unwrap()
                .expose(),
            last
        );
    }
    credentials::delete(&Keydesk::new(&t.store, &vault), id)
        .await
        .unwrap();

    // Read every file as it is now, WAL included, without checkpointing first.
    let mut files = Vec::new();
    every_file(data_dir, &mut files);
    let logs: Vec<&(String, Vec<u8>)> = files.iter().filter(|(p, _)| p.contains("logs")).collect();
    // The scan reads what was written: the logs hold each renewal, at debug level too (where
    // each issued value is logged by its ids only — issue 14).
    let log_text: String = logs
        .iter()
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    assert_eq!(
        log_text.matches("secret renewed").count(),
        renewals,
        "{log_text:.2000}"
    );
    assert!(log_text.contains("DEBUG issued"), "{log_text:.2000}");
    let mut found = 0;
    for secret in &issued {
        for (path, bytes) in &files {
            if contains(bytes, secret) {
                found += 1;
                eprintln!("a secret was found in {path}");
            }
        }
    }
    eprintln!(
        "secrets at rest: {} issued over {renewals} renewals (keyring on and off), {} files \
         scanned ({} log files), secrets found: {found}",
        issued.len(),
        files.len(),
        logs.len()
    );
    assert_eq!(found, 0);
}
