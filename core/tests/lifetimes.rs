//! Secret lifetimes, the credentials health view, reminders and the expiry exports (issue 16),
//! on SQLite and (with KEYDESK_TEST_POSTGRES_URL) PostgreSQL, with the clock moved by hand.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace, Issued, Lifetime, RenewLifetime};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::entities::{credential, credential_secret};
use keydesk_core::health::{self, Attention, UNUSED_AFTER};
use keydesk_core::reminders::{due_reminders, Threshold};
use keydesk_core::vault::Vault;
use keydesk_core::Keydesk;
use keydesk_core::{demo, expiry_export, tokens, Store};
use sea_orm::EntityTrait;

mod common;
use common::{clocked, test_store, TestStore};

const SECOND: Duration = Duration::seconds(1);
const DAY: Duration = Duration::days(1);
const WARNING: Duration = Duration::days(30);

struct Fixture {
    t: TestStore,
    store: Store,
    account_id: i32,
    vault: Vault,
    t0: DateTime<Utc>,
}

async fn fixture(company: &str) -> Fixture {
    let t = test_store().await;
    let store = t.store.clone();
    let contact = ContactForm {
        company_name: company.into(),
        name: "L".into(),
        ..Default::default()
    };
    let account_id = create_account(&store, &contact, &BillingForm::default())
        .await
        .unwrap()
        .id;
    Fixture {
        t,
        store,
        account_id,
        vault: Vault::new("keydesk-test-unused"),
        t0: Utc::now().trunc_subsecs(6),
    }
}

impl Fixture {
    fn at(&self, at: DateTime<Utc>) -> Store {
        clocked(&self.store, at)
    }

    async fn generate(&self, email: &str, lifetime: Lifetime, at: DateTime<Utc>) -> Issued {
        let form = CredentialForm {
            name: "n".into(),
            email: email.into(),
            application: format!("App of {email}"),
        };
        credentials::generate(
            &Keydesk::new(&self.at(at), &self.vault),
            &GenerateRequest::new(self.account_id, &form).lifetime(lifetime),
        )
        .await
        .unwrap()
    }

    async fn renew(
        &self,
        issued: &Issued,
        grace: Grace,
        lifetime: RenewLifetime,
        at: DateTime<Utc>,
    ) -> Issued {
        credentials::renew(
            &Keydesk::new(&self.at(at), &self.vault),
            &RenewRequest::new(issued.credential.id, grace).lifetime(lifetime),
        )
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn a_lifetime_is_obeyed_by_verify_and_the_token_endpoint_to_the_second() {
    let f = fixture("Lifetimes").await;
    let issued = f.generate("a@example.com", Lifetime::Days30, f.t0).await;
    let end = f.t0 + Duration::days(30);
    assert_eq!(issued.credential.secrets[0].lifetime_ends_at, Some(end));
    assert_eq!(
        issued.credential.secrets[0].expires_at, None,
        "still the current secret"
    );
    let id = issued.credential.client_id.clone();
    let secret = issued.secret.expose().to_owned();

    let before = credentials::verify(&f.at(end - SECOND), &id, &secret)
        .await
        .unwrap();
    assert!(before.valid);
    assert_eq!(
        (
            before.expires_at,
            before.lifetime_ends_at,
            before.expired_on
        ),
        (None, Some(end), None),
        "the current secret, valid until its lifetime ends"
    );
    let token = tokens::issue_token(&f.at(end - SECOND), &id, &secret, Duration::hours(1))
        .await
        .unwrap()
        .expect("a token one second before the end");
    assert_eq!(token.expires_at, end, "a token never outlives its secret");
    assert!(
        tokens::introspect(&f.at(end - SECOND), token.token.expose())
            .await
            .unwrap()
            .is_some()
    );

    for after in [end, end + SECOND] {
        let refused = credentials::verify(&f.at(after), &id, &secret)
            .await
            .unwrap();
        assert!(!refused.valid);
        assert_eq!(refused.expired_on, Some(end), "Test credentials says when");
        assert!(
            tokens::issue_token(&f.at(after), &id, &secret, Duration::hours(1))
                .await
                .unwrap()
                .is_none(),
            "the token endpoint refuses an expired secret"
        );
        assert!(tokens::introspect(&f.at(after), token.token.expose())
            .await
            .unwrap()
            .is_none());
    }
    // A wrong secret after the end is wrong, not "expired".
    let wrong = credentials::verify(&f.at(end + SECOND), &id, &"x".repeat(43))
        .await
        .unwrap();
    assert_eq!((wrong.valid, wrong.expired_on), (false, None));
    // The page no longer lists it as live.
    let listed = credentials::list_credentials(&f.at(end + SECOND), f.account_id)
        .await
        .unwrap();
    assert!(listed[0].secrets.is_empty());
}

#[tokio::test]
async fn existing_secrets_never_expire_and_renew_keeps_or_changes_the_lifetime() {
    let f = fixture("Renewals").await;
    let plain = credentials::generate(
        &Keydesk::new(&f.at(f.t0), &f.vault),
        &GenerateRequest::new(
            f.account_id,
            &CredentialForm {
                name: "n".into(),
                email: "plain@example.com".into(),
                application: "app".into(),
            },
        ),
    )
    .await
    .unwrap();
    assert_eq!(plain.credential.secrets[0].lifetime_ends_at, None);
    let kept_never = f
        .renew(&plain, Grace::Now, RenewLifetime::Current, f.t0 + DAY)
        .await;
    assert_eq!(kept_never.credential.secrets[0].lifetime_ends_at, None);

    let first = f.generate("q@example.com", Lifetime::Days90, f.t0).await;
    let later = f.t0 + Duration::days(10);
    let kept = f
        .renew(&first, Grace::OneDay, RenewLifetime::Current, later)
        .await;
    let secrets = &kept.credential.secrets;
    assert_eq!(secrets.len(), 2, "the old one in its grace period too");
    assert_eq!(secrets[0].expires_at, None, "current first");
    assert_eq!(
        secrets[0].lifetime_ends_at,
        Some(later + Duration::days(90))
    );
    assert_eq!(secrets[1].expires_at, Some(later + DAY));
    assert_eq!(secrets[1].lifetime_ends_at, Some(f.t0 + Duration::days(90)));

    let chosen = f
        .renew(
            &kept,
            Grace::Now,
            RenewLifetime::Choose(Lifetime::Days30),
            later + DAY * 2,
        )
        .await;
    assert_eq!(
        chosen.credential.secrets[0].lifetime_ends_at,
        Some(later + DAY * 2 + Duration::days(30))
    );
    let never = f
        .renew(
            &chosen,
            Grace::Now,
            RenewLifetime::Choose(Lifetime::Never),
            later + DAY * 3,
        )
        .await;
    assert_eq!(never.credential.secrets[0].lifetime_ends_at, None);

    // An expired secret is renewed like any other: the new one works, the old stays refused.
    let lapsing = f.generate("r@example.com", Lifetime::Days30, f.t0).await;
    let after_end = f.t0 + Duration::days(31);
    let revived = f
        .renew(
            &lapsing,
            Grace::SevenDays,
            RenewLifetime::Current,
            after_end,
        )
        .await;
    let check = |s: &Issued| {
        let (id, secret) = (s.credential.client_id.clone(), s.secret.expose().to_owned());
        let store = f.at(after_end + SECOND);
        async move { credentials::verify(&store, &id, &secret).await.unwrap() }
    };
    assert!(check(&revived).await.valid);
    assert!(!check(&lapsing).await.valid);
}

/// The attention a secret deserves and its place in the list, worked out here from the rows.
fn expected_key(
    s: &credential_secret::Model,
    now: DateTime<Utc>,
) -> Option<(Attention, DateTime<Utc>, DateTime<Utc>, i32)> {
    let far = DateTime::<Utc>::MIN_UTC;
    let warn_until = now + WARNING;
    let stale = now - UNUSED_AFTER;
    if let Some(grace_end) = s.expires_at {
        let live = grace_end > now && s.lifetime_ends_at.is_none_or(|e| e > now);
        return live.then_some((
            Attention::Grace,
            grace_end,
            s.lifetime_ends_at.unwrap_or(far),
            s.id,
        ));
    }
    match s.lifetime_ends_at {
        Some(end) if end <= now => Some((Attention::Expired, end, s.created_at, s.id)),
        Some(end) if end <= warn_until => Some((Attention::Expiring, end, s.created_at, s.id)),
        None => Some((Attention::NeverExpires, s.created_at, far, s.id)),
        Some(_) => match s.last_used_at {
            None if s.created_at < stale => Some((Attention::Unused, far, s.created_at, s.id)),
            Some(used) if used < stale => Some((Attention::Unused, used, s.created_at, s.id)),
            _ => None,
        },
    }
}

#[tokio::test]
async fn the_health_list_pages_through_ten_thousand_accounts_most_urgent_first() {
    let t = test_store().await;
    demo::seed_accounts(&t.store, 10_000).await.unwrap();
    let made = demo::seed_credentials(&t.store, 3).await.unwrap();
    assert_eq!(made, 30_000);
    let now = t.store.now();
    let store = clocked(&t.store, now);

    // What the list must be, from every row.
    let all = credential_secret::Entity::find()
        .all(store.connection())
        .await
        .unwrap();
    let mut expected: Vec<_> = all
        .iter()
        .filter_map(|s| expected_key(s, now).map(|k| (k, s.id)))
        .collect();
    expected.sort();
    let expected: Vec<i32> = expected.into_iter().map(|(_, id)| id).collect();
    // The seed makes no renewals, so no grace periods; every other group is there.
    for attention in Attention::ALL.iter().filter(|a| **a != Attention::Grace) {
        assert!(
            all.iter()
                .any(|s| expected_key(s, now).is_some_and(|k| k.0 == *attention)),
            "the seed covers {attention:?}"
        );
    }

    let mut listed = Vec::new();
    let mut offset = 0;
    let page_size = 1_000;
    loop {
        let page = health::health(&store, WARNING, offset, page_size)
            .await
            .unwrap();
        if page.capped.is_empty() {
            assert_eq!(page.total, expected.len() as u64);
        } else {
            // A capped count says "at least", and always reaches past the page asked for.
            assert!(page.total < expected.len() as u64);
            assert!(page.total > offset + page_size);
        }
        assert!(page.rows.len() as u64 <= page_size);
        if offset == 0 {
            let urgent = page
                .counts
                .iter()
                .filter(|(a, _)| a.is_urgent())
                .map(|(_, n)| n)
                .sum::<u64>();
            assert_eq!(page.urgent, urgent);
            assert_eq!(health::urgent_count(&store, WARNING).await.unwrap(), urgent);
            assert_eq!(page.rows[0].attention, Attention::Expired);
        }
        if page.rows.is_empty() {
            break;
        }
        listed.extend(page.rows.iter().map(|r| r.names.secret_id));
        offset += page.rows.len() as u64;
    }
    assert_eq!(listed.len(), expected.len());
    assert!(
        listed == expected,
        "pages in urgency order, none twice, none missed"
    );
}

#[tokio::test]
async fn a_health_row_names_the_account_application_and_client_id() {
    let f = fixture("Northwind Traders").await;
    let expiring = f.generate("e@example.com", Lifetime::Days30, f.t0).await;
    let fine = f.generate("f@example.com", Lifetime::OneYear, f.t0).await;
    let now = f.t0 + Duration::days(5);
    let page = health::health(&f.at(now), WARNING, 0, 50).await.unwrap();
    assert_eq!(page.urgent, 1);
    assert_eq!(page.rows.len(), 1, "the one-year secret needs nothing yet");
    let row = &page.rows[0];
    assert_eq!(row.attention, Attention::Expiring);
    assert_eq!(row.names.account_id, f.account_id);
    assert_eq!(row.names.company_name, "Northwind Traders");
    assert_eq!(row.names.application, "App of e@example.com");
    assert_eq!(row.names.client_id, expiring.credential.client_id);
    assert_eq!(row.ends_at, Some(f.t0 + Duration::days(30)));
    // Unused for 90+ days: the one-year secret after 100 quiet days.
    let quiet = health::health(&f.at(f.t0 + Duration::days(100)), WARNING, 0, 50)
        .await
        .unwrap();
    let reasons: Vec<_> = quiet
        .rows
        .iter()
        .map(|r| (r.attention, r.names.client_id.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (Attention::Expired, expiring.credential.client_id.clone()),
            (Attention::Unused, fine.credential.client_id.clone()),
        ]
    );
}

#[tokio::test]
async fn each_reminder_is_shown_once_across_restarts_and_instances() {
    let f = fixture("Reminded").await;
    let issued = f.generate("m@example.com", Lifetime::Days90, f.t0).await;
    let end = f.t0 + Duration::days(90);
    let other = f.t.another().await;
    let restarted = |at| clocked(&other, at);
    let due = |store: Store| async move { due_reminders(&store, WARNING).await.unwrap() };

    assert!(due(f.at(end - WARNING - SECOND)).await.is_empty());
    // The two instances look at the same moment: exactly one of them shows it.
    let (a, b) = tokio::join!(due(f.at(end - WARNING)), due(restarted(end - WARNING)));
    let shown: Vec<_> = a.iter().chain(b.iter()).collect();
    assert_eq!(shown.len(), 1, "one notification for two instances");
    assert_eq!(shown[0].threshold, Threshold::Warning);
    assert_eq!(shown[0].names.client_id, issued.credential.client_id);
    assert_eq!(shown[0].names.company_name, "Reminded");
    assert!(shown[0].body().contains("Reminded — App of m@example.com"));
    assert!(!shown[0].body().contains(issued.secret.expose()));
    assert!(due(restarted(end - WARNING + DAY)).await.is_empty());

    for (at, threshold) in [
        (end - Duration::days(7), Threshold::SevenDays),
        (end - DAY, Threshold::OneDay),
        (end, Threshold::Expired),
    ] {
        assert!(
            due(f.at(at - SECOND)).await.is_empty(),
            "{threshold:?} early"
        );
        let fired = due(f.at(at)).await;
        assert_eq!(
            fired.iter().map(|r| r.threshold).collect::<Vec<_>>(),
            vec![threshold]
        );
        assert!(
            due(restarted(at + SECOND)).await.is_empty(),
            "{threshold:?} twice"
        );
    }
    assert!(due(restarted(end + Duration::days(400))).await.is_empty());

    // Keydesk closed through several thresholds: one notification with the latest news.
    let late = f.generate("late@example.com", Lifetime::Days30, f.t0).await;
    let fired = due(f.at(f.t0 + Duration::days(29) + Duration::hours(12))).await;
    assert_eq!(fired.len(), 1);
    assert_eq!(
        (fired[0].threshold, fired[0].names.client_id.clone()),
        (Threshold::OneDay, late.credential.client_id.clone())
    );
}

#[tokio::test]
async fn the_calendar_export_holds_one_event_per_expiring_live_secret_and_no_secret() {
    use icalendar::{Calendar, CalendarComponent, Component};
    let f = fixture("Calendar, Inc; \"quoted\"").await;
    let a = f.generate("a@example.com", Lifetime::Days30, f.t0).await;
    let b = f.generate("b@example.com", Lifetime::TwoYears, f.t0).await;
    let never = f.generate("c@example.com", Lifetime::Never, f.t0).await;
    let lapsed = f
        .generate("d@example.com", Lifetime::Days30, f.t0 - Duration::days(40))
        .await;
    let renewed = f
        .renew(&b, Grace::SevenDays, RenewLifetime::Current, f.t0 + DAY)
        .await;
    let now = f.t0 + DAY * 2;
    let expiries = expiry_export::live_expiries(&f.at(now)).await.unwrap();
    // a, b's old one in its grace period, b's new one, never; not the lapsed one.
    assert_eq!(expiries.len(), 4);
    let ics = expiry_export::to_ics(&expiries, WARNING, now);
    let calendar: Calendar = ics.parse().expect("a valid iCalendar file");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 3, "one per live secret that has an end");
    let summaries: Vec<String> = events
        .iter()
        .map(|e| e.get_summary().unwrap().to_owned())
        .collect();
    assert!(summaries.iter().all(|s| s
        == "Client secret expires: Calendar, Inc; \"quoted\" — App of a@example.com"
        || s == "Client secret expires: Calendar, Inc; \"quoted\" — App of b@example.com"));
    let starts: Vec<String> = events
        .iter()
        .map(|e| e.property_value("DTSTART").unwrap().to_owned())
        .collect();
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    assert!(starts.contains(&stamp(f.t0 + Duration::days(30))));
    assert!(
        starts.contains(&stamp(f.t0 + DAY + DAY * 7)),
        "the grace end"
    );
    assert!(ics.contains("TRIGGER:-P30D"));
    for issued in [&a, &b, &never, &lapsed, &renewed] {
        let secret = issued.secret.expose();
        assert!(!ics.contains(secret) && !ics.contains(&secret[39..]));
    }
    let csv = expiry_export::to_csv(&expiries);
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.contains(&format!("{},", never.credential.client_id)));
    assert!(csv.trim_end().ends_with("never"));
    assert!(!csv.contains(&a.secret.expose()[39..]));
    // The page keeps reading the same rows.
    let stored = credential::Entity::find()
        .all(f.store.connection())
        .await
        .unwrap();
    assert_eq!(stored.len(), 4);
}

/// Issue 25 item 6: each state of a secret is one SQL condition with a method beside it
/// (`credential_secret::{current, unreplaced, live, in_grace}` and `is_…`); on every mix of
/// revoked, grace end and lifetime end, before, at and after them, the store's rows picked by
/// the condition are the rows the method picks.
#[tokio::test]
async fn each_state_of_a_secret_picks_the_same_rows_in_sql_as_on_a_read_row() {
    use credential_secret::{current, in_grace, live, unreplaced, Model};
    use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, QueryFilter, Set};
    use std::collections::BTreeSet;

    let t = test_store().await;
    let (_, issued) = common::account_with_credentials(&t.store).await;
    let credential_id = issued.credential.id;
    let t0: DateTime<Utc> = "2027-01-01T12:00:00Z".parse().unwrap();
    let ends = [
        None,
        Some(t0 - Duration::days(1)),
        Some(t0 + Duration::days(1)),
    ];
    let mut n = 0;
    for expires_at in ends {
        for revoked_at in [None, Some(t0 - Duration::days(2))] {
            for lifetime_ends_at in ends {
                n += 1;
                credential_secret::ActiveModel {
                    credential_id: Set(credential_id),
                    digest: Set(format!("{n:064x}")),
                    hint: Set(format!("{n:04}")),
                    created_at: Set(t0 - Duration::days(10)),
                    expires_at: Set(expires_at),
                    revoked_at: Set(revoked_at),
                    last_used_at: Set(None),
                    lifetime_ends_at: Set(lifetime_ends_at),
                    ..Default::default()
                }
                .insert(t.store.connection())
                .await
                .unwrap();
            }
        }
    }
    type State = (
        &'static str,
        fn(DateTime<Utc>) -> Condition,
        fn(&Model, DateTime<Utc>) -> bool,
    );
    let states: [State; 4] = [
        ("current", |_| current(), |s, _| s.is_current()),
        ("unreplaced", unreplaced, Model::is_unreplaced),
        ("live", live, Model::is_live),
        ("in_grace", in_grace, Model::is_in_grace),
    ];
    let of_credential = || {
        credential_secret::Entity::find()
            .filter(credential_secret::Column::CredentialId.eq(credential_id))
    };
    for now in [t0 - Duration::days(3), t0, t0 + Duration::days(2)] {
        let rows = of_credential().all(t.store.connection()).await.unwrap();
        for (name, condition, method) in states {
            let by_sql: BTreeSet<i32> = of_credential()
                .filter(condition(now))
                .all(t.store.connection())
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.id)
                .collect();
            let by_row: BTreeSet<i32> = rows
                .iter()
                .filter(|s| method(s, now))
                .map(|s| s.id)
                .collect();
            assert_eq!(by_sql, by_row, "{name} at {now}");
        }
    }
    // The mix holds rows each state takes and rows it leaves (or the check could not fail).
    let rows = of_credential().all(t.store.connection()).await.unwrap();
    for (name, _, method) in states {
        let taken = rows.iter().filter(|s| method(s, t0)).count();
        assert!(
            taken > 0 && taken < rows.len(),
            "{name}: {taken} of {}",
            rows.len()
        );
    }
}
