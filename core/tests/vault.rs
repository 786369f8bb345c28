//! The OS keyring against the real Secret Service (gnome-keyring on a session bus, as
//! `cargo xtask test` starts it).

mod common;

use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace, KeyringOutcome};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::secrets::new_client_id;
use keydesk_core::secrets::Secret;
use keydesk_core::vault::Vault;
use keydesk_core::Keydesk;
use keydesk_core::Store;

/// A service name of its own per test, so tests never see each other's entries.
fn vault() -> Vault {
    Vault::new(format!("keydesk-test-{}", new_client_id().unwrap()))
}

async fn store(dir: &tempfile::TempDir) -> (Store, i32) {
    // An SQLite file in `dir`, or a fresh PostgreSQL database in that pass.
    let store = Store::open(common::fresh_location(dir.path()).await)
        .await
        .unwrap();
    let contact = ContactForm {
        company_name: "Alexcompany".into(),
        name: "Alex".into(),
        ..Default::default()
    };
    let id = create_account(&store, &contact, &BillingForm::default())
        .await
        .unwrap()
        .id;
    (store, id)
}

fn form() -> CredentialForm {
    CredentialForm {
        name: "alexcnw".into(),
        email: "whatevermail@yeah.com".into(),
        application: "esareit".into(),
    }
}

#[tokio::test]
async fn put_replace_get_and_remove_in_the_secret_service() {
    if common::touches_no_store() {
        return;
    }
    let vault = vault();
    let id = new_client_id().unwrap();
    vault
        .put(&id, &Secret::new("first".into()))
        .await
        .expect("the Secret Service is reachable (run under cargo xtask test)");
    assert_eq!(vault.get(&id).await.unwrap().expose(), "first");
    vault.put(&id, &Secret::new("second".into())).await.unwrap();
    assert_eq!(vault.get(&id).await.unwrap().expose(), "second");
    vault.remove(&id).await.unwrap();
    let err = vault.get(&id).await.unwrap_err();
    assert_eq!(err.code(), "keyring");
    assert!(err.to_string().contains("no entry"), "{err}");
    vault.remove(&id).await.expect("removing twice is fine");
}

#[tokio::test]
async fn generate_renew_and_delete_keep_the_keyring_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let (store, account_id) = store(&dir).await;
    let vault = vault();

    let issued = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account_id, &form()).store_in_keyring(true),
    )
    .await
    .unwrap();
    assert_eq!(issued.keyring, KeyringOutcome::Stored);
    assert!(issued.credential.in_keyring);
    let id = issued.credential.id;
    assert_eq!(
        credentials::secret_from_keyring(&Keydesk::new(&store, &vault), id)
            .await
            .unwrap()
            .expose(),
        issued.secret.expose()
    );

    // Renew with the keyring: the entry is replaced by the new secret.
    let renewed = credentials::renew(
        &Keydesk::new(&store, &vault),
        &RenewRequest::new(id, Grace::Now).store_in_keyring(true),
    )
    .await
    .unwrap();
    assert_eq!(renewed.keyring, KeyringOutcome::Stored);
    // The view handed back (built before the keyring was written) says so, as the list does.
    assert!(renewed.credential.in_keyring);
    let listed = credentials::list_credentials(&store, account_id)
        .await
        .unwrap();
    assert!(listed.iter().find(|c| c.id == id).unwrap().in_keyring);
    assert_eq!(
        vault
            .get(&issued.credential.client_id)
            .await
            .unwrap()
            .expose(),
        renewed.secret.expose()
    );

    // Renew without it: the entry (holding a replaced secret) is removed.
    let again = credentials::renew(
        &Keydesk::new(&store, &vault),
        &RenewRequest::new(id, Grace::Now),
    )
    .await
    .unwrap();
    assert_eq!(again.keyring, KeyringOutcome::NotRequested);
    assert!(!again.credential.in_keyring);
    assert!(vault.get(&issued.credential.client_id).await.is_err());
    assert_eq!(
        credentials::secret_from_keyring(&Keydesk::new(&store, &vault), id)
            .await
            .unwrap_err()
            .code(),
        "keyring"
    );

    // Delete removes the entry too.
    credentials::renew(
        &Keydesk::new(&store, &vault),
        &RenewRequest::new(id, Grace::Now).store_in_keyring(true),
    )
    .await
    .unwrap();
    assert!(vault.get(&issued.credential.client_id).await.is_ok());
    credentials::delete(&Keydesk::new(&store, &vault), id)
        .await
        .unwrap();
    assert!(vault.get(&issued.credential.client_id).await.is_err());
}

const INNER: &str = "KEYDESK_TEST_KEYRING_UNAVAILABLE";

/// Runs in a child process whose session bus address leads nowhere: the real keyring crate
/// then fails for real.
#[tokio::test]
async fn keyring_unavailable_keeps_the_credential_and_says_why() {
    if common::not_on_windows(
        "the keyring is made unreachable by pointing the session bus nowhere; Windows' \
         Credential Manager has no bus to take away",
    ) {
        return;
    }
    if std::env::var_os(INNER).is_some() {
        let dir = tempfile::tempdir().unwrap();
        let (store, account_id) = store(&dir).await;
        let vault = vault();
        let issued = credentials::generate(
            &Keydesk::new(&store, &vault),
            &GenerateRequest::new(account_id, &form()).store_in_keyring(true),
        )
        .await
        .unwrap();
        let KeyringOutcome::Failed { message, details } = &issued.keyring else {
            panic!("expected a keyring failure, got {:?}", issued.keyring);
        };
        assert_eq!(
            message,
            "No OS keyring is running on this computer (no Secret Service on the session bus), \
             so the secret was not stored — copy it now"
        );
        // The platform's own words are kept for the log and the Details disclosure.
        let details = details.as_deref().unwrap_or_default();
        assert!(details.contains("/nonexistent/keydesk-no-bus"), "{details}");
        assert!(!issued.credential.in_keyring);
        assert!(
            credentials::verify(&store, &issued.credential.client_id, issued.secret.expose())
                .await
                .unwrap()
                .valid
        );
        return;
    }
    let output = keydesk_test_support::process::output(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "keyring_unavailable_keeps_the_credential_and_says_why",
                "--nocapture",
            ])
            .env(INNER, "1")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/keydesk-no-bus",
            ),
    )
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("1 passed"), "{report}");
}
