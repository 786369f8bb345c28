//! Accounts, contact and billing information through the core services, on a real SQLite file.

use keydesk_core::accounts::{create_account, get_account};
use keydesk_core::accounts::{update_billing, update_contact};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::demo::{example_billing, example_contact};
use keydesk_core::search::search_accounts;
use keydesk_core::Keydesk;
use keydesk_core::Store;
mod common;

use common::test_store;

fn company(company_name: &str, name: &str) -> ContactForm {
    ContactForm {
        company_name: company_name.into(),
        name: name.into(),
        ..Default::default()
    }
}

/// Every audit event's action, oldest first.
async fn audit_actions(store: &Store) -> Vec<String> {
    use keydesk_core::entities::audit_event;
    use sea_orm::{EntityTrait, QueryOrder};
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(store.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn an_account_needs_only_company_and_name_and_lists_by_company() {
    let t = test_store().await;
    let store = &t.store;
    assert!(search_accounts(store, "", 0, 100)
        .await
        .unwrap()
        .hits
        .is_empty());
    create_account(store, &company("Zeta Ltd", "Zoe"), &BillingForm::default())
        .await
        .unwrap();
    let alpha = create_account(store, &company("Alpha Inc", "Al"), &BillingForm::default())
        .await
        .unwrap();
    assert_eq!(alpha.contact.version, 1);
    assert_eq!(alpha.billing.version, 1);
    let names: Vec<_> = search_accounts(store, "", 0, 100)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|a| a.company_name)
        .collect();
    assert_eq!(names, ["Alpha Inc", "Zeta Ltd"]);
    assert_eq!(
        audit_actions(store).await,
        ["account.created", "account.created"]
    );
}

#[tokio::test]
async fn an_invalid_new_account_is_refused_with_its_field_and_stores_nothing() {
    let t = test_store().await;
    let store = &t.store;
    let err = create_account(store, &company("", "Alex"), &BillingForm::default())
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.field()), ("invalid", Some("company_name")));
    assert!(search_accounts(store, "", 0, 100)
        .await
        .unwrap()
        .hits
        .is_empty());
    assert!(audit_actions(store).await.is_empty());
}

#[tokio::test]
async fn edits_are_normalised_saved_and_versioned() {
    let t = test_store().await;
    let store = &t.store;
    let account = create_account(
        store,
        &company("Alexcompany", "Alex"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let after = update_contact(store, account.id, 1, &example_contact())
        .await
        .unwrap();
    assert_eq!(after.contact.version, 2);
    assert_eq!(after.contact.form.phone, "+13035550134");
    assert_eq!(after.contact.phone_display, "+1 303-555-0134");
    assert_eq!(after.contact.country_name, "United States of America");
    let after = update_billing(store, account.id, 1, &example_billing())
        .await
        .unwrap();
    assert_eq!(after.billing.version, 2);
    assert_eq!(after.billing.form.street_line2, "Suite 100");
    let reopened = t.another().await;
    assert_eq!(get_account(&reopened, account.id).await.unwrap(), after);
    assert_eq!(
        audit_actions(&reopened).await,
        ["account.created", "contact.updated", "billing.updated"]
    );
}

#[tokio::test]
async fn the_source_consoles_phone_numbers_save_as_typed_with_a_warning() {
    let t = test_store().await;
    let store = &t.store;
    let account = create_account(
        store,
        &company("Alexcompany", "Alex"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let contact = ContactForm {
        phone: "1231231234".into(),
        ..example_contact()
    };
    let after = update_contact(store, account.id, 1, &contact)
        .await
        .unwrap();
    assert_eq!(after.contact.form.phone, "1231231234");
    assert_eq!(after.contact.phone_display, "1231231234");
    assert_eq!(
        after.contact.phone_warning.as_deref(),
        Some("not a number in use in the United States — saved as typed")
    );
    let billing = BillingForm {
        phone: "555-555-5555".into(),
        ..example_billing()
    };
    let after = update_billing(store, account.id, 1, &billing)
        .await
        .unwrap();
    assert_eq!(after.billing.phone_display, "555-555-5555");
    assert!(after.billing.phone_warning.is_some());
    // The warning comes from what is stored, so it is there after a reopen too.
    let reopened = t.another().await;
    assert_eq!(get_account(&reopened, account.id).await.unwrap(), after);
    // A valid number carries none.
    let valid = update_contact(store, account.id, 2, &example_contact())
        .await
        .unwrap();
    assert_eq!(valid.contact.phone_warning, None);
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_and_overwrites_nothing() {
    let t = test_store().await;
    let store = &t.store;
    let account = create_account(
        store,
        &company("Alexcompany", "Alex"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    update_contact(store, account.id, 1, &company("Alexcompany", "Alex Winner"))
        .await
        .unwrap();
    let err = update_contact(store, account.id, 1, &company("Alexcompany", "Alex Loser"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let err = update_billing(store, account.id, 7, &example_billing())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let now = get_account(store, account.id).await.unwrap();
    assert_eq!(now.contact.form.name, "Alex Winner");
    assert_eq!(now.billing.form, BillingForm::default());
}

#[tokio::test]
async fn an_invalid_edit_keeps_what_was_saved() {
    let t = test_store().await;
    let store = &t.store;
    let account = create_account(store, &example_contact(), &example_billing())
        .await
        .unwrap();
    let bad = ContactForm {
        email: "alex(at)example".into(),
        name: "Changed".into(),
        ..example_contact()
    };
    let err = update_contact(store, account.id, 1, &bad)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("email"));
    assert_eq!(get_account(store, account.id).await.unwrap(), account);
}

#[tokio::test]
async fn an_unknown_account_is_not_found() {
    let t = test_store().await;
    let store = &t.store;
    assert_eq!(
        get_account(store, 42).await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        update_contact(store, 42, 1, &example_contact())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}

mod switcher {
    use super::*;
    use chrono::{Duration, Utc};
    use keydesk_core::accounts::{
        delete_account, deletion_impact, last_opened_account, open_account, set_pinned,
    };
    use keydesk_core::credentials::{self, CredentialForm, Grace};
    use keydesk_core::demo::seed_accounts;
    use keydesk_core::search::{recent_accounts, search_accounts};
    use keydesk_core::vault::Vault;

    fn names(page: &keydesk_core::search::SearchPage) -> Vec<&str> {
        page.hits.iter().map(|h| h.company_name.as_str()).collect()
    }

    #[tokio::test]
    async fn search_finds_by_every_field_as_typed() {
        let t = test_store().await;
        let store = &t.store;
        let acme = create_account(store, &example_contact(), &BillingForm::default())
            .await
            .unwrap();
        create_account(
            store,
            &company("Globex Corporation", "Hank Scorpio"),
            &BillingForm::default(),
        )
        .await
        .unwrap();
        let vault = Vault::new("keydesk-test-unused");
        let form = CredentialForm {
            name: "n".into(),
            email: "ops@alexcompany.example".into(),
            application: "app".into(),
        };
        let issued = credentials::generate(
            &Keydesk::new(store, &vault),
            &GenerateRequest::new(acme.id, &form),
        )
        .await
        .unwrap();

        for query in [
            "alexc",
            "ALEX",
            "alexcnw",
            "alex@alexcompany",
            "Alexcompany Alex",
        ] {
            assert_eq!(
                names(&search_accounts(store, query, 0, 20).await.unwrap()),
                ["Alexcompany"],
                "{query}"
            );
        }
        for query in ["glob", "corp", "scorp", "hank scorpio"] {
            assert_eq!(
                names(&search_accounts(store, query, 0, 20).await.unwrap()),
                ["Globex Corporation"],
                "{query}"
            );
        }
        let prefix = &issued.credential.client_id[..6];
        assert_eq!(
            names(&search_accounts(store, prefix, 0, 20).await.unwrap()),
            ["Alexcompany"]
        );
        credentials::delete(&Keydesk::new(store, &vault), issued.credential.id)
            .await
            .unwrap();
        assert!(
            search_accounts(store, prefix, 0, 20)
                .await
                .unwrap()
                .hits
                .is_empty(),
            "a deleted Client ID no longer finds the account"
        );
        assert!(search_accounts(store, "nobody", 0, 20)
            .await
            .unwrap()
            .hits
            .is_empty());
        // Renaming reindexes.
        update_contact(
            store,
            acme.id,
            1,
            &ContactForm {
                company_name: "Initech".into(),
                ..example_contact()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            names(&search_accounts(store, "initech", 0, 20).await.unwrap()),
            ["Initech"]
        );
        // Still found by its contact email's domain, under its new name.
        assert_eq!(
            names(&search_accounts(store, "alexcompany", 0, 20).await.unwrap()),
            ["Initech"]
        );
    }

    #[tokio::test]
    async fn ten_thousand_accounts_are_searched_capped_and_paged_with_pins_first() {
        let t = test_store().await;
        let store = &t.store;
        seed_accounts(store, 10_000).await.unwrap();
        let all = search_accounts(store, "", 0, 50).await.unwrap();
        assert_eq!((all.total, all.hits.len()), (10_000, 50));
        assert_eq!(
            search_accounts(store, "", 0, 5_000)
                .await
                .unwrap()
                .hits
                .len(),
            100,
            "capped"
        );

        let summit = search_accounts(store, "summit", 0, 50).await.unwrap();
        assert!(summit.total > 50 && summit.total < 1000, "{}", summit.total);
        assert!(summit
            .hits
            .iter()
            .all(|h| h.company_name.starts_with("Summit")));
        let mut sorted = names(&summit);
        sorted.sort();
        assert_eq!(names(&summit), sorted, "by company name");

        // Paging walks every hit exactly once.
        let mut seen = std::collections::BTreeSet::new();
        let mut offset = 0;
        loop {
            let page = search_accounts(store, "summit", offset, 37).await.unwrap();
            if page.hits.is_empty() {
                break;
            }
            offset += page.hits.len() as u64;
            seen.extend(page.hits.into_iter().map(|h| h.id));
        }
        assert_eq!(seen.len() as u64, summit.total);

        // A pinned account comes first.
        let last = search_accounts(store, "summit", summit.total - 1, 1)
            .await
            .unwrap()
            .hits[0]
            .clone();
        set_pinned(store, last.id, true).await.unwrap();
        let pinned_first = search_accounts(store, "summit", 0, 3).await.unwrap();
        assert_eq!(pinned_first.hits[0].id, last.id);
        assert!(pinned_first.hits[0].pinned);
        let two_words = search_accounts(store, "summit 1234", 0, 10).await.unwrap();
        assert!(two_words
            .hits
            .iter()
            .all(|h| h.company_name.starts_with("Summit") && h.company_name.contains("1234")));
    }

    #[tokio::test]
    async fn the_list_ignores_case_and_follows_a_rename() {
        let t = test_store().await;
        let store = &t.store;
        let mut ids = Vec::new();
        for name in ["beta Labs", "Zeta", "acme", "Alpha"] {
            let created = create_account(store, &company(name, "N"), &BillingForm::default())
                .await
                .unwrap();
            ids.push(created.id);
        }
        let list = search_accounts(store, "", 0, 10).await.unwrap();
        assert_eq!(names(&list), ["acme", "Alpha", "beta Labs", "Zeta"]);

        update_contact(store, ids[1], 1, &company("aardvark", "N"))
            .await
            .unwrap();
        let list = search_accounts(store, "", 0, 10).await.unwrap();
        assert_eq!(names(&list), ["aardvark", "acme", "Alpha", "beta Labs"]);
        // Past the end: no page, the total still told.
        let past = search_accounts(store, "", 10, 10).await.unwrap();
        assert_eq!((past.hits.len(), past.total), (0, 4));
    }

    /// A search's page is ordered from the search index, which carries the pin and the sort
    /// name: pinning, unpinning and renaming must move the account in a search at once.
    #[tokio::test]
    async fn a_search_follows_pins_and_renames() {
        let t = test_store().await;
        let store = &t.store;
        let mut ids = Vec::new();
        for name in ["Acme Zeta", "Acme Alpha", "acme beta", "Other"] {
            let created = create_account(store, &company(name, "N"), &BillingForm::default())
                .await
                .unwrap();
            ids.push(created.id);
        }
        let acme = |query: &'static str| async move {
            search_accounts(store, query, 0, 10)
                .await
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.company_name)
                .collect::<Vec<String>>()
        };
        assert_eq!(acme("acme").await, ["Acme Alpha", "acme beta", "Acme Zeta"]);

        set_pinned(store, ids[0], true).await.unwrap();
        assert_eq!(acme("acme").await, ["Acme Zeta", "Acme Alpha", "acme beta"]);
        assert_eq!(acme("acme z").await, ["Acme Zeta"]);
        // Two words (an intersection of two ranges) in the same order.
        assert_eq!(
            acme("acme acme").await,
            ["Acme Zeta", "Acme Alpha", "acme beta"]
        );
        let page = search_accounts(store, "acme", 0, 1).await.unwrap();
        assert!(page.hits[0].pinned, "the hit says it is pinned");

        update_contact(store, ids[1], 1, &company("Acme Omega", "N"))
            .await
            .unwrap();
        assert_eq!(acme("acme").await, ["Acme Zeta", "acme beta", "Acme Omega"]);

        set_pinned(store, ids[0], false).await.unwrap();
        assert_eq!(acme("acme").await, ["acme beta", "Acme Omega", "Acme Zeta"]);
        assert_eq!(acme("acme o").await, ["Acme Omega"]);
    }

    #[tokio::test]
    async fn recents_and_the_last_opened_account() {
        let t = test_store().await;
        let store = &t.store;
        let a = create_account(store, &company("A Co", "A"), &BillingForm::default())
            .await
            .unwrap();
        let b = create_account(store, &company("B Co", "B"), &BillingForm::default())
            .await
            .unwrap();
        let c = create_account(store, &company("C Co", "C"), &BillingForm::default())
            .await
            .unwrap();
        assert_eq!(last_opened_account(store).await.unwrap(), None);
        let t0 = Utc::now();
        open_account(&common::clocked(store, t0), b.id)
            .await
            .unwrap();
        open_account(&common::clocked(store, t0 + Duration::seconds(1)), a.id)
            .await
            .unwrap();
        open_account(&common::clocked(store, t0 + Duration::seconds(2)), c.id)
            .await
            .unwrap();
        open_account(&common::clocked(store, t0 + Duration::seconds(3)), a.id)
            .await
            .unwrap();
        let recent: Vec<i32> = recent_accounts(store, 2)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(recent, [a.id, c.id]);
        assert_eq!(last_opened_account(store).await.unwrap(), Some(a.id));
        assert_eq!(
            open_account(&common::clocked(store, t0), 999)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
    }

    #[tokio::test]
    async fn deleting_an_account_removes_its_credentials_and_is_recorded() {
        let t = test_store().await;
        let store = &t.store;
        let account = create_account(store, &example_contact(), &example_billing())
            .await
            .unwrap();
        let vault = Vault::new("keydesk-test-unused");
        let now = Utc::now();
        let form = |email: &str| CredentialForm {
            name: "n".into(),
            email: email.into(),
            application: "app".into(),
        };
        let one = credentials::generate(
            &Keydesk::new(&common::clocked(store, now), &vault),
            &GenerateRequest::new(account.id, &form("one@example.com")),
        )
        .await
        .unwrap();
        let two = credentials::generate(
            &Keydesk::new(&common::clocked(store, now), &vault),
            &GenerateRequest::new(account.id, &form("two@example.com")),
        )
        .await
        .unwrap();
        credentials::renew(
            &Keydesk::new(&common::clocked(store, now), &vault),
            &RenewRequest::new(two.credential.id, Grace::SevenDays),
        )
        .await
        .unwrap();

        let impact = deletion_impact(store, account.id).await.unwrap();
        assert_eq!(
            (impact.company_name.as_str(), impact.credentials),
            ("Alexcompany", 2)
        );
        assert!(delete_account(
            &Keydesk::new(&common::clocked(store, now), &vault),
            account.id
        )
        .await
        .unwrap()
        .is_empty());

        assert_eq!(
            get_account(store, account.id).await.unwrap_err().code(),
            "not_found"
        );
        for issued in [&one, &two] {
            let verdict = credentials::verify(
                &common::clocked(store, now),
                &issued.credential.client_id,
                issued.secret.expose(),
            )
            .await
            .unwrap();
            assert!(!verdict.valid);
        }
        assert!(search_accounts(store, "alexcompany", 0, 10)
            .await
            .unwrap()
            .hits
            .is_empty());
        assert_eq!(
            audit_actions(store).await.last().map(String::as_str),
            Some("account.deleted")
        );
        // The address is free again.
        let other = create_account(store, &company("Other", "O"), &BillingForm::default())
            .await
            .unwrap();
        credentials::generate(
            &Keydesk::new(&common::clocked(store, now), &vault),
            &GenerateRequest::new(other.id, &form("one@example.com")),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_activity_names_who_made_a_change_from_when_it_is_known() {
    use keydesk_core::audit::list_activity;
    let t = test_store().await;
    let account = create_account(&t.store, &example_contact(), &example_billing())
        .await
        .unwrap();
    // Another technician's Keydesk on the same store: its own name, its own store handle.
    let theirs = t.another().await;
    theirs.set_actor(Some("Dana Tech on ws-042".into()));
    let now = get_account(&theirs, account.id).await.unwrap();
    update_contact(
        &theirs,
        account.id,
        now.contact.version,
        &ContactForm {
            city: "Boulder".into(),
            ..example_contact()
        },
    )
    .await
    .unwrap();
    let activity = list_activity(&t.store, account.id, 10).await.unwrap();
    let who: Vec<Option<&str>> = activity.iter().map(|e| e.actor.as_deref()).collect();
    assert_eq!(who, [Some("Dana Tech on ws-042"), None]);
}

/// Decided (SECURITY.md): the activity is an audit trail, so a deleted account's events stay,
/// with the company name and the credentials' emails they were written with.
#[tokio::test]
async fn a_deleted_accounts_activity_is_kept_as_the_audit_trail() {
    use keydesk_core::accounts::delete_account;
    use keydesk_core::credentials::{generate, CredentialForm};
    use keydesk_core::entities::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let t = test_store().await;
    let account = create_account(
        &t.store,
        &company("Gone Tomorrow Ltd", "G"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let vault = keydesk_core::vault::Vault::new("keydesk-test-unused");
    let form = CredentialForm {
        name: "n".into(),
        email: "kept@gone.example".into(),
        application: "app".into(),
    };
    generate(
        &Keydesk::new(&t.store, &vault),
        &GenerateRequest::new(account.id, &form),
    )
    .await
    .unwrap();
    delete_account(&Keydesk::new(&t.store, &vault), account.id)
        .await
        .unwrap();

    assert!(get_account(&t.store, account.id).await.is_err());
    let details: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::AccountId.eq(account.id))
        .all(t.store.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    let all = details.join("\n");
    assert!(all.contains("Gone Tomorrow Ltd"), "{all}");
    assert!(all.contains("kept@gone.example"), "{all}");
}
