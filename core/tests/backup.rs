//! Backups of the SQLite store and restoring one, on real files; the activity CSV export
//! (both stores).

use keydesk_core::account_csv::{export_accounts, Selection};
use keydesk_core::accounts::create_account;
use keydesk_core::activity_csv::{export_activity, ActivityRange};
use keydesk_core::backup::{
    apply_staged_restore, back_up, check_backup, daily_backup, daily_backups, stage_restore,
};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::Keydesk;
use keydesk_core::{Store, StoreLocation};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
mod common;

use common::{account_with_credentials, clocked, postgres_var, sqlite_only, test_store};

/// Why the backup and restore tests skip a PostgreSQL pass.
const BACKUPS_ARE_SQLITE: &str = "backups and restores are of the SQLite file";

fn company(name: &str) -> ContactForm {
    ContactForm {
        company_name: name.into(),
        name: "N".into(),
        ..Default::default()
    }
}

async fn integrity(path: &std::path::Path) -> String {
    let store = Store::open(StoreLocation::SqliteFile(path.to_owned()))
        .await
        .unwrap();
    let rows = store
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap();
    let verdict = rows[0].try_get_by_index::<String>(0).unwrap();
    store.close().await.unwrap();
    verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writes_run_is_consistent_and_restores_exactly() {
    if sqlite_only("PostgreSQL stores are the database's to back up (see the test below)") {
        return;
    }
    let t = test_store().await;
    let store = t.store.clone();
    for i in 0..20 {
        create_account(
            &store,
            &company(&format!("Before {i}")),
            &BillingForm::default(),
        )
        .await
        .unwrap();
    }
    // Writes go on while the backup is taken.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                create_account(
                    &store,
                    &company(&format!("During {i}")),
                    &BillingForm::default(),
                )
                .await
                .unwrap();
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let dest = t.dir.path().join("chosen.sqlite3");
    let info = back_up(&store, &dest).await.unwrap();
    writer.await.unwrap();
    assert!(info.accounts >= 20 && info.accounts <= 220, "{info:?}");
    assert_eq!(integrity(&dest).await, "ok");

    // What the backup holds: exactly the accounts it counted, each whole.
    let backed_up = Store::open(StoreLocation::SqliteFile(dest.clone()))
        .await
        .unwrap();
    let at_backup = export_accounts(&backed_up, &Selection::All).await.unwrap();
    backed_up.close().await.unwrap();
    assert_eq!(at_backup.lines().count() as i64 - 1, info.accounts);

    // Restore: staged while running, put in place at the next start, the old store kept aside.
    create_account(&store, &company("After"), &BillingForm::default())
        .await
        .unwrap();
    let check = stage_restore(&store, &dest).await.unwrap();
    assert_eq!(check.accounts, info.accounts);
    store.close().await.unwrap();
    t.store.clone().close().await.unwrap();
    let StoreLocation::SqliteFile(file) = &t.location else {
        unreachable!()
    };
    let aside = apply_staged_restore(file)
        .await
        .unwrap()
        .expect("a staged restore");
    assert!(aside.exists());
    let restored = Store::open(t.location.clone()).await.unwrap();
    assert_eq!(
        export_accounts(&restored, &Selection::All).await.unwrap(),
        at_backup
    );
    // The store kept aside still has everything, "After" included.
    let kept = Store::open(StoreLocation::SqliteFile(aside)).await.unwrap();
    assert!(export_accounts(&kept, &Selection::All)
        .await
        .unwrap()
        .contains("After"));
    assert_eq!(
        apply_staged_restore(file).await.unwrap(),
        None,
        "applied once"
    );
}

#[tokio::test]
async fn a_restore_refuses_damaged_foreign_and_newer_files() {
    if sqlite_only(BACKUPS_ARE_SQLITE) {
        return;
    }
    let t = test_store().await;
    let dir = t.dir.path();
    let text = dir.join("notes.sqlite3");
    std::fs::write(&text, "hello, not a database").unwrap();
    let err = check_backup(&text).await.unwrap_err();
    assert!(err.to_string().contains("not an SQLite database"), "{err}");

    let foreign = dir.join("foreign.sqlite3");
    {
        let other = sea_orm::Database::connect(format!("sqlite://{}?mode=rwc", foreign.display()))
            .await
            .unwrap();
        other
            .execute_unprepared("CREATE TABLE invoices (id INTEGER)")
            .await
            .unwrap();
        other.close().await.unwrap();
    }
    let err = check_backup(&foreign).await.unwrap_err();
    assert!(err.to_string().contains("no Keydesk tables"), "{err}");

    let newer = dir.join("newer.sqlite3");
    back_up(&t.store, &newer).await.unwrap();
    {
        let db = sea_orm::Database::connect(format!("sqlite://{}", newer.display()))
            .await
            .unwrap();
        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000001_future', 0)",
        )
        .await
        .unwrap();
        db.close().await.unwrap();
    }
    let err = check_backup(&newer).await.unwrap_err();
    assert!(err.to_string().contains("newer Keydesk"), "{err}");
    assert!(stage_restore(&t.store, &newer).await.is_err());

    // Damaged pages: everything after the first page (the schema) of a real backup overwritten.
    let damaged = dir.join("damaged.sqlite3");
    for i in 0..30 {
        create_account(
            &t.store,
            &company(&format!("Filler {i}")),
            &BillingForm::default(),
        )
        .await
        .unwrap();
    }
    back_up(&t.store, &damaged).await.unwrap();
    let mut bytes = std::fs::read(&damaged).unwrap();
    for b in &mut bytes[4096..] {
        *b = 0x5A;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let err = check_backup(&damaged).await.unwrap_err();
    assert!(
        err.to_string().contains("damaged") || err.to_string().contains("cannot be read"),
        "{err}"
    );
    assert!(!dir.join("restore-pending.sqlite3").exists());
}

/// The zones the daily-backup test runs in, with their UTC offsets in hours: UTC, and the two
/// sides of the date line, 25 hours apart (neither has summer time). The daily backup is named
/// for the local day (chrono's `Local`, which reads `TZ`), so each runs in a child process of
/// this test binary with `TZ` set: the machine's own zone never decides the outcome.
const ZONES: [(&str, i32); 3] = [
    ("UTC", 0),
    ("Pacific/Kiritimati", 14),
    ("Pacific/Pago_Pago", -11),
];
/// Set in the child: the zone it checks.
const ZONE_CHILD: &str = "KEYDESK_TEST_DAILY_BACKUP_ZONE";
const DAILY_TEST: &str =
    "the_daily_backup_is_named_for_the_local_day_taken_once_a_day_and_keeps_the_last_seven";

#[tokio::test]
async fn the_daily_backup_is_named_for_the_local_day_taken_once_a_day_and_keeps_the_last_seven() {
    if sqlite_only(BACKUPS_ARE_SQLITE) {
        return;
    }
    if common::not_on_windows(
        "each zone is set for a child process by TZ; Windows takes the zone from its own \
         settings, not from TZ",
    ) {
        return;
    }
    if let Ok(zone) = std::env::var(ZONE_CHILD) {
        let (_, hours) = ZONES.iter().find(|(z, _)| *z == zone).unwrap();
        daily_backups_in(&zone, *hours).await;
        return;
    }
    for (zone, _) in ZONES {
        let output = keydesk_test_support::process::output(
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", DAILY_TEST, "--nocapture"])
                .env("TZ", zone)
                .env(ZONE_CHILD, zone),
        )
        .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(
            output.status.success() && stdout.contains(" 1 passed;"),
            "TZ={zone}: {}\n{stdout}\n{stderr}",
            output.status
        );
        let kept = stdout.lines().find(|l| l.starts_with("daily backups"));
        println!("{}", kept.expect("the child says what it kept"));
    }
}

/// Ten local days, each touched a minute after its midnight in `zone` and a minute before the
/// next: one backup a day, named for that local day, the last seven kept. In either far zone
/// the two moments fall on two different UTC days, or the first one on the day before.
async fn daily_backups_in(zone: &str, hours: i32) {
    use chrono::{Days, Duration, FixedOffset, NaiveDate, Offset, Utc};
    let offset = FixedOffset::east_opt(hours * 3600).unwrap();
    assert_eq!(
        chrono::Local::now().offset().fix(),
        offset,
        "TZ={zone} is not in effect (is tzdata installed?)"
    );
    let t = test_store().await;
    let data = tempfile::tempdir().unwrap();
    let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let name = |day: NaiveDate| format!("keydesk-{day}.sqlite3");
    for n in 0..10 {
        let day = first + Days::new(n);
        let midnight = day
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_local_timezone(offset)
            .unwrap()
            .with_timezone(&Utc);
        let early = midnight + Duration::minutes(1);
        let late = midnight + Duration::hours(24) - Duration::minutes(1);
        let taken = daily_backup(&clocked(&t.store, early), data.path())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("TZ={zone}: no backup at {early}, the first of {day}"));
        assert_eq!(
            taken.file_name().unwrap().to_string_lossy(),
            name(day),
            "TZ={zone}: taken at {early}"
        );
        let again = daily_backup(&clocked(&t.store, late), data.path())
            .await
            .unwrap();
        assert_eq!(
            again, None,
            "TZ={zone}: {late} is still {day} there: once a day"
        );
    }
    let kept: Vec<String> = daily_backups(data.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let last_seven: Vec<String> = (3..10).map(|n| name(first + Days::new(n))).collect();
    assert_eq!(kept, last_seven, "TZ={zone}");
    println!(
        "daily backups kept under TZ={zone}: {} … {}",
        kept[0], kept[6]
    );
}

#[tokio::test]
async fn a_postgresql_store_is_left_to_its_database() {
    if postgres_var("KEYDESK_TEST_POSTGRES_URL").is_none() {
        return;
    }
    let t = test_store().await;
    let err = back_up(&t.store, &t.dir.path().join("x.sqlite3"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
}

#[tokio::test]
async fn activity_exports_as_csv_with_offsets_and_never_a_secret() {
    let t = test_store().await;
    let store = &t.store;
    let (account_id, issued) = account_with_credentials(store).await;
    let other = create_account(
        store,
        &company("=HYPERLINK(\"x\")"),
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let csv = export_activity(store, &ActivityRange::Account(account_id))
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "time",
            "account_id",
            "company_name",
            "action",
            "what",
            "client_id",
            "by",
            "detail"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let actions: Vec<&str> = rows.iter().map(|r| &r[3]).collect();
    assert_eq!(actions, ["account.created", "credential.generated"]);
    for row in &rows {
        let at = chrono::DateTime::parse_from_rfc3339(&row[0]).unwrap();
        assert!(row[0].len() == 25, "seconds and an offset: {}", &row[0]);
        assert!(
            (store.now() - at.with_timezone(&chrono::Utc))
                .num_minutes()
                .abs()
                < 5
        );
        assert_eq!(&row[2], "Renewals");
    }
    assert_eq!(&rows[1][5], issued.credential.client_id);
    assert!(!csv.contains(issued.secret.expose()), "never the secret");
    use keydesk_core::entities::credential_secret;
    use sea_orm::EntityTrait;
    let digests = credential_secret::Entity::find()
        .all(store.connection())
        .await
        .unwrap();
    assert!(!digests.is_empty());
    for d in digests {
        assert!(!csv.contains(&d.digest), "never a digest");
    }

    // Every account in a range; a formula in a company name is defused.
    let all = export_activity(
        store,
        &ActivityRange::Between {
            from: Some(store.now() - chrono::Duration::hours(1)),
            to: Some(store.now() + chrono::Duration::hours(1)),
        },
    )
    .await
    .unwrap();
    assert_eq!(all.lines().count(), 4);
    assert!(
        all.contains(&format!(",{},\"'=HYPERLINK(\"\"x\"\")\",", other.id)),
        "{all}"
    );
    let none = export_activity(
        store,
        &ActivityRange::Between {
            from: None,
            to: Some(store.now() - chrono::Duration::hours(1)),
        },
    )
    .await
    .unwrap();
    assert_eq!(none.lines().count(), 1, "the header only");
}

/// Issue 24 §4: a "backup" whose schema carries a trigger that undoes revocations (planted on a
/// shared drive) is refused, naming the trigger, and the running store is left as it was.
#[tokio::test]
async fn a_restore_refuses_a_backup_with_a_planted_trigger() {
    if sqlite_only(BACKUPS_ARE_SQLITE) {
        return;
    }
    let t = test_store().await;
    let dir = t.dir.path();
    let (_, issued) = account_with_credentials(&t.store).await;
    let planted = dir.join("shared-drive-backup.sqlite3");
    back_up(&t.store, &planted).await.unwrap();
    {
        let db = sea_orm::Database::connect(format!("sqlite://{}", planted.display()))
            .await
            .unwrap();
        db.execute_unprepared(
            "CREATE TRIGGER keep_alive AFTER UPDATE OF revoked_at ON credential_secrets \
             BEGIN UPDATE credential_secrets SET revoked_at = NULL WHERE id = NEW.id; END",
        )
        .await
        .unwrap();
        db.close().await.unwrap();
    }
    let before = export_accounts(&t.store, &Selection::All).await.unwrap();
    let err = stage_restore(&t.store, &planted).await.unwrap_err();
    assert!(
        err.to_string().contains("trigger keep_alive"),
        "names what is extra: {err}"
    );
    let err = check_backup(&planted).await.unwrap_err();
    assert!(err.to_string().contains("trigger keep_alive"), "{err}");
    // Nothing staged, the store unchanged and without the trigger.
    assert!(!dir.join("restore-pending.sqlite3").exists());
    assert_eq!(
        export_accounts(&t.store, &Selection::All).await.unwrap(),
        before
    );
    let triggers = t
        .store
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'view')",
        ))
        .await
        .unwrap();
    assert!(triggers.is_empty());
    assert!(
        keydesk_core::credentials::verify(
            &t.store,
            &issued.credential.client_id,
            issued.secret.expose()
        )
        .await
        .unwrap()
        .valid
    );

    // An extra view, table or index is refused as well; a real backup still passes.
    for (extra, named) in [
        (
            "CREATE VIEW v_secrets AS SELECT * FROM credential_secrets",
            "view v_secrets",
        ),
        ("CREATE TABLE notes (id INTEGER)", "table notes"),
        (
            "CREATE INDEX idx_extra ON credential_secrets (digest)",
            "index idx_extra",
        ),
    ] {
        let file = dir.join("extra.sqlite3");
        let _ = std::fs::remove_file(&file);
        back_up(&t.store, &file).await.unwrap();
        let db = sea_orm::Database::connect(format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        db.execute_unprepared(extra).await.unwrap();
        db.close().await.unwrap();
        let err = check_backup(&file).await.unwrap_err();
        assert!(err.to_string().contains(named), "{named}: {err}");
    }
    let good = dir.join("good.sqlite3");
    back_up(&t.store, &good).await.unwrap();
    check_backup(&good).await.unwrap();
    // A backup from an older Keydesk (fewer migrations) is compared with a store at its own.
    let older = dir.join("older.sqlite3");
    {
        use sea_orm_migration::MigratorTrait;
        let db = sea_orm::Database::connect(format!("sqlite://{}?mode=rwc", older.display()))
            .await
            .unwrap();
        keydesk_core::migration::Migrator::up(&db, Some(4))
            .await
            .unwrap();
        db.close().await.unwrap();
    }
    let check = check_backup(&older).await.unwrap();
    assert_eq!(
        check.migration,
        keydesk_core::migration::known_migrations()[3]
    );
}

/// Issue 24 §5: a secret renewed "now" after the backup, a credential deleted after it and a
/// token revoked after it stay ended once the backup is restored — at `verify`, at the token
/// endpoint's functions and on the page.
#[tokio::test]
async fn a_restore_never_brings_back_what_was_renewed_deleted_or_revoked_since_the_backup() {
    use chrono::Duration;
    use keydesk_core::credentials::{self, CredentialForm, Grace};
    use keydesk_core::tokens;
    if sqlite_only(BACKUPS_ARE_SQLITE) {
        return;
    }
    let t = test_store().await;
    let store = t.store.clone();
    let vault = keydesk_core::vault::Vault::new("keydesk-test-unused");
    let (account_id, leaked) = account_with_credentials(&store).await;
    let client_id = leaked.credential.client_id.clone();
    let old_secret = leaked.secret.expose().to_owned();
    let old_secret_id = leaked.credential.secrets[0].id;
    let old_token = tokens::issue_token(&store, &client_id, &old_secret, Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    let form = |email: &str| CredentialForm {
        name: "n".into(),
        email: email.into(),
        application: "app".into(),
    };
    let doomed = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account_id, &form("doomed@example.com")),
    )
    .await
    .unwrap();
    let doomed_token = tokens::issue_token(
        &store,
        &doomed.credential.client_id,
        doomed.secret.expose(),
        Duration::hours(1),
    )
    .await
    .unwrap()
    .unwrap();
    let kept = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account_id, &form("kept@example.com")),
    )
    .await
    .unwrap();
    let kept_token = tokens::issue_token(
        &store,
        &kept.credential.client_id,
        kept.secret.expose(),
        Duration::hours(1),
    )
    .await
    .unwrap()
    .unwrap();

    let backup = t.dir.path().join("yesterday.sqlite3");
    back_up(&store, &backup).await.unwrap();

    // After the backup: the leaked secret renewed "now", a credential deleted, a token revoked.
    credentials::renew(
        &Keydesk::new(&store, &vault),
        &RenewRequest::new(leaked.credential.id, Grace::Now),
    )
    .await
    .unwrap();
    credentials::delete(&Keydesk::new(&store, &vault), doomed.credential.id)
        .await
        .unwrap();
    tokens::revoke(&store, kept.credential.id, kept_token.token.expose())
        .await
        .unwrap();

    // The confirmation's numbers first (nothing staged), then the restore itself.
    let preview = keydesk_core::backup::preview_restore(&store, &backup)
        .await
        .unwrap();
    assert_stay_ended(&preview);
    assert!(!t.dir.path().join("restore-pending.sqlite3").exists());
    // A store with another history (a new computer's) takes the backup as it is.
    let elsewhere = test_store().await;
    let fresh = keydesk_core::backup::preview_restore(&elsewhere.store, &backup)
        .await
        .unwrap();
    assert_eq!(
        (fresh.stay_ended, fresh.stay_deleted, fresh.stay_revoked),
        (0, 0, 0)
    );
    let check = stage_restore(&store, &backup).await.unwrap();
    assert_stay_ended(&check);
    store.close().await.unwrap();
    t.store.clone().close().await.unwrap();
    let StoreLocation::SqliteFile(file) = &t.location else {
        unreachable!()
    };
    restore_staged(file).await;
    let restored = Store::open(t.location.clone()).await.unwrap();

    // The renewed secret authenticates nowhere; its token is inactive.
    assert!(
        !credentials::verify(&restored, &client_id, &old_secret)
            .await
            .unwrap()
            .valid
    );
    assert!(tokens::authenticate(&restored, &client_id, &old_secret)
        .await
        .unwrap()
        .is_none());
    assert!(
        tokens::issue_token(&restored, &client_id, &old_secret, Duration::hours(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(tokens::introspect(&restored, old_token.token.expose())
        .await
        .unwrap()
        .is_none());
    // The page: the renewed credential no longer shows the old secret as live; the health page
    // does not list it as a working secret.
    let views = credentials::list_credentials(&restored, account_id)
        .await
        .unwrap();
    let renewed = views.iter().find(|v| v.client_id == client_id).unwrap();
    assert!(
        renewed.secrets.iter().all(|s| s.id != old_secret_id),
        "{renewed:?}"
    );
    let health = keydesk_core::health::health(&restored, Duration::days(14), 0, 200)
        .await
        .unwrap();
    assert!(
        health
            .rows
            .iter()
            .all(|r| r.names.secret_id != old_secret_id
                || r.attention == keydesk_core::health::Attention::Expired),
        "{:?}",
        health.rows
    );

    // The deleted credential stays deleted: not on the page, its secret and token dead.
    assert!(views
        .iter()
        .all(|v| v.client_id != doomed.credential.client_id));
    assert!(
        !credentials::verify(
            &restored,
            &doomed.credential.client_id,
            doomed.secret.expose()
        )
        .await
        .unwrap()
        .valid
    );
    assert!(tokens::introspect(&restored, doomed_token.token.expose())
        .await
        .unwrap()
        .is_none());

    // The revoked token stays revoked; its secret, never ended, still works.
    assert!(tokens::introspect(&restored, kept_token.token.expose())
        .await
        .unwrap()
        .is_none());
    assert!(
        credentials::verify(&restored, &kept.credential.client_id, kept.secret.expose())
            .await
            .unwrap()
            .valid
    );
    restored.close().await.unwrap();
}

/// What the confirmation says: the leaked secret and the deleted credential's secret stay
/// ended, the credential stays deleted, the token stays revoked.
fn assert_stay_ended(check: &keydesk_core::backup::BackupCheck) {
    assert_eq!(
        (check.stay_ended, check.stay_deleted, check.stay_revoked),
        (2, 1, 1),
        "{check:?}"
    );
}

async fn restore_staged(file: &std::path::Path) {
    apply_staged_restore(file)
        .await
        .unwrap()
        .expect("a staged restore");
}

#[cfg(not(target_os = "linux"))]
#[tokio::test]
async fn a_restore_stages_exactly_the_file_it_checked_even_if_it_is_swapped_meanwhile() {
    common::not_on_windows("the swap is timed by watching Linux's /proc/self/fd");
}

/// Issue 24 §6: the backup chosen is swapped for another file while Keydesk has it open (the
/// moment between a check and a copy): what is staged is what was checked, the chosen file's
/// bytes as Keydesk first opened them.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_stages_exactly_the_file_it_checked_even_if_it_is_swapped_meanwhile() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    if sqlite_only(BACKUPS_ARE_SQLITE) {
        return;
    }
    let t = test_store().await;
    let dir = t.dir.path().to_owned();
    create_account(&t.store, &company("Genuine"), &BillingForm::default())
        .await
        .unwrap();
    let chosen = dir.join("chosen.sqlite3");
    back_up(&t.store, &chosen).await.unwrap();
    create_account(&t.store, &company("Planted"), &BillingForm::default())
        .await
        .unwrap();
    let planted = dir.join("planted.sqlite3");
    back_up(&t.store, &planted).await.unwrap();

    // As soon as this process has the chosen file open, the planted one takes its name.
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let target = std::fs::canonicalize(&chosen).unwrap();
        let (chosen, planted) = (chosen.clone(), planted.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
                    continue;
                };
                for fd in fds.flatten() {
                    if std::fs::read_link(fd.path()).is_ok_and(|p| p == target) {
                        std::fs::rename(&planted, &chosen).unwrap();
                        return true;
                    }
                }
            }
            false
        })
    };
    let check = stage_restore(&t.store, &chosen).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let swapped = swapper.join().unwrap();
    eprintln!("swapped while open: {swapped}");
    assert_eq!(check.accounts, 1, "{check:?}");
    let staged = Store::open(StoreLocation::SqliteFile(
        dir.join("restore-pending.sqlite3"),
    ))
    .await
    .unwrap();
    let csv = export_accounts(&staged, &Selection::All).await.unwrap();
    staged.close().await.unwrap();
    assert!(csv.contains("Genuine"), "{csv}");
    assert!(
        !csv.contains("Planted"),
        "the swapped-in file was staged: {csv}"
    );
}

#[cfg(not(unix))]
#[tokio::test]
async fn a_backup_over_the_store_itself_is_refused_however_the_path_is_spelled() {
    common::not_on_windows(
        "the other spellings are made with symbolic links, which Windows gives only to \
         administrators or in developer mode",
    );
}

/// Issue 24 §6: "Back up now" to a path that is the store under another spelling (`..`, a
/// linked folder, a link to the file) is refused; the running store is untouched.
#[cfg(unix)]
#[tokio::test]
async fn a_backup_over_the_store_itself_is_refused_however_the_path_is_spelled() {
    if sqlite_only(BACKUPS_ARE_SQLITE) {
        return;
    }
    let t = test_store().await;
    let StoreLocation::SqliteFile(file) = &t.location else {
        unreachable!()
    };
    let data = file.parent().unwrap();
    create_account(&t.store, &company("Live"), &BillingForm::default())
        .await
        .unwrap();
    let linked_dir = tempfile::tempdir().unwrap();
    let via_dir = linked_dir.path().join("data");
    std::os::unix::fs::symlink(data, &via_dir).unwrap();
    let link = linked_dir.path().join("link.sqlite3");
    std::os::unix::fs::symlink(file, &link).unwrap();
    let dotted = data
        .join("..")
        .join(data.file_name().unwrap())
        .join("keydesk.sqlite3");
    for dest in [dotted, via_dir.join("keydesk.sqlite3"), link] {
        let err = back_up(&t.store, &dest).await.unwrap_err();
        assert!(
            err.to_string().contains("the store itself"),
            "{}: {err}",
            dest.display()
        );
    }
    // Still the same file, and writes still land in it.
    create_account(&t.store, &company("After"), &BillingForm::default())
        .await
        .unwrap();
    let csv = export_accounts(&t.store, &Selection::All).await.unwrap();
    assert!(csv.contains("Live") && csv.contains("After"), "{csv}");
}
