//! Keydesk's folders and files are the user's alone (Unix): after a real open, generate, renew,
//! delete, settings save and log writes, the data and log folders are `rwx------` and every
//! file in them `rw-------`, whatever the umask or an older Keydesk left.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace};
use keydesk_core::logging::{self, LogLevel};
use keydesk_core::settings::Settings;
use keydesk_core::vault::Vault;
use keydesk_core::{Store, StoreLocation};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn folders_are_0700_and_files_0600_after_a_real_run() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let log_dir = root.path().join("logs");
    // As an older Keydesk or a lax umask might have left them.
    std::fs::create_dir(&data_dir).unwrap();
    set_mode(&data_dir, 0o777);
    std::fs::create_dir(&log_dir).unwrap();
    set_mode(&log_dir, 0o755);
    let old_log = log_dir.join("keydesk.2020-01-01.log");
    std::fs::write(&old_log, "an older day\n").unwrap();
    set_mode(&old_log, 0o644);
    std::fs::write(data_dir.join("settings.json"), "{}").unwrap();
    set_mode(&data_dir.join("settings.json"), 0o666);

    logging::init(&log_dir, LogLevel::Debug).unwrap();
    let store = Store::open(StoreLocation::SqliteFile(data_dir.join("keydesk.sqlite3")))
        .await
        .unwrap();
    let account = create_account(
        &store,
        &ContactForm {
            company_name: "Modes Ltd".into(),
            name: "M".into(),
            ..Default::default()
        },
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let form = CredentialForm {
        name: "n".into(),
        email: "modes@example.com".into(),
        application: "app".into(),
    };
    let vault = Vault::new("keydesk-test-unused");
    let issued = credentials::generate(&store, &vault, account.id, &form, false)
        .await
        .unwrap();
    credentials::renew(&store, &vault, issued.credential.id, Grace::OneHour, false)
        .await
        .unwrap();
    Settings {
        log_level: LogLevel::Debug,
        ..Settings::default()
    }
    .save(&data_dir)
    .unwrap();
    tracing::info!("a line for the log");

    // While the store is open: the -wal and -shm files exist too.
    let mut seen = Vec::new();
    for dir in [&data_dir, &log_dir] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            seen.push(path.file_name().unwrap().to_string_lossy().into_owned());
            assert_eq!(
                mode(&path),
                0o600,
                "{} is {:o}",
                path.display(),
                mode(&path)
            );
        }
    }
    seen.sort();
    eprintln!("modes checked: {seen:?}");
    for expected in [
        "keydesk.sqlite3",
        "keydesk.sqlite3-wal",
        "keydesk.sqlite3-shm",
        "settings.json",
        "keydesk.2020-01-01.log",
    ] {
        assert!(seen.iter().any(|s| s == expected), "{expected} in {seen:?}");
    }
    let today = format!("keydesk.{}.log", chrono::Utc::now().format("%Y-%m-%d"));
    assert!(seen.contains(&today), "{today} in {seen:?}");
    let logged = std::fs::read_to_string(log_dir.join(&today)).unwrap();
    assert!(logged.contains("a line for the log"), "{logged}");
    store.close().await.unwrap();
}
