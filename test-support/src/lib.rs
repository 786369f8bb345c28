//! What keydesk-core's and keydesk-server's integration tests share (issue 25 item 7): the
//! store each test runs against — a fresh SQLite file, or, when `KEYDESK_TEST_POSTGRES_URL`
//! names a PostgreSQL server (as `cargo xtask test` does for its second pass), a fresh database
//! on it — and tests that say by name why they checked nothing in a pass.

pub mod certificates;
pub mod process;
pub mod receiver;
pub mod smtp;
pub mod wine;

use keydesk_core::credentials::GenerateRequest;
use keydesk_core::Keydesk;
use std::path::Path;

use keydesk_core::{Store, StoreLocation};
use sea_orm::{ConnectionTrait, Database};

pub struct TestStore {
    pub store: Store,
    /// The SQLite file's folder; for PostgreSQL an empty folder.
    pub dir: tempfile::TempDir,
    pub location: StoreLocation,
}

pub fn on_postgres() -> bool {
    std::env::var_os("KEYDESK_TEST_POSTGRES_URL").is_some()
}

/// Where a fresh store goes: `dir/keydesk.sqlite3`, or in a PostgreSQL pass a new database on
/// its server.
pub async fn fresh_location(dir: &Path) -> StoreLocation {
    match std::env::var("KEYDESK_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!(
                "keydesk_test_{}",
                keydesk_core::secrets::new_client_id().unwrap()
            );
            StoreLocation::Url(new_database(&admin_url, &name).await)
        }
        Err(_) => StoreLocation::SqliteFile(dir.join("keydesk.sqlite3")),
    }
}

/// Creates the database `name` on the server `admin_url` connects to; its URL.
pub async fn new_database(admin_url: &str, name: &str) -> String {
    let admin = Database::connect(admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap();
    format!("{base}/{name}")
}

pub async fn test_store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let location = fresh_location(dir.path()).await;
    let store = Store::open(location.clone()).await.unwrap();
    TestStore {
        store,
        dir,
        location,
    }
}

impl TestStore {
    /// A second, independent connection pool on the same store (another Keydesk process).
    pub async fn another(&self) -> Store {
        Store::open(self.location.clone()).await.unwrap()
    }
}

/// An account with one set of credentials, for the tests that renew them.
pub async fn account_with_credentials(store: &Store) -> (i32, keydesk_core::credentials::Issued) {
    use keydesk_core::accounts::create_account;
    use keydesk_core::contact::{BillingForm, ContactForm};
    use keydesk_core::credentials::{generate, CredentialForm};
    let contact = ContactForm {
        company_name: "Renewals".into(),
        name: "R".into(),
        ..Default::default()
    };
    let account = create_account(store, &contact, &BillingForm::default())
        .await
        .unwrap();
    let form = CredentialForm {
        name: "n".into(),
        email: "renewals@example.com".into(),
        application: "app".into(),
    };
    let vault = keydesk_core::vault::Vault::new("keydesk-test-unused");
    let issued = generate(
        &Keydesk::new(store, &vault),
        &GenerateRequest::new(account.id, &form),
    )
    .await
    .unwrap();
    (account.id, issued)
}

/// A store's location as text for a helper process's environment, and back.
pub fn location_text(location: &StoreLocation) -> String {
    match location {
        StoreLocation::SqliteFile(path) => path.display().to_string(),
        StoreLocation::Url(url) => url.clone(),
    }
}

pub fn location_from_text(text: &str) -> StoreLocation {
    if text.contains("://") {
        StoreLocation::Url(text.to_owned())
    } else {
        StoreLocation::SqliteFile(text.into())
    }
}

/// The store read at `at`: a test that moves time hands each call the store as of then.
pub fn clocked(store: &Store, at: chrono::DateTime<chrono::Utc>) -> Store {
    store.clone().with_clock(keydesk_core::Clock::manual(at))
}

/// The calling test's name, as the test harness knows it (`module::test_name`): libtest names
/// each test's thread after it.
pub fn test_name() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, _hash)) => name.to_owned(),
            None => stem,
        })
        .unwrap_or_default();
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed thread>")
        .to_owned();
    format!("{binary}::{test}")
}

/// Says that the calling test checked nothing here, and why, before it returns: one line
/// `SKIPPED <binary>::<test>: <why>` on stderr, written past the test harness's capture so it
/// is seen even when the test "passes", and appended to the file `KEYDESK_TEST_SKIPS` names,
/// when set, for a summary of what was skipped by name.
pub fn skipped(why: &str) {
    use std::io::Write;
    let line = format!("SKIPPED {}: {why}\n", test_name());
    // `eprintln!` would be captured (and hidden) for a passing test; the raw handle is not.
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(path) = std::env::var_os("KEYDESK_TEST_SKIPS") {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(err) = appended {
            panic!("cannot record the skip in {path:?}: {err}");
        }
    }
}

/// Variables only a PostgreSQL pass provides. All set: their values. Any unset in a
/// PostgreSQL pass (`KEYDESK_TEST_POSTGRES_URL` set, as `cargo xtask test` sets it): the test
/// fails naming them, since that pass provides all of them. Unset otherwise (a plain
/// `cargo test`, or xtask's SQLite pass): the test is reported skipped by name (`skipped`)
/// and gets `None`.
pub fn postgres_vars<const N: usize>(names: [&str; N]) -> Option<[String; N]> {
    let values = names.map(|name| std::env::var(name).ok());
    let missing: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        return Some(values.map(Option::unwrap));
    }
    let missing = missing.join(", ");
    if on_postgres() {
        panic!(
            "{}: not set: {missing}, but this is a PostgreSQL pass (KEYDESK_TEST_POSTGRES_URL \
             is set), and `cargo xtask test` sets them all for it (xtask/src/main.rs)",
            test_name()
        );
    }
    skipped(&format!(
        "not set: {missing} (PostgreSQL only: `cargo xtask test` runs it in its PostgreSQL pass)"
    ));
    None
}

/// One variable only a PostgreSQL pass provides: `postgres_vars` for one name.
pub fn postgres_var(name: &str) -> Option<String> {
    postgres_vars([name]).map(|[value]| value)
}

/// For a test that touches no store (rules, files, timings): in a PostgreSQL pass, reports it
/// skipped by name and says so (the caller returns); the SQLite pass has run it.
pub fn touches_no_store() -> bool {
    if on_postgres() {
        skipped("touches no store; run once, in the SQLite pass");
    }
    on_postgres()
}

/// For a test of the SQLite store only: in a PostgreSQL pass, reports it skipped by name, with
/// `why`, and says so (the caller returns).
pub fn sqlite_only(why: &str) -> bool {
    if on_postgres() {
        skipped(&format!("SQLite only: {why}"));
    }
    on_postgres()
}

/// For a test of something Windows does not have (a session bus to take away, a file that can
/// be moved while open): on Windows (the Windows pass runs under Wine), reports it skipped by
/// name, with `why`, and says so (the caller returns).
pub fn not_on_windows(why: &str) -> bool {
    if cfg!(windows) {
        skipped(&format!("not on Windows: {why}"));
    }
    cfg!(windows)
}
