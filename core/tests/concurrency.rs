//! 100 simultaneous renewals of one credential from two processes, released together once both
//! have opened the store: all 100 attempted, all 100 given a secret (it prints the counts),
//! exactly one current secret, one audit event per renewal.

mod common;

use keydesk_core::credentials::RenewRequest;
use keydesk_core::Keydesk;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use chrono::Utc;
use common::{account_with_credentials, location_from_text, location_text, test_store};
use keydesk_core::credentials::{self, Grace};
use keydesk_core::entities::audit_event;
use keydesk_core::vault::Vault;
use keydesk_core::{Store, StoreLocation};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const HELPER: &str = "KEYDESK_CONCURRENCY_HELPER";
const PER_PROCESS: usize = 50;
/// The helper's line once its store is open; it then waits for a line on stdin.
const READY: &str = "ready";

/// One process: 50 renewals at once on its own connection pool, started when the suite says
/// go; one line per caller.
async fn renew_many(location: StoreLocation, credential_id: i32) {
    let store = Store::open(location).await.unwrap();
    println!("{READY}");
    std::io::stdout().flush().unwrap();
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    let mut tasks = Vec::new();
    for _ in 0..PER_PROCESS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let vault = Vault::new("keydesk-test-unused");
            credentials::renew(
                &Keydesk::new(&store, &vault),
                &RenewRequest::new(credential_id, Grace::Now),
            )
            .await
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            Ok(issued) => println!("ok {}", issued.secret.expose()),
            Err(err) => println!("err {}: {err}", err.code()),
        }
    }
}

#[tokio::test]
async fn a_hundred_renewals_from_two_processes_leave_one_current_secret() {
    if let Ok(spec) = std::env::var(HELPER) {
        let (location, id) = spec.rsplit_once('|').unwrap();
        let location = location_from_text(location);
        renew_many(location, id.parse().unwrap()).await;
        return;
    }
    let t = test_store().await;
    let (account_id, issued) = account_with_credentials(&t.store).await;
    let location = location_text(&t.location);
    let spec = format!("{location}|{}", issued.credential.id);
    let mut children: Vec<_> = (0..2)
        .map(|_| {
            keydesk_test_support::process::spawn(
                Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--exact",
                        "a_hundred_renewals_from_two_processes_leave_one_current_secret",
                        "--nocapture",
                        "--quiet",
                    ])
                    .env(HELPER, &spec)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit()),
            )
            .unwrap()
        })
        .collect();
    // Both processes have their store open before either renews: the 100 overlap.
    let mut outputs: Vec<_> = children
        .iter_mut()
        .map(|child| {
            let mut out = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            while line.trim_end() != READY {
                line.clear();
                assert_ne!(
                    out.read_line(&mut line).unwrap(),
                    0,
                    "the helper ended early"
                );
            }
            out
        })
        .collect();
    for child in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let mut secrets = Vec::new();
    let mut errors = Vec::new();
    for (child, out) in children.iter_mut().zip(&mut outputs) {
        let mut stdout = String::new();
        std::io::Read::read_to_string(out, &mut stdout).unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "a helper failed: {status}\n{stdout}");
        for line in stdout.lines() {
            if let Some(secret) = line.strip_prefix("ok ") {
                secrets.push(secret.to_owned());
            } else if let Some(error) = line.strip_prefix("err ") {
                errors.push(error.to_owned());
            }
        }
    }
    eprintln!(
        "{} renewals attempted: {} got a secret, {} refused {errors:?}",
        secrets.len() + errors.len(),
        secrets.len(),
        errors.len()
    );
    assert_eq!(
        secrets.len() + errors.len(),
        2 * PER_PROCESS,
        "every caller attempted a renewal and was answered"
    );
    // Writers wait their turn (SQLite: up to the 5 s busy timeout; PostgreSQL: the row lock);
    // 100 renewals take about a second here, so none has a reason to be refused.
    assert!(errors.is_empty(), "refused: {errors:?}");
    assert_eq!(secrets.len(), 2 * PER_PROCESS, "every renewal got a secret");
    let now = Utc::now();
    let live = credentials::list_credentials(&common::clocked(&t.store, now), account_id)
        .await
        .unwrap();
    assert_eq!(live[0].secrets.len(), 1, "exactly one current secret");
    let mut current = 0;
    for secret in &secrets {
        if credentials::verify(
            &common::clocked(&t.store, now),
            &issued.credential.client_id,
            secret,
        )
        .await
        .unwrap()
        .valid
        {
            current += 1;
        }
    }
    assert_eq!(current, 1, "the one current secret was given to one caller");
    let renewed = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("credential.renewed"))
        .count(t.store.connection())
        .await
        .unwrap() as usize;
    assert_eq!(
        renewed,
        secrets.len(),
        "one audit event per committed renewal"
    );
}
