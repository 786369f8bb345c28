//! A debug-level log — the level the settings offer "for a bug report" — holds ids, not what a
//! person typed: after create, generate, renew and delete, no form value and no secret is in it,
//! on either store.

use keydesk_core::accounts::{create_account, delete_account};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::logging::{self, LogLevel};
use keydesk_core::vault::Vault;
use keydesk_core::Keydesk;

mod common;

#[tokio::test]
async fn a_debug_log_holds_no_form_value_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");
    logging::init(&log_dir, LogLevel::Debug).unwrap();
    // On PostgreSQL too (`cargo xtask test`'s second pass): its driver logs differently.
    let common::TestStore {
        store,
        dir: _store_dir,
        ..
    } = common::test_store().await;
    let contact = ContactForm {
        company_name: "Quillfeather Holdings".into(),
        name: "Ottoline Vasquez".into(),
        street: "77 Marrowbone Lane".into(),
        city: "Tumblewick".into(),
        region: "CO".into(),
        postal_code: "80202".into(),
        country: "US".into(),
        phone: "(303) 555-0177".into(),
        username: "ovasquez-login".into(),
        email: "ottoline@quillfeather.example".into(),
    };
    let billing = BillingForm {
        billing_name: "Barnaby Quint".into(),
        email: "ledger@quillfeather.example".into(),
        ..BillingForm::default()
    };
    let form = CredentialForm {
        name: "Integration Robot Zed".into(),
        email: "robot-zed@quillfeather.example".into(),
        application: "Nightly Invoice Sync".into(),
    };
    let account = create_account(&store, &contact, &billing).await.unwrap();
    let vault = Vault::new("keydesk-test-unused");
    let first = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account.id, &form),
    )
    .await
    .unwrap();
    let id = first.credential.id;
    let client_id = first.credential.client_id.clone();
    let renewed = credentials::renew(
        &Keydesk::new(&store, &vault),
        &RenewRequest::new(id, Grace::OneHour),
    )
    .await
    .unwrap();
    let again = credentials::renew(
        &Keydesk::new(&store, &vault),
        &RenewRequest::new(id, Grace::Now),
    )
    .await
    .unwrap();
    // The Test dialog with the secret pasted into the Client ID box, and a CSV import whose
    // header row is missing (its first row is a customer's data).
    credentials::verify(&store, again.secret.expose(), "anything")
        .await
        .unwrap();
    let headerless = "Quillfeather Holdings,Ottoline Vasquez,ottoline@quillfeather.example\n";
    let refused = keydesk_core::account_csv::preview_import(&store, "a.csv", headerless.as_bytes())
        .await
        .unwrap_err();
    // The shell logs a refused command's message as it is (src-tauri's WireError).
    tracing::warn!(code = refused.code(), "{refused}");
    credentials::delete(&Keydesk::new(&store, &vault), id)
        .await
        .unwrap();
    delete_account(&Keydesk::new(&store, &vault), account.id)
        .await
        .unwrap();
    store.close().await.unwrap();

    let mut logged = String::new();
    for entry in std::fs::read_dir(&log_dir).unwrap() {
        logged.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    eprintln!("{logged}");
    // The log was written at debug level and names the credential by id.
    assert!(logged.contains(" DEBUG "), "{logged}");
    assert!(logged.contains(&client_id), "{logged}");
    let typed = [
        &contact.company_name,
        &contact.name,
        &contact.street,
        &contact.city,
        &contact.phone,
        &contact.username,
        &contact.email,
        &billing.billing_name,
        &billing.email,
        &form.name,
        &form.email,
        &form.application,
    ];
    for value in typed {
        assert!(!logged.contains(value.as_str()), "{value:?} is in the log");
    }
    for secret in [&first.secret, &renewed.secret, &again.secret] {
        assert!(!logged.contains(secret.expose()), "a secret is in the log");
    }
}
