//! Accounts, contact and billing information through the core services, on a real SQLite file.

use keydesk_core::accounts::{create_account, get_account, list_accounts};
use keydesk_core::contact::{update_billing, update_contact};
use keydesk_core::demo::{example_billing, example_contact};
use keydesk_core::validation::{BillingForm, ContactForm};
use keydesk_core::{Store, StoreLocation};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

async fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(StoreLocation::SqliteFile(
        dir.path().join("keydesk.sqlite3"),
    ))
    .await
    .unwrap()
}

fn company(company_name: &str, name: &str) -> ContactForm {
    ContactForm {
        company_name: company_name.into(),
        name: name.into(),
        ..Default::default()
    }
}

async fn audit_actions(store: &Store) -> Vec<String> {
    store
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT action FROM audit_events ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "action").unwrap())
        .collect()
}

#[tokio::test]
async fn an_account_needs_only_company_and_name_and_lists_by_company() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    assert!(list_accounts(&store).await.unwrap().is_empty());
    create_account(&store, &company("Zeta Ltd", "Zoe"), &BillingForm::default())
        .await
        .unwrap();
    let alpha = create_account(&store, &company("Alpha Inc", "Al"), &BillingForm::default())
        .await
        .unwrap();
    assert_eq!(alpha.contact.version, 1);
    assert_eq!(alpha.billing.version, 1);
    let names: Vec<_> = list_accounts(&store)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.company_name)
        .collect();
    assert_eq!(names, ["Alpha Inc", "Zeta Ltd"]);
    assert_eq!(
        audit_actions(&store).await,
        ["account.created", "account.created"]
    );
}

#[tokio::test]
async fn an_invalid_new_account_is_refused_with_its_field_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let err = create_account(&store, &company("", "Alex"), &BillingForm::default())
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.field()), ("invalid", Some("company_name")));
    assert!(list_accounts(&store).await.unwrap().is_empty());
    assert!(audit_actions(&store).await.is_empty());
}

#[tokio::test]
async fn edits_are_normalised_saved_and_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let account = create_account(
        &store,
        &company("Alexcompany", "Alex"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let after = update_contact(&store, account.id, 1, &example_contact())
        .await
        .unwrap();
    assert_eq!(after.contact.version, 2);
    assert_eq!(after.contact.form.phone, "+13035550134");
    assert_eq!(after.contact.phone_display, "+1 303-555-0134");
    assert_eq!(after.contact.country_name, "United States of America");
    let after = update_billing(&store, account.id, 1, &example_billing())
        .await
        .unwrap();
    assert_eq!(after.billing.version, 2);
    assert_eq!(after.billing.form.street_line2, "Suite 100");
    drop(store);
    let reopened = self::store(&dir).await;
    assert_eq!(get_account(&reopened, account.id).await.unwrap(), after);
    assert_eq!(
        audit_actions(&reopened).await,
        ["account.created", "contact.updated", "billing.updated"]
    );
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_and_overwrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let account = create_account(
        &store,
        &company("Alexcompany", "Alex"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    update_contact(
        &store,
        account.id,
        1,
        &company("Alexcompany", "Alex Winner"),
    )
    .await
    .unwrap();
    let err = update_contact(&store, account.id, 1, &company("Alexcompany", "Alex Loser"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let err = update_billing(&store, account.id, 7, &example_billing())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let now = get_account(&store, account.id).await.unwrap();
    assert_eq!(now.contact.form.name, "Alex Winner");
    assert_eq!(now.billing.form, BillingForm::default());
}

#[tokio::test]
async fn an_invalid_edit_keeps_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let account = create_account(&store, &example_contact(), &example_billing())
        .await
        .unwrap();
    let bad = ContactForm {
        email: "alex(at)example".into(),
        name: "Changed".into(),
        ..example_contact()
    };
    let err = update_contact(&store, account.id, 1, &bad)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("email"));
    assert_eq!(get_account(&store, account.id).await.unwrap(), account);
}

#[tokio::test]
async fn an_unknown_account_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    assert_eq!(
        get_account(&store, 42).await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        update_contact(&store, 42, 1, &example_contact())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}
