//! The example account from the source page, so a newcomer sees a full page at once.
//! The source's phone numbers (123-123-1234, 555-555-5555) are not valid NANP numbers: they
//! would be saved as typed with a warning, so the demo uses valid numbers from the same areas.

use crate::accounts::{count_accounts, create_account, AccountView};
use crate::validation::{BillingForm, ContactForm};
use crate::{Result, Store};

pub fn example_contact() -> ContactForm {
    ContactForm {
        company_name: "Alexcompany".into(),
        name: "Alex".into(),
        street: "1550 Wewatta Street".into(),
        city: "Denver".into(),
        region: "CO".into(),
        postal_code: "24025".into(),
        country: "US".into(),
        phone: "(303) 555-0134".into(),
        username: "alexcnw".into(),
        email: "alex@alexcompany.example".into(),
    }
}

pub fn example_billing() -> BillingForm {
    BillingForm {
        billing_name: "John Doe".into(),
        street_line1: "121 West Walnut Street".into(),
        street_line2: "Suite 100".into(),
        city: "Robinson".into(),
        region: "IL".into(),
        postal_code: "62454".into(),
        country: "US".into(),
        phone: "(618) 555-0100".into(),
        email: "billing@alexcompany.example".into(),
    }
}

/// Adds the example account when the store is empty; leaves a store with data alone.
pub async fn seed_demo(store: &Store) -> Result<Option<AccountView>> {
    if count_accounts(store).await? > 0 {
        return Ok(None);
    }
    create_account(store, &example_contact(), &example_billing())
        .await
        .map(Some)
}

const FIRST: &[&str] = &[
    "Acme", "Blue", "Cedar", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Indigo", "Juniper",
    "Kestrel", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer", "Quartz", "Redwood", "Summit",
    "Tundra", "Umber", "Vertex", "Willow", "Zenith",
];
const SECOND: &[&str] = &[
    "Analytics",
    "Bakery",
    "Clinic",
    "Dental",
    "Engineering",
    "Foods",
    "Logistics",
    "Legal",
    "Media",
    "Motors",
    "Partners",
    "Realty",
    "Retail",
    "Systems",
    "Travel",
    "Ventures",
];
const PEOPLE: &[&str] = &[
    "Alex", "Blake", "Casey", "Drew", "Emery", "Finley", "Harper", "Jordan", "Morgan", "Quinn",
    "Riley", "Taylor",
];

/// Adds `count` generated accounts (for trying the switcher at scale), in one transaction.
pub async fn seed_accounts(store: &Store, count: u32) -> Result<u32> {
    store.ensure_file_in_place()?;
    use crate::entities::{account, account_search, audit_event, billing, contact};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};

    let now = chrono::Utc::now();
    let txn = store.connection().begin().await?;
    let mut contacts = Vec::new();
    let mut billings = Vec::new();
    let mut terms = Vec::new();
    let mut events = Vec::new();
    for i in 0..count as usize {
        let company = format!(
            "{} {} {}",
            FIRST[i % FIRST.len()],
            SECOND[(i / FIRST.len()) % SECOND.len()],
            i + 1
        );
        let person = PEOPLE[(i * 7) % PEOPLE.len()];
        let username = format!("{}{}", person.to_lowercase(), i + 1);
        let email = format!("{username}@example.com");
        let id = account::ActiveModel {
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            pinned: Set(false),
            last_opened_at: Set(None),
            sort_name: Set(crate::search::sort_name(&company)),
            ..Default::default()
        }
        .insert(&txn)
        .await?
        .id;
        let model = contact::Model {
            id: 0,
            account_id: id,
            company_name: company,
            name: person.to_owned(),
            street: String::new(),
            city: String::new(),
            region: String::new(),
            postal_code: String::new(),
            country: "US".into(),
            phone: String::new(),
            username,
            email,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        for term in crate::search::terms(&model, &[]) {
            terms.push(account_search::ActiveModel {
                account_id: Set(id),
                term: Set(term),
                ..Default::default()
            });
        }
        let mut active: contact::ActiveModel = model.into();
        active.id = sea_orm::ActiveValue::NotSet;
        contacts.push(active);
        billings.push(billing::ActiveModel {
            account_id: Set(id),
            billing_name: Set(String::new()),
            street_line1: Set(String::new()),
            street_line2: Set(String::new()),
            city: Set(String::new()),
            region: Set(String::new()),
            postal_code: Set(String::new()),
            country: Set(String::new()),
            phone: Set(String::new()),
            email: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        });
        events.push(audit_event::ActiveModel {
            account_id: Set(Some(id)),
            credential_id: Set(None),
            action: Set("account.created".into()),
            detail: Set("generated by --demo-accounts".into()),
            at: Set(now),
            ..Default::default()
        });
    }
    // Chunks keep each statement well under the databases' bound-parameter limits.
    for chunk in contacts.chunks(500) {
        contact::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in billings.chunks(500) {
        billing::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in terms.chunks(2000) {
        account_search::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in events.chunks(1000) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    // PostgreSQL plans from statistics that autovacuum gathers later; after a bulk load the
    // planner would otherwise guess (and scan every account for a search).
    if store.connection().get_database_backend() == sea_orm::DbBackend::Postgres {
        use sea_orm::ConnectionTrait;
        store.connection().execute_unprepared("ANALYZE").await?;
    }
    Ok(count)
}
