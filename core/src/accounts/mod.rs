//! Accounts: create, list, open, pin, delete. An account is born with its contact information
//! (company and name required) and its billing block, through the write path.
//!
//! - `contact`: the contact and billing forms and their rules;
//! - `tags`: an account's tags; `search`: finding accounts by name, tag or Client ID;
//! - `selection`: which accounts an export or a bulk action means.

pub mod contact;
pub mod search;
pub mod selection;
pub mod tags;

use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use serde::Serialize;

use crate::audit::{Action, Event, Subject};
use crate::contact::{
    insert_account, save_billing, save_contact, BillingForm, BillingView, ContactForm, ContactView,
};
use crate::entities::{account, billing, contact as contact_row};
use crate::write::Write;
use crate::{Error, Keydesk, Result, Store};

/// Everything the Manage Contact Information page shows of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: i32,
    pub pinned: bool,
    pub contact: ContactView,
    pub billing: BillingView,
}

/// Creates an account from its contact information (company name and name required) and,
/// optionally, its billing information.
pub async fn create_account(
    store: &Store,
    contact_form: &ContactForm,
    billing_form: &BillingForm,
) -> Result<AccountView> {
    let contact = contact_form.validate()?;
    let billing = billing_form.validate()?;
    let write = store.write().await?;
    let id = insert_account(&write, contact, billing).await?;
    write
        .commit(Event::new(Subject::account(id), Action::AccountCreated, ""))
        .await?;
    get_account(store, id).await
}

pub async fn count_accounts(store: &Store) -> Result<u64> {
    Ok(account::Entity::find().count(store.connection()).await?)
}

/// One account with its contact and billing information.
pub async fn get_account(store: &Store, account_id: i32) -> Result<AccountView> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let db = store.connection();
    let account = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("The account"))?;
    let contact = contact_row::Entity::find()
        .filter(contact_row::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("The account"))?;
    let billing = billing::Entity::find()
        .filter(billing::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("The account's billing information"))?;
    Ok(AccountView {
        id: account_id,
        pinned: account.pinned,
        contact: contact.into(),
        billing: billing.into(),
    })
}

/// Saves the contact information if it is still at `expected_version` (a stale edit is a
/// `Conflict`); the account as the page then shows it. (Here, not in `contact`, so that
/// `contact` never needs the account's view: the arrow runs one way.)
pub async fn update_contact(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &ContactForm,
) -> Result<AccountView> {
    save_contact(store, account_id, expected_version, form).await?;
    get_account(store, account_id).await
}

/// `update_contact` for the billing information.
pub async fn update_billing(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &BillingForm,
) -> Result<AccountView> {
    save_billing(store, account_id, expected_version, form).await?;
    get_account(store, account_id).await
}

/// Opens an account: remembered as the most recent, and reopened at the next start.
pub async fn open_account(store: &Store, account_id: i32) -> Result<AccountView> {
    let write = store.write().await?;
    let now = write.now();
    set_account_column(write, account_id, account::Column::LastOpenedAt, now).await?;
    get_account(store, account_id).await
}

/// The account opened last, if any is left.
pub async fn last_opened_account(store: &Store) -> Result<Option<i32>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(account::Entity::find()
        .filter(account::Column::LastOpenedAt.is_not_null())
        .order_by_desc(account::Column::LastOpenedAt)
        .one(store.connection())
        .await?
        .map(|a| a.id))
}

pub async fn set_pinned(store: &Store, account_id: i32, pinned: bool) -> Result<()> {
    let write = store.write().await?;
    // The search index carries the pin for the switcher's order.
    crate::search::set_pinned(write.db(), account_id, pinned).await?;
    set_account_column(write, account_id, account::Column::Pinned, pinned).await
}

/// Bookkeeping on the account row (opened last, pinned): no event, nothing to reindex.
async fn set_account_column(
    write: Write,
    account_id: i32,
    column: account::Column,
    value: impl Into<sea_orm::Value>,
) -> Result<()> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let updated = account::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(value))
        .filter(account::Column::Id.eq(account_id))
        .exec(write.db())
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::NotFound("The account"));
    }
    write.commit_bookkeeping().await
}

/// What deleting an account takes with it, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletionImpact {
    pub company_name: String,
    pub credentials: u64,
}

pub async fn deletion_impact(store: &Store, account_id: i32) -> Result<DeletionImpact> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let account = get_account(store, account_id).await?;
    let credentials = crate::entities::credential::Entity::find()
        .filter(crate::entities::credential::Column::AccountId.eq(account_id))
        .count(store.connection())
        .await?;
    Ok(DeletionImpact {
        company_name: account.contact.form.company_name,
        credentials,
    })
}

/// Deletes an account with its contact, billing and credentials (every secret stops
/// verifying) and removes their OS keyring entries. Returns the keyring's complaints.
pub async fn delete_account(keydesk: &Keydesk, account_id: i32) -> Result<Vec<String>> {
    let (store, vault) = (&keydesk.store, &keydesk.vault);
    use crate::entities::credential;
    use sea_orm::{ColumnTrait, QueryFilter};
    let impact = deletion_impact(store, account_id).await?;
    let credentials = credential::Entity::find()
        .filter(credential::Column::AccountId.eq(account_id))
        .all(store.connection())
        .await?;
    let write = store.write().await?;
    account::Entity::delete_by_id(account_id)
        .exec(write.db())
        .await?;
    let detail = format!(
        "{} with {} set(s) of credentials",
        impact.company_name, impact.credentials
    );
    write
        .commit(Event::new(
            Subject::account(account_id),
            Action::AccountDeleted,
            detail,
        ))
        .await?;
    let mut complaints = Vec::new();
    for c in credentials {
        if let Some(err) = crate::credentials::remove_from_keyring(store, vault, &c).await? {
            complaints.push(format!("Client ID {}: {err}", c.client_id));
        }
    }
    Ok(complaints)
}
