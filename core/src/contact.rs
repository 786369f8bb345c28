//! Editing an account's contact and billing information. Every edit names the version it
//! started from; a stale one is a `Conflict`, never a silent overwrite.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::accounts::{get_account, AccountView};
use crate::entities::{account, billing, contact};
use crate::validation::{BillingForm, ContactForm};
use crate::{audit, search, Error, Result, Store};

pub async fn update_contact(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &ContactForm,
) -> Result<AccountView> {
    store.ensure_file_in_place()?;
    let c = form.validate()?;
    let sort_name = search::sort_name(&c.company_name);
    let txn = store.connection().begin().await?;
    let result = contact::Entity::update_many()
        .col_expr(contact::Column::CompanyName, Expr::value(c.company_name))
        .col_expr(contact::Column::Name, Expr::value(c.name))
        .col_expr(contact::Column::Street, Expr::value(c.street))
        .col_expr(contact::Column::City, Expr::value(c.city))
        .col_expr(contact::Column::Region, Expr::value(c.region))
        .col_expr(contact::Column::PostalCode, Expr::value(c.postal_code))
        .col_expr(contact::Column::Country, Expr::value(c.country))
        .col_expr(contact::Column::Phone, Expr::value(c.phone))
        .col_expr(contact::Column::Username, Expr::value(c.username))
        .col_expr(contact::Column::Email, Expr::value(c.email))
        .col_expr(contact::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            contact::Column::Version,
            Expr::col(contact::Column::Version).add(1),
        )
        .filter(contact::Column::AccountId.eq(account_id))
        .filter(contact::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(stale_or_missing(&txn, account_id, "The contact information").await?);
    }
    account::Entity::update_many()
        .col_expr(account::Column::SortName, Expr::value(sort_name))
        .filter(account::Column::Id.eq(account_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit::Subject::account(account_id),
        "contact.updated",
        "",
        Utc::now(),
    )
    .await?;
    search::reindex(&txn, account_id).await?;
    txn.commit().await?;
    get_account(store, account_id).await
}

pub async fn update_billing(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &BillingForm,
) -> Result<AccountView> {
    store.ensure_file_in_place()?;
    let b = form.validate()?;
    let txn = store.connection().begin().await?;
    let result = billing::Entity::update_many()
        .col_expr(billing::Column::BillingName, Expr::value(b.billing_name))
        .col_expr(billing::Column::StreetLine1, Expr::value(b.street_line1))
        .col_expr(billing::Column::StreetLine2, Expr::value(b.street_line2))
        .col_expr(billing::Column::City, Expr::value(b.city))
        .col_expr(billing::Column::Region, Expr::value(b.region))
        .col_expr(billing::Column::PostalCode, Expr::value(b.postal_code))
        .col_expr(billing::Column::Country, Expr::value(b.country))
        .col_expr(billing::Column::Phone, Expr::value(b.phone))
        .col_expr(billing::Column::Email, Expr::value(b.email))
        .col_expr(billing::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            billing::Column::Version,
            Expr::col(billing::Column::Version).add(1),
        )
        .filter(billing::Column::AccountId.eq(account_id))
        .filter(billing::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(stale_or_missing(&txn, account_id, "The billing information").await?);
    }
    audit::record(
        &txn,
        audit::Subject::account(account_id),
        "billing.updated",
        "",
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    get_account(store, account_id).await
}

/// Why an edit that named a version changed nothing: the row moved on (a conflict), or the
/// account is gone.
async fn stale_or_missing<C: sea_orm::ConnectionTrait>(
    db: &C,
    account_id: i32,
    what: &'static str,
) -> Result<Error> {
    let exists = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .is_some();
    Ok(if exists {
        Error::Conflict(what)
    } else {
        Error::NotFound("The account")
    })
}
