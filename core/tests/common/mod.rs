//! The store each test runs against: a fresh SQLite file, or, when
//! `KEYDESK_TEST_POSTGRES_URL` names a PostgreSQL server (as `cargo xtask test` does for its
//! second pass), a fresh database on it.

#![allow(dead_code)]

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

pub async fn test_store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let location = match std::env::var("KEYDESK_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!(
                "keydesk_test_{}",
                keydesk_core::secrets::new_client_id().unwrap()
            );
            let admin = Database::connect(&admin_url).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            admin.close().await.unwrap();
            let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap();
            StoreLocation::Url(format!("{base}/{name}"))
        }
        Err(_) => StoreLocation::SqliteFile(dir.path().join("keydesk.sqlite3")),
    };
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
    let issued = generate(store, &vault, account.id, &form, false)
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
