//! Access tokens over the store, with the clock moved by hand: what the page says about a secret
//! (renewed now, grace period, deleted) is what the token endpoint does, to the second.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, Grace, Issued};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::tokens::{self, Revocation};
use keydesk_core::vault::Vault;
use keydesk_core::Keydesk;
use keydesk_core::Store;

mod common;
use common::{test_store, TestStore};

const HOUR: Duration = Duration::hours(1);

struct Fixture {
    _t: TestStore,
    store: Store,
    account_id: i32,
    vault: Vault,
    t0: DateTime<Utc>,
}

async fn fixture() -> Fixture {
    let t = test_store().await;
    let store = t.store.clone();
    let contact = ContactForm {
        company_name: "Tokens".into(),
        name: "T".into(),
        ..Default::default()
    };
    let account_id = create_account(&store, &contact, &BillingForm::default())
        .await
        .unwrap()
        .id;
    Fixture {
        _t: t,
        store,
        account_id,
        vault: Vault::new("keydesk-test-unused"),
        t0: Utc::now().trunc_subsecs(0),
    }
}

impl Fixture {
    async fn generate(&self, email: &str) -> Issued {
        let form = CredentialForm {
            name: "n".into(),
            email: email.into(),
            application: "app".into(),
        };
        credentials::generate(
            &Keydesk::new(&common::clocked(&self.store, self.t0), &self.vault),
            &GenerateRequest::new(self.account_id, &form),
        )
        .await
        .unwrap()
    }

    async fn renew(&self, credential_id: i32, grace: Grace, now: DateTime<Utc>) -> Issued {
        credentials::renew(
            &Keydesk::new(&common::clocked(&self.store, now), &self.vault),
            &RenewRequest::new(credential_id, grace),
        )
        .await
        .unwrap()
    }

    async fn token(&self, issued: &Issued, now: DateTime<Utc>) -> Option<tokens::IssuedToken> {
        tokens::issue_token(
            &common::clocked(&self.store, now),
            &issued.credential.client_id,
            issued.secret.expose(),
            HOUR,
        )
        .await
        .unwrap()
    }

    /// What the token endpoint does: authenticate against the secrets it remembers, then issue.
    async fn token_via(
        &self,
        recent: &tokens::RecentSecrets,
        issued: &Issued,
        now: DateTime<Utc>,
    ) -> Option<tokens::IssuedToken> {
        let store = common::clocked(&self.store, now);
        let client = recent
            .authenticate(&store, &issued.credential.client_id, issued.secret.expose())
            .await
            .unwrap()?;
        tokens::issue_for(&store, client, HOUR).await.unwrap()
    }

    async fn active(&self, token: &tokens::IssuedToken, now: DateTime<Utc>) -> bool {
        tokens::introspect(&common::clocked(&self.store, now), token.token.expose())
            .await
            .unwrap()
            .is_some()
    }
}

#[tokio::test]
async fn a_token_is_256_random_bits_kept_only_as_a_digest_and_introspects_its_facts() {
    let f = fixture().await;
    let issued = f.generate("a@example.com").await;
    let token = f
        .token(&issued, f.t0)
        .await
        .expect("a live secret gets a token");
    assert_eq!(
        token.token.expose().len(),
        43,
        "256 bits as URL-safe base64"
    );
    assert_eq!(token.expires_in, 3600);
    assert_eq!(token.client.client_id, issued.credential.client_id);
    let other = f.token(&issued, f.t0).await.unwrap();
    assert_ne!(token.token, other.token);

    let facts = tokens::introspect(
        &common::clocked(&f.store, f.t0 + Duration::seconds(5)),
        token.token.expose(),
    )
    .await
    .unwrap()
    .expect("active");
    assert_eq!(facts.client_id, issued.credential.client_id);
    assert_eq!(facts.issued_at, f.t0);
    assert_eq!(facts.expires_at, f.t0 + HOUR);
    // Expired at its end, not a second later.
    assert!(f.active(&token, f.t0 + HOUR - Duration::seconds(1)).await);
    assert!(!f.active(&token, f.t0 + HOUR).await);
    assert!(!f.active(&token, f.t0 + HOUR + Duration::seconds(1)).await);

    // The store holds the digest, never the token.
    use keydesk_core::entities::access_token;
    use sea_orm::EntityTrait;
    let rows = access_token::Entity::find()
        .all(f.store.connection())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_ne!(row.digest, token.token.expose());
        assert_ne!(row.digest, other.token.expose());
        assert_eq!(row.digest.len(), 64);
    }
    assert!(
        tokens::introspect(&common::clocked(&f.store, f.t0), "not-a-token")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_wrong_secret_an_empty_one_and_an_unknown_client_id_are_refused_alike() {
    let f = fixture().await;
    let issued = f.generate("a@example.com").await;
    let id = &issued.credential.client_id;
    let wrong = keydesk_core::secrets::new_secret().unwrap();
    assert!(
        tokens::authenticate(&common::clocked(&f.store, f.t0), id, wrong.expose())
            .await
            .unwrap()
            .is_none()
    );
    assert!(tokens::authenticate(
        &common::clocked(&f.store, f.t0),
        "0123456789abcdef0123456789abcdef",
        issued.secret.expose()
    )
    .await
    .unwrap()
    .is_none());
    assert!(
        tokens::authenticate(&common::clocked(&f.store, f.t0), id, "")
            .await
            .unwrap()
            .is_none()
    );
    let client = tokens::authenticate(&common::clocked(&f.store, f.t0), id, issued.secret.expose())
        .await
        .unwrap()
        .expect("the right pair");
    assert_eq!(client.credential_id, issued.credential.id);
    assert_eq!(client.secret_id, issued.credential.secrets[0].id);
}

#[tokio::test]
async fn renew_now_refuses_the_old_secret_at_once_and_ends_its_tokens() {
    let f = fixture().await;
    let old = f.generate("a@example.com").await;
    let t1 = f.t0 + Duration::seconds(10);
    let token = f.token(&old, t1).await.unwrap();
    assert!(f.active(&token, t1).await);

    let renewed = f.renew(old.credential.id, Grace::Now, t1).await;
    assert!(
        f.token(&old, t1).await.is_none(),
        "old secret refused at once"
    );
    assert!(!f.active(&token, t1).await, "its token is inactive at once");
    let new_token = f.token(&renewed, t1).await.expect("the new secret works");
    assert!(f.active(&new_token, t1).await);
}

#[tokio::test]
async fn secrets_the_endpoint_remembers_never_outlive_a_renewal_a_grace_end_or_a_delete() {
    let f = fixture().await;
    let recent = tokens::RecentSecrets::default();
    let old = f.generate("a@example.com").await;
    let t1 = f.t0 + Duration::seconds(10);
    assert!(f.token_via(&recent, &old, t1).await.is_some());
    let wrong = recent
        .authenticate(&f.store, &old.credential.client_id, "not-the-secret")
        .await
        .unwrap();
    assert!(
        wrong.is_none(),
        "a wrong secret is refused while the right one is remembered"
    );

    // Renewed now while remembered: refused at once; the new secret works at once.
    let renewed = f.renew(old.credential.id, Grace::Now, t1).await;
    assert!(f.token_via(&recent, &old, t1).await.is_none());
    assert!(f.token_via(&recent, &renewed, t1).await.is_some());

    // Renewed with a grace period while remembered: good to its end, not one second after.
    let third = f.renew(renewed.credential.id, Grace::OneHour, t1).await;
    let end = t1 + HOUR;
    assert!(f.token_via(&recent, &renewed, t1).await.is_some());
    assert!(f
        .token_via(&recent, &renewed, end - Duration::seconds(1))
        .await
        .is_some());
    assert!(f.token_via(&recent, &renewed, end).await.is_none());
    assert!(f.token_via(&recent, &third, t1).await.is_some());

    // Deleted while remembered: nothing more.
    credentials::delete(
        &Keydesk::new(&common::clocked(&f.store, t1), &f.vault),
        third.credential.id,
    )
    .await
    .unwrap();
    assert!(f.token_via(&recent, &third, t1).await.is_none());
}

#[tokio::test]
async fn renew_with_a_grace_period_keeps_the_old_secret_to_the_second() {
    let f = fixture().await;
    let old = f.generate("a@example.com").await;
    let t1 = f.t0 + Duration::seconds(10);
    let renewed = f.renew(old.credential.id, Grace::OneHour, t1).await;
    let end = t1 + HOUR;

    let late = f
        .token(&old, end - Duration::seconds(1))
        .await
        .expect("the old secret still gets tokens a second before its end");
    // A token never outlives the secret that obtained it.
    assert_eq!(late.expires_in, 1);
    assert!(f.active(&late, end - Duration::seconds(1)).await);
    assert!(!f.active(&late, end).await);
    assert!(f.token(&old, end + Duration::seconds(1)).await.is_none());

    // The new secret is unaffected, and both got tokens during the grace period.
    let early_old = f.token(&old, t1 + Duration::minutes(5)).await.unwrap();
    let new_token = f.token(&renewed, t1 + Duration::minutes(5)).await.unwrap();
    assert_eq!(early_old.expires_in, 3600 - 300);
    assert!(f.active(&early_old, end - Duration::seconds(1)).await);
    assert!(!f.active(&early_old, end + Duration::seconds(1)).await);
    assert!(f.active(&new_token, end + Duration::seconds(1)).await);
    assert!(f
        .token(&renewed, end + Duration::seconds(1))
        .await
        .is_some());
}

#[tokio::test]
async fn delete_refuses_every_secret_and_ends_every_token() {
    let f = fixture().await;
    let old = f.generate("a@example.com").await;
    let renewed = f.renew(old.credential.id, Grace::OneDay, f.t0).await;
    let old_token = f.token(&old, f.t0).await.unwrap();
    let new_token = f.token(&renewed, f.t0).await.unwrap();

    credentials::delete(
        &Keydesk::new(&common::clocked(&f.store, f.t0), &f.vault),
        old.credential.id,
    )
    .await
    .unwrap();
    assert!(f.token(&old, f.t0).await.is_none());
    assert!(f.token(&renewed, f.t0).await.is_none());
    assert!(!f.active(&old_token, f.t0).await);
    assert!(!f.active(&new_token, f.t0).await);
    // The rows went with the credential (ON DELETE CASCADE).
    assert_eq!(tokens::count_tokens(&f.store).await.unwrap(), 0);
}

#[tokio::test]
async fn a_client_revokes_only_its_own_tokens_and_unknown_ones_are_no_error() {
    let f = fixture().await;
    let a = f.generate("a@example.com").await;
    let b = f.generate("b@example.com").await;
    let a_token = f.token(&a, f.t0).await.unwrap();
    let b_token = f.token(&b, f.t0).await.unwrap();

    assert_eq!(
        tokens::revoke(
            &common::clocked(&f.store, f.t0),
            a.credential.id,
            b_token.token.expose()
        )
        .await
        .unwrap(),
        Revocation::AnotherClients
    );
    assert!(
        f.active(&b_token, f.t0).await,
        "another client's token stays active"
    );
    assert_eq!(
        tokens::revoke(&common::clocked(&f.store, f.t0), a.credential.id, "unknown")
            .await
            .unwrap(),
        Revocation::NothingToRevoke
    );
    assert_eq!(
        tokens::revoke(
            &common::clocked(&f.store, f.t0),
            a.credential.id,
            a_token.token.expose()
        )
        .await
        .unwrap(),
        Revocation::Revoked
    );
    assert_eq!(
        tokens::revoke(
            &common::clocked(&f.store, f.t0),
            a.credential.id,
            a_token.token.expose()
        )
        .await
        .unwrap(),
        Revocation::NothingToRevoke,
        "revoking twice is no error"
    );
    assert!(!f.active(&a_token, f.t0).await);
    assert!(f.active(&b_token, f.t0).await);
}

#[tokio::test]
async fn last_used_is_written_at_most_once_a_minute_per_secret() {
    let f = fixture().await;
    let issued = f.generate("a@example.com").await;
    let secret_id = issued.credential.secrets[0].id;
    assert_eq!(tokens::last_used(&f.store, secret_id).await.unwrap(), None);

    f.token(&issued, f.t0).await.unwrap();
    assert_eq!(
        tokens::last_used(&f.store, secret_id).await.unwrap(),
        Some(f.t0)
    );
    // Within the minute: not written again.
    f.token(&issued, f.t0 + Duration::seconds(30))
        .await
        .unwrap();
    f.token(&issued, f.t0 + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(
        tokens::last_used(&f.store, secret_id).await.unwrap(),
        Some(f.t0)
    );
    // Past it: written.
    let later = f.t0 + Duration::seconds(61);
    f.token(&issued, later).await.unwrap();
    assert_eq!(
        tokens::last_used(&f.store, secret_id).await.unwrap(),
        Some(later)
    );
    // A refused attempt is not a use.
    let wrong = keydesk_core::secrets::new_secret().unwrap();
    let refused = tokens::issue_token(
        &common::clocked(&f.store, later + Duration::minutes(5)),
        &issued.credential.client_id,
        wrong.expose(),
        HOUR,
    )
    .await
    .unwrap();
    assert!(refused.is_none());
    assert_eq!(
        tokens::last_used(&f.store, secret_id).await.unwrap(),
        Some(later)
    );
}

#[tokio::test]
async fn purge_deletes_only_expired_tokens() {
    let f = fixture().await;
    let issued = f.generate("a@example.com").await;
    let early = f.token(&issued, f.t0).await.unwrap();
    let late = f
        .token(&issued, f.t0 + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(tokens::count_tokens(&f.store).await.unwrap(), 2);

    assert_eq!(
        tokens::purge_expired(&common::clocked(&f.store, f.t0 + Duration::minutes(59)))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        tokens::purge_expired(&common::clocked(&f.store, f.t0 + HOUR))
            .await
            .unwrap(),
        1
    );
    assert!(!f.active(&early, f.t0 + Duration::minutes(61)).await);
    assert!(f.active(&late, f.t0 + Duration::minutes(61)).await);
    assert_eq!(tokens::count_tokens(&f.store).await.unwrap(), 1);
}

#[tokio::test]
async fn the_page_sees_when_each_secret_last_obtained_a_token() {
    let f = fixture().await;
    let issued = f.generate("last-used@example.com").await;
    let listed = |at| {
        let store = common::clocked(&f.store, at);
        let account_id = f.account_id;
        async move {
            credentials::list_credentials(&store, account_id)
                .await
                .unwrap()
        }
    };
    assert_eq!(listed(f.t0).await[0].secrets[0].last_used_at, None);
    f.token(&issued, f.t0 + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(
        listed(f.t0).await[0].secrets[0].last_used_at,
        Some(f.t0 + Duration::seconds(10))
    );
}

#[tokio::test]
async fn a_secret_renewed_between_authentication_and_issue_gets_no_token() {
    let f = fixture().await;
    let issued = f.generate("race@example.com").await;
    let client = tokens::authenticate(
        &common::clocked(&f.store, f.t0),
        &issued.credential.client_id,
        issued.secret.expose(),
    )
    .await
    .unwrap()
    .expect("authenticated");
    f.renew(issued.credential.id, Grace::Now, f.t0).await;
    let token = tokens::issue_for(
        &common::clocked(&f.store, f.t0 + Duration::seconds(1)),
        client,
        HOUR,
    )
    .await
    .unwrap();
    assert!(
        token.is_none(),
        "a token for a secret that has stopped working"
    );
}

#[tokio::test]
async fn introspection_never_promises_more_than_the_secret_has_left() {
    let f = fixture().await;
    let issued = f.generate("grace@example.com").await;
    let token = tokens::issue_token(
        &common::clocked(&f.store, f.t0),
        &issued.credential.client_id,
        issued.secret.expose(),
        Duration::hours(24),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(token.expires_at, f.t0 + Duration::hours(24));
    let renewed_at = f.t0 + Duration::minutes(5);
    f.renew(issued.credential.id, Grace::OneHour, renewed_at)
        .await;
    let facts = tokens::introspect(&common::clocked(&f.store, renewed_at), token.token.expose())
        .await
        .unwrap()
        .expect("active during the grace period");
    assert_eq!(facts.expires_at, renewed_at + HOUR);
}

#[tokio::test]
async fn a_batch_answers_each_request_as_if_it_were_alone() {
    let f = fixture().await;
    let a = f.generate("a@example.com").await;
    let b = f.generate("b@example.com").await;
    let at_t0 = common::clocked(&f.store, f.t0);
    let client = |issued: &Issued| {
        let store = at_t0.clone();
        let (id, secret) = (
            issued.credential.client_id.clone(),
            issued.secret.expose().to_owned(),
        );
        async move {
            tokens::authenticate(&store, &id, &secret)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let (a_client, b_client) = (client(&a).await, client(&b).await);
    // b is renewed "now" between its authentication and the batch: only b's request is refused.
    f.renew(b.credential.id, Grace::Now, f.t0).await;
    let answers = tokens::issue_batch(
        &at_t0,
        &[
            (a_client.clone(), HOUR),
            (b_client, HOUR),
            (a_client, Duration::minutes(5)),
        ],
    )
    .await
    .unwrap();
    assert_eq!(answers.len(), 3);
    let first = answers[0].as_ref().expect("a's first token");
    assert!(answers[1].is_none(), "b's secret was renewed now");
    let third = answers[2].as_ref().expect("a's second token");
    assert_eq!(first.expires_in, 3600);
    assert_eq!(third.expires_in, 300, "each request keeps its own lifetime");
    assert_ne!(first.token.expose(), third.token.expose());
    assert!(f.active(first, f.t0).await && f.active(third, f.t0).await);
}

#[tokio::test]
async fn many_concurrent_requests_through_the_issuer_each_get_their_own_live_token() {
    let f = fixture().await;
    let a = f.generate("a@example.com").await;
    let store = common::clocked(&f.store, f.t0);
    let client = tokens::authenticate(&store, &a.credential.client_id, a.secret.expose())
        .await
        .unwrap()
        .unwrap();
    let issuer = tokens::BatchIssuer::spawn(store.clone());
    let asked: Vec<_> = (0..200)
        .map(|_| {
            let (issuer, client) = (issuer.clone(), client.clone());
            tokio::spawn(async move { issuer.issue(client, HOUR).await.unwrap().unwrap() })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for asked in asked {
        let issued = asked.await.unwrap();
        assert!(
            seen.insert(issued.token.expose().to_owned()),
            "a token twice"
        );
        assert_eq!(issued.client.secret_id, client.secret_id);
    }
    assert_eq!(tokens::count_tokens(&f.store).await.unwrap(), 200);
    // And a renewal "now" is obeyed by the next request at once.
    f.renew(a.credential.id, Grace::Now, f.t0).await;
    assert!(issuer.issue(client, HOUR).await.unwrap().is_none());
}
