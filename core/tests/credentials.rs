//! API credentials through the core services, against a real SQLite file.

use chrono::{Duration, SubsecRound, Utc};
use keydesk_core::accounts::create_account;
use keydesk_core::audit::list_activity;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace, KeyringOutcome};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::vault::Vault;
use keydesk_core::Keydesk;
use keydesk_core::Store;

mod common;
use common::{sqlite_only, test_store, TestStore};

struct Fixture {
    t: TestStore,
    store: Store,
    account_id: i32,
    // Never touched: these tests do not ask for the keyring.
    vault: Vault,
}

async fn fixture() -> Fixture {
    let t = test_store().await;
    let store = t.store.clone();
    let contact = ContactForm {
        company_name: "Alexcompany".into(),
        name: "Alex".into(),
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
    }
}

impl Fixture {
    /// Credentials for `email` on the fixture's account, without the keyring.
    async fn generate(
        &self,
        email: &str,
        now: chrono::DateTime<Utc>,
    ) -> keydesk_core::Result<credentials::Issued> {
        credentials::generate(
            &Keydesk::new(&common::clocked(&self.store, now), &self.vault),
            &GenerateRequest::new(self.account_id, &form(email)),
        )
        .await
    }

    async fn renew(
        &self,
        credential_id: i32,
        grace: Grace,
        now: chrono::DateTime<Utc>,
    ) -> keydesk_core::Result<credentials::Issued> {
        credentials::renew(
            &Keydesk::new(&common::clocked(&self.store, now), &self.vault),
            &RenewRequest::new(credential_id, grace),
        )
        .await
    }
}

fn form(email: &str) -> CredentialForm {
    CredentialForm {
        name: "alexcnw".into(),
        email: email.into(),
        application: "esareit".into(),
    }
}

#[tokio::test]
async fn generate_gives_a_hex_client_id_and_a_secret_kept_only_as_hint() {
    let f = fixture().await;
    let now = Utc::now();
    let issued = f.generate("whatevermail@yeah.com", now).await.unwrap();
    let c = &issued.credential;
    assert_eq!(c.client_id.len(), 32);
    assert!(c
        .client_id
        .chars()
        .all(|ch| matches!(ch, '0'..='9' | 'a'..='f')));
    assert_eq!(issued.secret.expose().len(), 43);
    assert_eq!(issued.keyring, KeyringOutcome::NotRequested);
    assert_eq!(c.secrets.len(), 1);
    assert_eq!(c.secrets[0].hint, issued.secret.expose()[39..]);
    assert_eq!(c.secrets[0].expires_at, None);
    assert!(
        credentials::verify(
            &common::clocked(&f.store, now),
            &c.client_id,
            issued.secret.expose()
        )
        .await
        .unwrap()
        .valid
    );
    assert!(
        !credentials::verify(
            &common::clocked(&f.store, now),
            &c.client_id,
            "not-the-secret"
        )
        .await
        .unwrap()
        .valid
    );
    let listed = credentials::list_credentials(&common::clocked(&f.store, now), f.account_id)
        .await
        .unwrap();
    assert_eq!(listed, vec![issued.credential.clone()]);
}

#[tokio::test]
async fn generate_checks_its_fields() {
    let f = fixture().await;
    let bad = CredentialForm {
        email: "nope".into(),
        ..form("")
    };
    let err = credentials::generate(
        &Keydesk::new(&f.store, &f.vault),
        &GenerateRequest::new(f.account_id, &bad),
    )
    .await
    .unwrap_err();
    assert_eq!(err.field(), Some("email"));
    let err = credentials::generate(
        &Keydesk::new(&f.store, &f.vault),
        &GenerateRequest::new(
            f.account_id,
            &CredentialForm {
                application: " ".into(),
                ..form("a@b.co")
            },
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.field(), err.to_string().as_str()),
        (Some("application"), "Application: is required")
    );
    assert!(credentials::list_credentials(&f.store, f.account_id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn an_email_address_holds_one_set_of_credentials() {
    let f = fixture().await;
    let now = Utc::now();
    let first = f.generate("ops@example.com", now).await.unwrap();
    let err = f.generate("OPS@Example.com", now).await.unwrap_err();
    assert_eq!(err.field(), Some("email"));
    assert!(
        err.to_string().contains(&first.credential.client_id),
        "{err}"
    );
    credentials::delete(
        &Keydesk::new(&common::clocked(&f.store, now), &f.vault),
        first.credential.id,
    )
    .await
    .unwrap();
    f.generate("ops@example.com", now).await.unwrap();
}

#[tokio::test]
async fn renew_now_keeps_the_client_id_and_invalidates_the_old_secret() {
    let f = fixture().await;
    let now = Utc::now();
    let first = f.generate("a@example.com", now).await.unwrap();
    let later = now + Duration::minutes(5);
    let renewed = f
        .renew(first.credential.id, Grace::Now, later)
        .await
        .unwrap();
    assert_eq!(renewed.credential.client_id, first.credential.client_id);
    assert_ne!(renewed.secret.expose(), first.secret.expose());
    let id = &first.credential.client_id;
    assert!(
        !credentials::verify(&common::clocked(&f.store, later), id, first.secret.expose())
            .await
            .unwrap()
            .valid
    );
    assert!(
        credentials::verify(
            &common::clocked(&f.store, later),
            id,
            renewed.secret.expose()
        )
        .await
        .unwrap()
        .valid
    );
    assert_eq!(
        renewed.credential.secrets.len(),
        1,
        "only the new secret is live"
    );
    let actions: Vec<_> = list_activity(&f.store, f.account_id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions[..2], ["credential.renewed", "credential.generated"]);
}

#[tokio::test]
async fn renew_with_grace_keeps_the_old_secret_until_it_expires() {
    let f = fixture().await;
    // Both stores keep microseconds.
    let t0 = Utc::now().trunc_subsecs(6);
    let first = f.generate("a@example.com", t0).await.unwrap();
    let renewed = f
        .renew(first.credential.id, Grace::OneHour, t0)
        .await
        .unwrap();
    let id = &first.credential.client_id;
    let expiry = t0 + Duration::hours(1);

    let at = |minutes| t0 + Duration::minutes(minutes);
    let old = credentials::verify(
        &common::clocked(&f.store, at(59)),
        id,
        first.secret.expose(),
    )
    .await
    .unwrap();
    assert!(old.valid);
    assert_eq!(old.expires_at, Some(expiry));
    assert!(
        !credentials::verify(
            &common::clocked(&f.store, at(61)),
            id,
            first.secret.expose()
        )
        .await
        .unwrap()
        .valid
    );
    let new = credentials::verify(
        &common::clocked(&f.store, at(61)),
        id,
        renewed.secret.expose(),
    )
    .await
    .unwrap();
    assert_eq!((new.valid, new.expires_at), (true, None));

    let during = credentials::list_credentials(&common::clocked(&f.store, at(30)), f.account_id)
        .await
        .unwrap();
    let hints: Vec<_> = during[0]
        .secrets
        .iter()
        .map(|s| (s.hint.clone(), s.expires_at))
        .collect();
    assert_eq!(
        hints,
        vec![
            (renewed.secret.expose()[39..].to_owned(), None),
            (first.secret.expose()[39..].to_owned(), Some(expiry))
        ]
    );
    let after = credentials::list_credentials(&common::clocked(&f.store, at(61)), f.account_id)
        .await
        .unwrap();
    assert_eq!(after[0].secrets.len(), 1);
}

#[tokio::test]
async fn renew_now_also_ends_a_running_grace_period() {
    let f = fixture().await;
    let t0 = Utc::now();
    let first = f.generate("a@example.com", t0).await.unwrap();
    let second = f
        .renew(first.credential.id, Grace::SevenDays, t0)
        .await
        .unwrap();
    let t1 = t0 + Duration::hours(1);
    let third = f.renew(first.credential.id, Grace::Now, t1).await.unwrap();
    let id = &first.credential.client_id;
    let t2 = t1 + Duration::seconds(1);
    assert!(
        !credentials::verify(&common::clocked(&f.store, t2), id, first.secret.expose())
            .await
            .unwrap()
            .valid
    );
    assert!(
        !credentials::verify(&common::clocked(&f.store, t2), id, second.secret.expose())
            .await
            .unwrap()
            .valid
    );
    assert!(
        credentials::verify(&common::clocked(&f.store, t2), id, third.secret.expose())
            .await
            .unwrap()
            .valid
    );
}

#[tokio::test]
async fn delete_stops_every_secret_and_is_recorded() {
    let f = fixture().await;
    let now = Utc::now();
    let first = f.generate("a@example.com", now).await.unwrap();
    let renewed = f
        .renew(first.credential.id, Grace::SevenDays, now)
        .await
        .unwrap();
    credentials::delete(
        &Keydesk::new(&common::clocked(&f.store, now), &f.vault),
        first.credential.id,
    )
    .await
    .unwrap();
    let id = &first.credential.client_id;
    assert!(
        !credentials::verify(&common::clocked(&f.store, now), id, first.secret.expose())
            .await
            .unwrap()
            .valid
    );
    assert!(
        !credentials::verify(&common::clocked(&f.store, now), id, renewed.secret.expose())
            .await
            .unwrap()
            .valid
    );
    assert!(
        credentials::list_credentials(&common::clocked(&f.store, now), f.account_id)
            .await
            .unwrap()
            .is_empty()
    );
    let latest = &list_activity(&f.store, f.account_id, 1).await.unwrap()[0];
    assert_eq!(latest.action, "credential.deleted");
    assert!(latest.detail.contains(id.as_str()));
    assert_eq!(
        f.renew(first.credential.id, Grace::Now, now)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[tokio::test]
async fn concurrent_renewals_from_two_connections_leave_exactly_one_current_secret() {
    let f = fixture().await;
    let now = Utc::now();
    let first = f.generate("a@example.com", now).await.unwrap();
    // A second store on the same file stands for a second Keydesk process.
    let other = f.t.another().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 {
            f.store.clone()
        } else {
            other.clone()
        };
        let vault = f.vault.clone();
        let id = first.credential.id;
        tasks.push(tokio::spawn(async move {
            credentials::renew(
                &Keydesk::new(&common::clocked(&store, now), &vault),
                &RenewRequest::new(id, Grace::Now),
            )
            .await
        }));
    }
    let mut issued = Vec::new();
    for task in tasks {
        issued.push(
            task.await
                .unwrap()
                .expect("every renewal commits or waits its turn"),
        );
    }
    let live = credentials::list_credentials(
        &common::clocked(&f.store, now + Duration::seconds(1)),
        f.account_id,
    )
    .await
    .unwrap();
    assert_eq!(live[0].secrets.len(), 1, "exactly one current secret");
    let mut valid = 0;
    for i in &issued {
        if credentials::verify(
            &common::clocked(&f.store, now + Duration::seconds(1)),
            &first.credential.client_id,
            i.secret.expose(),
        )
        .await
        .unwrap()
        .valid
        {
            valid += 1;
        }
    }
    assert_eq!(valid, 1);
    let renewals = list_activity(&f.store, f.account_id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "credential.renewed")
        .count();
    assert_eq!(renewals, 40);
}

#[tokio::test]
async fn no_issued_secret_is_found_anywhere_in_the_data_folder() {
    if sqlite_only("the data folder holds the SQLite store; PostgreSQL keeps its own files") {
        return;
    }
    let f = fixture().await;
    let now = Utc::now();
    let first = f.generate("a@example.com", now).await.unwrap();
    let mut issued = vec![first.secret.expose().to_string()];
    let mut digests = Vec::new();
    for _ in 0..10 {
        let r = f
            .renew(first.credential.id, Grace::OneDay, now)
            .await
            .unwrap();
        digests.push(keydesk_core::secrets::digest(r.secret.expose()));
        issued.push(r.secret.expose().to_string());
    }
    // Read every file as it is now, WAL included, without checkpointing first.
    let mut contents = Vec::new();
    for entry in std::fs::read_dir(f.t.dir.path()).unwrap() {
        contents.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let found = |needle: &str| {
        contents
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };
    // The scan sees what is stored: every digest is there.
    assert!(
        digests.iter().all(|d| found(d)),
        "the scan reads the store's files"
    );
    for secret in &issued {
        assert!(!found(secret), "a secret was written to the data folder");
    }
}

/// Renew answers with the credential as it wrote it (no read back): that answer must be what
/// the page reads afterwards, through grace periods that overlap, shorten and end.
#[tokio::test]
async fn renew_answers_with_what_the_page_reads_afterwards() {
    let f = fixture().await;
    // Not rounded: the store keeps microseconds on both backends, and so must the answer.
    let t0 = Utc::now();
    let first = f.generate("a@example.com", t0).await.unwrap();
    let id = first.credential.id;
    let steps = [
        (Grace::SevenDays, t0 + Duration::seconds(1), 2),
        (Grace::OneHour, t0 + Duration::minutes(1), 3),
        // A longer grace never lengthens a running one: those two still end within the hour.
        (Grace::OneDay, t0 + Duration::minutes(2), 4),
        (Grace::Now, t0 + Duration::hours(2), 1),
    ];
    for (grace, at, live) in steps {
        let renewed = f.renew(id, grace, at).await.unwrap().credential;
        let listed = credentials::list_credentials(&common::clocked(&f.store, at), f.account_id)
            .await
            .unwrap();
        assert_eq!(
            listed,
            std::slice::from_ref(&renewed),
            "after {grace:?} at {at}"
        );
        assert_eq!(renewed.secrets.len(), live, "after {grace:?}");
        assert_eq!(renewed.secrets[0].expires_at, None, "current first");
    }
}

/// Every credential at once (the command line's list) is exactly each account's list, views
/// and all: secrets in grace included, ended ones left out.
#[tokio::test]
async fn every_credential_is_each_accounts_list_together() {
    let f = fixture().await;
    let other = create_account(
        &f.store,
        &ContactForm {
            company_name: "Other".into(),
            name: "O".into(),
            ..Default::default()
        },
        &BillingForm::default(),
    )
    .await
    .unwrap()
    .id;
    let now = Utc::now();
    let first = f.generate("one@example.com", now).await.unwrap();
    f.generate("two@example.com", now).await.unwrap();
    f.renew(first.credential.id, Grace::OneHour, now)
        .await
        .unwrap();
    credentials::generate(
        &Keydesk::new(&f.store, &f.vault),
        &GenerateRequest::new(other, &form("three@example.com")),
    )
    .await
    .unwrap();
    let mut each = credentials::list_credentials(&f.store, f.account_id)
        .await
        .unwrap();
    each.extend(
        credentials::list_credentials(&f.store, other)
            .await
            .unwrap(),
    );
    let together = credentials::every_credential(&f.store).await.unwrap();
    assert_eq!(together, each);
    assert_eq!(together[0].secrets.len(), 1, "the newest credential first");
    assert!(
        together.iter().any(|c| c.secrets.len() == 2),
        "a renewal in grace"
    );
}
