//! An account's contact and billing information in one place: the forms (their fields are
//! declared once, in `entities::{contact, billing}`), the rule each field follows, the views the
//! page shows, and the two writes — creating the blocks with a new account, and one update path
//! that both blocks share. Every edit names the version it started from; a stale one is a
//! `Conflict`, never a silent overwrite.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use crate::audit::{Action, Event, Subject};
use crate::entities::{account, billing, contact};
use crate::search::sort_name;
use crate::validation::{
    country, country_name, email, phone, phone_display, phone_warning, postal_code, text, username,
    MAX_CITY, MAX_NAME, MAX_REGION, MAX_STREET,
};
use crate::write::Write;
use crate::{Error, Result, Store};

pub use crate::entities::billing::BillingForm;
pub use crate::entities::contact::ContactForm;

impl ContactForm {
    /// Checks every field in the order the form shows them and returns the normalised form:
    /// trimmed text, the country as ISO alpha-2, the phone number in E.164 when it is valid (as
    /// typed when it is only possible: see `validation::phone`).
    pub fn validate(&self) -> Result<ContactForm> {
        let country = country("country", "Country", &self.country)?;
        Ok(ContactForm {
            company_name: text(
                "company_name",
                "Company name",
                &self.company_name,
                MAX_NAME,
                true,
            )?,
            name: text("name", "Name", &self.name, MAX_NAME, true)?,
            street: text("street", "Street", &self.street, MAX_STREET, false)?,
            city: text("city", "City", &self.city, MAX_CITY, false)?,
            region: text("region", "State / region", &self.region, MAX_REGION, false)?,
            postal_code: postal_code("postal_code", "Postal code", &self.postal_code, &country)?,
            phone: phone("phone", "Phone number", &self.phone, &country)?,
            username: username("username", "Username", &self.username)?,
            email: email("email", "Email address", &self.email)?,
            country,
        })
    }
}

impl BillingForm {
    /// Checks every field in the order the form shows them and returns the normalised form.
    pub fn validate(&self) -> Result<BillingForm> {
        let country = country("country", "Billing country", &self.country)?;
        Ok(BillingForm {
            billing_name: text(
                "billing_name",
                "Billing name",
                &self.billing_name,
                MAX_NAME,
                false,
            )?,
            street_line1: text(
                "street_line1",
                "Billing street",
                &self.street_line1,
                MAX_STREET,
                false,
            )?,
            street_line2: text(
                "street_line2",
                "Billing street (line 2)",
                &self.street_line2,
                MAX_STREET,
                false,
            )?,
            city: text("city", "Billing city", &self.city, MAX_CITY, false)?,
            region: text(
                "region",
                "Billing state / region",
                &self.region,
                MAX_REGION,
                false,
            )?,
            postal_code: postal_code(
                "postal_code",
                "Billing postal code",
                &self.postal_code,
                &country,
            )?,
            phone: phone("phone", "Billing phone number", &self.phone, &country)?,
            email: email("email", "Billing email address", &self.email)?,
            country,
        })
    }
}

/// A block as the page shows it: the form's values, the country's name, the phone number for
/// reading, and the version an edit must start from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockView<F> {
    #[serde(flatten)]
    pub form: F,
    pub country_name: String,
    pub phone_display: String,
    /// Beside a number saved as typed because it is not in use in its country.
    pub phone_warning: Option<String>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub type ContactView = BlockView<ContactForm>;
pub type BillingView = BlockView<BillingForm>;

/// What the two blocks share, so one update path serves both.
trait Block: Sized {
    type Entity: EntityTrait<Model = Self::Model, ActiveModel = Self::ActiveModel>;
    type Model: Into<Self::Form> + Clone + Send + Sync;
    type ActiveModel: ActiveModelTrait<Entity = Self::Entity> + Send;
    type Form: Clone;
    /// "The contact information", for errors.
    const WHAT: &'static str;
    const UPDATED: Action;
    fn validate(form: &Self::Form) -> Result<Self::Form>;
    fn columns(form: Self::Form) -> Self::ActiveModel;
    fn account_id() -> <Self::Entity as EntityTrait>::Column;
    fn version() -> <Self::Entity as EntityTrait>::Column;
    fn updated_at() -> <Self::Entity as EntityTrait>::Column;
}

macro_rules! block {
    ($marker:ident, $module:ident, $form:ident, $what:literal, $updated:ident) => {
        struct $marker;
        impl Block for $marker {
            type Entity = $module::Entity;
            type Model = $module::Model;
            type ActiveModel = $module::ActiveModel;
            type Form = $form;
            const WHAT: &'static str = $what;
            const UPDATED: Action = Action::$updated;
            fn validate(form: &$form) -> Result<$form> {
                form.validate()
            }
            fn columns(form: $form) -> $module::ActiveModel {
                form.columns()
            }
            fn account_id() -> $module::Column {
                $module::Column::AccountId
            }
            fn version() -> $module::Column {
                $module::Column::Version
            }
            fn updated_at() -> $module::Column {
                $module::Column::UpdatedAt
            }
        }

        impl From<$module::Model> for BlockView<$form> {
            fn from(m: $module::Model) -> Self {
                BlockView {
                    country_name: country_name(&m.country),
                    phone_display: phone_display(&m.phone),
                    phone_warning: phone_warning(&m.phone, &m.country),
                    version: m.version,
                    updated_at: m.updated_at,
                    form: m.into(),
                }
            }
        }
    };
}

block!(
    ContactBlock,
    contact,
    ContactForm,
    "The contact information",
    ContactUpdated
);
block!(
    BillingBlock,
    billing,
    BillingForm,
    "The billing information",
    BillingUpdated
);

/// Creates an account with its two blocks (already validated) inside a write; returns its id.
/// The account-created event is the caller's (one per account, also in a batch).
pub(crate) async fn insert_account(
    write: &Write,
    contact_form: ContactForm,
    billing_form: BillingForm,
) -> Result<i32> {
    let ids = insert_accounts(write, vec![(contact_form, billing_form)]).await?;
    Ok(ids[0])
}

/// How many blocks one INSERT carries: 15 columns each, well under both databases' limits on
/// bound parameters.
const BLOCKS_PER_INSERT: usize = 500;

/// Accounts one INSERT creates: four columns each.
const ACCOUNTS_PER_INSERT: usize = 1000;

/// Creates many accounts (already validated) inside a write, in the order given; returns
/// their ids. The accounts many to a statement (their ids come back), then the contact and
/// billing blocks many to a statement: an import of 10,000 makes 50 round trips, not 10,000 (issue 30:
/// one INSERT per account was most of an import's time on PostgreSQL).
pub(crate) async fn insert_accounts(
    write: &Write,
    blocks: Vec<(ContactForm, BillingForm)>,
) -> Result<Vec<i32>> {
    let now = write.now();
    let mut ids = Vec::with_capacity(blocks.len());
    for chunk in blocks.chunks(ACCOUNTS_PER_INSERT) {
        let mut keys = account::Entity::insert_many(chunk.iter().map(|(contact, _)| {
            account::ActiveModel {
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                // Here rather than left to the write path's reindex, which would otherwise
                // set it with one UPDATE per new account.
                sort_name: Set(sort_name(&contact.company_name)),
                ..Default::default()
            }
        }))
        .exec_with_returning_keys(write.db())
        .await?;
        // Both databases number one INSERT's rows in the order of its VALUES, but RETURNING
        // promises no order: the ids are put back in numbering order. (Were they ever numbered
        // otherwise, only sort names would be off, and the reindex puts those right.)
        keys.sort_unstable();
        if keys.len() != chunk.len() {
            return Err(sea_orm::DbErr::UnpackInsertId.into());
        }
        ids.extend(keys);
    }
    let mut contacts = Vec::with_capacity(blocks.len());
    let mut billings = Vec::with_capacity(blocks.len());
    for (&id, (contact_form, billing_form)) in ids.iter().zip(blocks) {
        let mut contact = contact_form.columns();
        contact.account_id = Set(id);
        contact.created_at = Set(now);
        contact.updated_at = Set(now);
        contact.version = Set(1);
        contacts.push(contact);
        let mut billing = billing_form.columns();
        billing.account_id = Set(id);
        billing.created_at = Set(now);
        billing.updated_at = Set(now);
        billing.version = Set(1);
        billings.push(billing);
    }
    for chunk in contacts.chunks(BLOCKS_PER_INSERT) {
        contact::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(write.db())
            .await?;
    }
    for chunk in billings.chunks(BLOCKS_PER_INSERT) {
        billing::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(write.db())
            .await?;
    }
    Ok(ids)
}

/// Saves the contact block if it is still at `expected_version` (`accounts::update_contact`
/// answers with the account as the page then shows it).
pub(crate) async fn save_contact(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &ContactForm,
) -> Result<()> {
    update::<ContactBlock>(store, account_id, expected_version, form).await
}

/// Saves the billing block if it is still at `expected_version`.
pub(crate) async fn save_billing(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &BillingForm,
) -> Result<()> {
    update::<BillingBlock>(store, account_id, expected_version, form).await
}

/// Validates, then writes the block only if it is still at `expected_version`.
async fn update<B: Block>(
    store: &Store,
    account_id: i32,
    expected_version: i32,
    form: &B::Form,
) -> Result<()> {
    let form = B::validate(form)?;
    let write = store.write().await?;
    let event = write_block::<B>(&write, account_id, expected_version, form).await?;
    write.commit(event).await
}

/// The one update path of a block, inside a write the caller commits with the returned event
/// (the form's commands one at a time, an import many in one transaction). `form` is validated.
async fn write_block<B: Block>(
    write: &Write,
    account_id: i32,
    expected_version: i32,
    form: B::Form,
) -> Result<Event> {
    let result = B::Entity::update_many()
        .set(B::columns(form))
        .col_expr(B::updated_at(), Expr::value(write.now()))
        .col_expr(B::version(), Expr::col(B::version()).add(1))
        .filter(B::account_id().eq(account_id))
        .filter(B::version().eq(expected_version))
        .exec(write.db())
        .await?;
    if result.rows_affected == 0 {
        return Err(stale_or_missing(write.db(), account_id, B::WHAT).await?);
    }
    Ok(Event::new(Subject::account(account_id), B::UPDATED, ""))
}

/// Updates a validated contact block inside `write` (see `write_block`).
pub(crate) async fn write_contact(
    write: &Write,
    account_id: i32,
    expected_version: i32,
    form: ContactForm,
) -> Result<Event> {
    write_block::<ContactBlock>(write, account_id, expected_version, form).await
}

/// Updates a validated billing block inside `write` (see `write_block`).
pub(crate) async fn write_billing(
    write: &Write,
    account_id: i32,
    expected_version: i32,
    form: BillingForm,
) -> Result<Event> {
    write_block::<BillingBlock>(write, account_id, expected_version, form).await
}

/// Why an edit that named a version changed nothing: the row moved on (a conflict), or the
/// account is gone.
async fn stale_or_missing<C: ConnectionTrait>(
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
