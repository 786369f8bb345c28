//! 100 simultaneous renewals of one credential from two processes: exactly one current
//! secret, 100 audit events, and every caller got a secret or a clear error.

mod common;

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

/// One process: 50 renewals at once on its own connection pool; one line per caller.
async fn renew_many(location: StoreLocation, credential_id: i32) {
    let store = Store::open(location).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..PER_PROCESS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let vault = Vault::new("keydesk-test-unused");
            credentials::renew(&store, &vault, credential_id, Grace::Now, false).await
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
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "a_hundred_renewals_from_two_processes_leave_one_current_secret",
                    "--nocapture",
                    "--quiet",
                ])
                .env(HELPER, &spec)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut secrets = Vec::new();
    let mut errors = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some(secret) = line.strip_prefix("ok ") {
                secrets.push(secret.to_owned());
            } else if let Some(error) = line.strip_prefix("err ") {
                errors.push(error.to_owned());
            }
        }
    }
    assert_eq!(
        secrets.len() + errors.len(),
        2 * PER_PROCESS,
        "every caller answered"
    );
    for error in &errors {
        assert!(error.starts_with("store: "), "a clear error: {error}");
    }
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
    eprintln!(
        "{} renewals committed, {} refused",
        secrets.len(),
        errors.len()
    );
}
