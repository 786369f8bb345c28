//! Several `keydesk-server` instances on one store behave as one (nothing is cached: every
//! answer reads the store), and expired tokens are purged in the background.

use std::time::Duration;

use keydesk_core::credentials::Grace;
use keydesk_core::tokens;

mod common;
use common::{basic, start, start_configured};

#[test]
fn two_instances_on_one_store_obey_a_renewal_and_a_revocation_at_once() {
    let a = start();
    let b = a.another_instance();
    let issued = a.credentials("two@example.com");
    let id = issued.credential.client_id.clone();
    let auth = basic(&id, issued.secret.expose());

    let token = a.token(&id, issued.secret.expose());
    let at_b = b_introspect(&a, &b, &auth, &token);
    assert_eq!(at_b["active"], true, "a token from A is active at B");

    // Revoked at B → inactive at A.
    let revoked = a.form_at(&b, "/oauth2/revoke", &auth, &format!("token={token}"));
    assert_eq!(revoked.status, 200);
    assert_eq!(
        a.introspect((&id, issued.secret.expose()), &token)["active"],
        false
    );

    // Renewed "now" (as the app does, on the store) → the old secret is refused by both.
    let fresh_token = a.token(&id, issued.secret.expose());
    let renewed = a.renew(issued.credential.id, Grace::Now);
    let grant = "grant_type=client_credentials";
    assert_eq!(a.form_at(&b, "/oauth2/token", &auth, grant).status, 401);
    assert_eq!(
        a.form_at(&a.base, "/oauth2/token", &auth, grant).status,
        401
    );
    let new_auth = basic(&id, renewed.secret.expose());
    assert_eq!(
        b_introspect(&a, &b, &new_auth, &fresh_token),
        serde_json::json!({"active": false})
    );
    assert_eq!(a.form_at(&b, "/oauth2/token", &new_auth, grant).status, 200);
}

fn b_introspect(a: &common::Running, b: &str, auth: &str, token: &str) -> serde_json::Value {
    let reply = a.form_at(b, "/oauth2/introspect", auth, &format!("token={token}"));
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()
}

#[test]
fn expired_tokens_are_purged_in_the_background() {
    let s = start_configured(|config| {
        config.token_lifetime = chrono::Duration::seconds(1);
        config.purge_every = Duration::from_millis(200);
    });
    let issued = s.credentials("purge@example.com");
    s.token(&issued.credential.client_id, issued.secret.expose());
    s.token(&issued.credential.client_id, issued.secret.expose());
    let count = || s.rt.block_on(tokens::count_tokens(&s.store)).unwrap();
    assert_eq!(count(), 2);
    // Expired after 1 s, then purged within a few purge periods.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while count() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "expired tokens were not purged"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
