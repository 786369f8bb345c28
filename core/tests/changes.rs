//! Issue 25 item 1: the write path tells every listener what changed — in this process after
//! each commit, and on SQLite what another process wrote (`PRAGMA data_version`).

mod common;

use keydesk_core::credentials::RenewRequest;
use keydesk_core::Keydesk;
use std::time::Duration;

use keydesk_core::changes::{Change, CHANGED_ELSEWHERE, SECRET_USED};
use keydesk_core::credentials::{self, Grace};
use keydesk_core::tokens;
use keydesk_core::vault::Vault;
use tokio::sync::broadcast::Receiver;

use common::{account_with_credentials, test_store};

/// The next change matching `wanted`, waiting at most `within`.
async fn next(
    changes: &mut Receiver<Change>,
    within: Duration,
    wanted: impl Fn(&Change) -> bool,
) -> Change {
    tokio::time::timeout(within, async {
        loop {
            let change = changes.recv().await.expect("the channel stays open");
            if wanted(&change) {
                return change;
            }
        }
    })
    .await
    .expect("the change was published in time")
}

#[tokio::test]
async fn a_renewal_and_a_token_are_published_to_listeners() {
    let t = test_store().await;
    let (account_id, issued) = account_with_credentials(&t.store).await;
    let credential_id = issued.credential.id;
    let mut changes = t.store.subscribe_changes();

    let vault = Vault::new("keydesk-test-unused");
    let renewed = credentials::renew(
        &Keydesk::new(&t.store, &vault),
        &RenewRequest::new(credential_id, Grace::Now),
    )
    .await
    .unwrap();
    let change = next(&mut changes, Duration::from_secs(5), |c| {
        c.action == "credential.renewed"
    })
    .await;
    assert_eq!(change.account_id, Some(account_id));
    assert_eq!(change.credential_id, Some(credential_id));

    // A token moves the secret's "last used": on the page, so published (no activity event).
    let client = tokens::authenticate(
        &t.store,
        &renewed.credential.client_id,
        renewed.secret.expose(),
    )
    .await
    .unwrap()
    .unwrap();
    tokens::issue_for(&t.store, client, chrono::Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    let used = next(&mut changes, Duration::from_secs(5), |c| {
        c.action == SECRET_USED
    })
    .await;
    assert_eq!(used.credential_id, Some(credential_id));
}

/// Another process on the same store — `keydesk-server` on the app's SQLite file, another
/// technician's Keydesk on the team's PostgreSQL store — is heard: on SQLite through the file's
/// `data_version`, on PostgreSQL through `LISTEN keydesk_changes`, which says which account.
#[tokio::test]
async fn another_process_changing_the_store_is_heard() {
    let t = test_store().await;
    let (account_id, issued) = account_with_credentials(&t.store).await;
    let watcher = t
        .store
        .watch_other_processes()
        .await
        .expect("SQLite files and PostgreSQL stores are watched");
    let mut changes = t.store.subscribe_changes();

    // Watching has begun when the call returns: the other process's first write, right after,
    // is heard (it was missed when it landed before the watcher's first look — found by CI).
    let elsewhere = t.another().await;
    let credential_id = issued.credential.id;
    let vault = Vault::new("keydesk-test-unused");
    credentials::renew(
        &Keydesk::new(&elsewhere, &vault),
        &RenewRequest::new(credential_id, Grace::Now),
    )
    .await
    .unwrap();
    let heard = next(&mut changes, Duration::from_secs(5), |c| {
        c.action == CHANGED_ELSEWHERE
    })
    .await;
    if common::on_postgres() {
        assert_eq!(heard.account_id, Some(account_id), "NOTIFY carries the ids");
        assert_eq!(heard.credential_id, Some(credential_id));
    } else {
        assert_eq!(
            heard.account_id, None,
            "data_version says only that it changed"
        );
    }
    watcher.abort();
}
