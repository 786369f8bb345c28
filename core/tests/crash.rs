//! Crash consistency: a helper process renews one credential in a loop, saying when each renewal
//! begins and printing the secret it was given once the commit has returned; the suite kills it
//! with SIGKILL at random moments (`KEYDESK_CRASH_KILLS`, 200 by default), checks the store after
//! every kill, and counts where the kills landed: it fails unless some cut a renewal off before
//! its commit.

mod common;

use keydesk_core::credentials::RenewRequest;
use keydesk_core::Keydesk;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use common::{account_with_credentials, location_from_text, location_text, test_store};
use keydesk_core::credentials::{self, Grace};
use keydesk_core::entities::audit_event;
use keydesk_core::vault::Vault;
use keydesk_core::{Store, StoreLocation};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Statement,
};

const HELPER: &str = "KEYDESK_CRASH_HELPER";
/// The helper's line before each renewal (a secret is 43 characters, never this).
const BEGINS: &str = "renewal-begins";

/// What the helper had said last when it was killed.
enum Said {
    Begins,
    Secret(String),
}

/// The helper's loop; it only ends when killed.
async fn renew_forever(location: StoreLocation, credential_id: i32) {
    let store = Store::open(location).await.unwrap();
    let vault = Vault::new("keydesk-test-unused");
    let mut out = std::io::stdout().lock();
    loop {
        writeln!(out, "{BEGINS}").unwrap();
        out.flush().unwrap();
        let issued = credentials::renew(
            &Keydesk::new(&store, &vault),
            &RenewRequest::new(credential_id, Grace::Now),
        )
        .await
        .unwrap();
        writeln!(out, "{}", issued.secret.expose()).unwrap();
        out.flush().unwrap();
    }
}

/// A killed client's COMMIT, once sent, is still carried out by its PostgreSQL backend, which
/// may be a moment behind: the checks wait until no other session is inside a statement or a
/// transaction, so a renewal is either committed and visible or never committed.
async fn server_done_with_the_killed_client(store: &Store, kill: usize) {
    let busy = Statement::from_string(
        DbBackend::Postgres,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND state <> 'idle'",
    );
    for _ in 0..1000 {
        let row = store
            .connection()
            .query_one_raw(busy.clone())
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("kill {kill}: the killed client's session was still busy after 10 s");
}

/// A small deterministic generator for kill delays (no RNG crate needed for this).
fn delays(seed: u64) -> impl Iterator<Item = Duration> {
    let mut state = seed;
    std::iter::from_fn(move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Some(Duration::from_millis(5 + (state >> 33) % 150))
    })
}

#[tokio::test]
async fn renewals_survive_sigkill_at_random_moments() {
    if let Ok(spec) = std::env::var(HELPER) {
        let (location, id) = spec.rsplit_once('|').unwrap();
        renew_forever(location_from_text(location), id.parse().unwrap()).await;
        return;
    }
    let kills: usize = std::env::var("KEYDESK_CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(200);
    let t = test_store().await;
    let (account_id, issued) = account_with_credentials(&t.store).await;
    let vault = Vault::new("keydesk-test-unused");
    let (credential_id, client_id) = (issued.credential.id, issued.credential.client_id.clone());
    let mut printed: Vec<String> = vec![issued.secret.expose().to_string()];
    // Renewals committed whose secret was never printed (killed in between).
    let mut unprinted = 0;
    // Where the kills landed: before the helper's first renewal began (starting up), inside a
    // renewal before its commit, between a commit and its print, or after a print and before
    // the next renewal began.
    let (mut starting, mut before_commit, mut between, mut after_print) = (0, 0, 0, 0);

    let spec = format!("{}|{credential_id}", location_text(&t.location));
    for (kill, delay) in delays(0x006b_6579_6465_736b).take(kills).enumerate() {
        let mut child = keydesk_test_support::process::spawn(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "renewals_survive_sigkill_at_random_moments",
                    "--nocapture",
                    "--quiet",
                ])
                .env(HELPER, &spec)
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let lines = lines.clone();
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    // Secrets are 43 URL-safe characters; the test harness prints other lines.
                    if line == BEGINS {
                        lines.lock().unwrap().push(Said::Begins);
                    } else if line.len() == 43 && !line.contains(' ') {
                        lines.lock().unwrap().push(Said::Secret(line));
                    }
                }
            })
        };
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let said: Vec<Said> = lines.lock().unwrap().drain(..).collect();
        let killed_inside_a_renewal = matches!(said.last(), Some(Said::Begins));
        let began = said.iter().any(|s| matches!(s, Said::Begins));
        printed.extend(said.into_iter().filter_map(|s| match s {
            Said::Secret(secret) => Some(secret),
            Said::Begins => None,
        }));

        // After every kill: the store is sound and the credential still works.
        let store = Store::open(t.location.clone()).await.unwrap();
        if store.connection().get_database_backend() == DbBackend::Postgres {
            server_done_with_the_killed_client(&store, kill).await;
        }
        if store.connection().get_database_backend() == DbBackend::Sqlite {
            let row = store
                .connection()
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA integrity_check",
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                row.try_get_by_index::<String>(0).unwrap(),
                "ok",
                "kill {kill}"
            );
        }
        let now = Utc::now();
        let live = credentials::list_credentials(&common::clocked(&store, now), account_id)
            .await
            .unwrap();
        assert_eq!(
            live[0].secrets.len(),
            1,
            "kill {kill}: exactly one live secret"
        );
        let renewals = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("credential.renewed"))
            .count(store.connection())
            .await
            .unwrap() as usize;
        let last = printed.last().unwrap();
        let last_verifies = credentials::verify(&common::clocked(&store, now), &client_id, last)
            .await
            .unwrap()
            .valid;
        // A kill can land between a commit and its print: then exactly one renewal more was
        // committed than printed, and the last printed secret has just been replaced.
        match renewals - unprinted + 1 - printed.len() {
            0 => assert!(
                last_verifies,
                "kill {kill}: the last printed secret verifies"
            ),
            1 => {
                assert!(
                    !last_verifies,
                    "kill {kill}: an unprinted renewal replaced it"
                );
                assert!(
                    killed_inside_a_renewal,
                    "kill {kill}: a renewal was committed that the helper never began"
                );
            }
            n => panic!("kill {kill}: {n} committed renewals were never printed"),
        }
        match (began, killed_inside_a_renewal) {
            (false, _) => starting += 1,
            (true, false) => after_print += 1,
            (true, true) if renewals - unprinted + 1 > printed.len() => between += 1,
            (true, true) => before_commit += 1,
        }
        if printed.len() >= 2 {
            let before = &printed[printed.len() - 2];
            assert!(
                !credentials::verify(&common::clocked(&store, now), &client_id, before)
                    .await
                    .unwrap()
                    .valid,
                "kill {kill}"
            );
        }
        // Re-sync: if a renewal was committed but not printed, its secret is unknown; renew
        // once more here so the next round starts from a printed secret.
        if renewals - unprinted + 1 > printed.len() {
            unprinted += 1;
            let again = credentials::renew(
                &Keydesk::new(&store, &vault),
                &RenewRequest::new(credential_id, Grace::Now),
            )
            .await
            .unwrap();
            printed.push(again.secret.expose().to_string());
        }
        store.close().await.unwrap();
    }
    eprintln!(
        "{kills} kills survived; {} secrets printed. Kills landed: {before_commit} inside a \
         renewal before its commit, {between} between a commit and its print, {after_print} \
         after a print before the next renewal, {starting} before the helper's first renewal",
        printed.len()
    );
    assert_eq!(between, unprinted);
    assert!(
        before_commit > 0,
        "no kill cut a renewal off before its commit: the test showed nothing about crashes"
    );
}
