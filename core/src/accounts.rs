//! Accounts: create, list, open. An account is born with its contact information (company and
//! name required) and an empty billing block, in one transaction with its audit event.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, QueryOrder, Set, TransactionTrait};
use serde::Serialize;

use crate::entities::{account, billing, contact};
use crate::validation::{country_name, phone_display, phone_warning, BillingForm, ContactForm};
use crate::vault::Vault;
use crate::{audit, search, Error, Result, Store};

/// Everything the Manage Contact Information page shows of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: i32,
    pub pinned: bool,
    pub contact: ContactView,
    pub billing: BillingView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactView {
    #[serde(flatten)]
    pub form: ContactForm,
    pub country_name: String,
    pub phone_display: String,
    /// Beside a number saved as typed because it is not in use in its country.
    pub phone_warning: Option<String>,
    /// The version an edit must start from (see `contact::update_contact`).
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingView {
    #[serde(flatten)]
    pub form: BillingForm,
    pub country_name: String,
    pub phone_display: String,
    pub phone_warning: Option<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<contact::Model> for ContactView {
    fn from(m: contact::Model) -> Self {
        ContactView {
            country_name: country_name(&m.country),
            phone_display: phone_display(&m.phone),
            phone_warning: phone_warning(&m.phone, &m.country),
            version: m.version,
            updated_at: m.updated_at,
            form: ContactForm {
                company_name: m.company_name,
                name: m.name,
                street: m.street,
                city: m.city,
                region: m.region,
                postal_code: m.postal_code,
                country: m.country,
                phone: m.phone,
                username: m.username,
                email: m.email,
            },
        }
    }
}

impl From<billing::Model> for BillingView {
    fn from(m: billing::Model) -> Self {
        BillingView {
            country_name: country_name(&m.country),
            phone_display: phone_display(&m.phone),
            phone_warning: phone_warning(&m.phone, &m.country),
            version: m.version,
            updated_at: m.updated_at,
            form: BillingForm {
                billing_name: m.billing_name,
                street_line1: m.street_line1,
                street_line2: m.street_line2,
                city: m.city,
                region: m.region,
                postal_code: m.postal_code,
                country: m.country,
                phone: m.phone,
                email: m.email,
            },
        }
    }
}

/// Creates an account from its contact information (company name and name required) and,
/// optionally, its billing information.
pub async fn create_account(
    store: &Store,
    contact_form: &ContactForm,
    billing_form: &BillingForm,
) -> Result<AccountView> {
    store.ensure_file_in_place()?;
    let c = contact_form.validate()?;
    let b = billing_form.validate()?;
    let now = Utc::now();
    let txn = store.connection().begin().await?;
    let account = account::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        sort_name: Set(search::sort_name(&c.company_name)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    contact::ActiveModel {
        account_id: Set(account.id),
        company_name: Set(c.company_name),
        name: Set(c.name),
        street: Set(c.street),
        city: Set(c.city),
        region: Set(c.region),
        postal_code: Set(c.postal_code),
        country: Set(c.country),
        phone: Set(c.phone),
        username: Set(c.username),
        email: Set(c.email),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    billing::ActiveModel {
        account_id: Set(account.id),
        billing_name: Set(b.billing_name),
        street_line1: Set(b.street_line1),
        street_line2: Set(b.street_line2),
        city: Set(b.city),
        region: Set(b.region),
        postal_code: Set(b.postal_code),
        country: Set(b.country),
        phone: Set(b.phone),
        email: Set(b.email),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        audit::Subject::account(account.id),
        "account.created",
        "",
        now,
    )
    .await?;
    search::reindex(&txn, account.id).await?;
    txn.commit().await?;
    get_account(store, account.id).await
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
    let contact = contact::Entity::find()
        .filter(contact::Column::AccountId.eq(account_id))
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

/// Opens an account: remembered as the most recent, and reopened at the next start.
pub async fn open_account(
    store: &Store,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<AccountView> {
    store.ensure_file_in_place()?;
    use sea_orm::{ColumnTrait, QueryFilter};
    let updated = account::Entity::update_many()
        .col_expr(
            account::Column::LastOpenedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(account::Column::Id.eq(account_id))
        .exec(store.connection())
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::NotFound("The account"));
    }
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
    store.ensure_file_in_place()?;
    use sea_orm::{ColumnTrait, QueryFilter};
    let updated = account::Entity::update_many()
        .col_expr(
            account::Column::Pinned,
            sea_orm::sea_query::Expr::value(pinned),
        )
        .filter(account::Column::Id.eq(account_id))
        .exec(store.connection())
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::NotFound("The account"));
    }
    Ok(())
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
pub async fn delete_account(
    store: &Store,
    vault: &Vault,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    store.ensure_file_in_place()?;
    use crate::entities::credential;
    use sea_orm::{ColumnTrait, QueryFilter};
    let impact = deletion_impact(store, account_id).await?;
    let credentials = credential::Entity::find()
        .filter(credential::Column::AccountId.eq(account_id))
        .all(store.connection())
        .await?;
    let txn = store.connection().begin().await?;
    account::Entity::delete_by_id(account_id).exec(&txn).await?;
    let detail = format!(
        "{} with {} set(s) of credentials",
        impact.company_name, impact.credentials
    );
    audit::record(
        &txn,
        audit::Subject::account(account_id),
        "account.deleted",
        &detail,
        now,
    )
    .await?;
    txn.commit().await?;
    let mut complaints = Vec::new();
    for c in credentials {
        if let Err(err) = vault.remove(&c.client_id).await {
            if c.keyring_stored {
                complaints.push(format!("Client ID {}: {err}", c.client_id));
            }
        }
    }
    Ok(complaints)
}
