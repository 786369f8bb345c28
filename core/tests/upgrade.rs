//! A store written by an earlier release (migrations up to `m20261127_000010_activity_actor`)
//! opens in this one with its accounts found and ordered as before: the migrations since
//! (lifetimes, tags, keyring entries, the search page index and its backfill, the health and
//! live-secret indexes, resource servers) run on a populated store, not only on an empty one.

use keydesk_core::accounts::{create_account, set_pinned};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::migration::Migrator;
use keydesk_core::search::search_accounts;
use keydesk_core::Store;
use sea_orm_migration::MigratorTrait;

mod common;
use common::test_store;

/// The migrations since that release, newest last.
const THIS_ROUND: u32 = 7;

#[tokio::test]
async fn a_populated_store_from_the_previous_release_is_found_and_ordered_after_the_upgrade() {
    let t = test_store().await;
    let mut ids = Vec::new();
    for company in ["Summit Alpha", "Summit Beta", "Summit Gamma", "Other Ltd"] {
        let contact = ContactForm {
            company_name: company.into(),
            name: "N".into(),
            ..Default::default()
        };
        ids.push(
            create_account(&t.store, &contact, &BillingForm::default())
                .await
                .unwrap()
                .id,
        );
    }
    set_pinned(&t.store, ids[2], true).await.unwrap();
    let before = search_accounts(&t.store, "summit", 0, 50).await.unwrap();
    let names = |page: &keydesk_core::search::SearchPage| {
        page.hits
            .iter()
            .map(|h| h.company_name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&before),
        ["Summit Gamma", "Summit Alpha", "Summit Beta"],
        "pinned first, then by name"
    );

    // Back to the previous release's schema, with the data in it…
    Migrator::down(t.store.connection(), Some(THIS_ROUND))
        .await
        .unwrap();
    let pending = Migrator::get_pending_migrations(t.store.connection())
        .await
        .unwrap();
    assert_eq!(pending.len(), THIS_ROUND as usize);
    t.store.clone().close().await.unwrap();

    // …then opened by this release: the migrations run on the populated store.
    let store = Store::open(t.location.clone()).await.unwrap();
    let after = search_accounts(&store, "summit", 0, 50).await.unwrap();
    assert_eq!(names(&after), names(&before));
    assert_eq!(after.total, 3);
    let other = search_accounts(&store, "other", 0, 50).await.unwrap();
    assert_eq!(other.total, 1);
}
