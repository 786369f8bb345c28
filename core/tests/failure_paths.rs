//! What a desktop store meets: a full disk, a read-only folder, a damaged file, the file deleted
//! or moved while Keydesk runs. Each gives a clear error, no panic, and what was saved before
//! stays saved. SQLite only (a team's PostgreSQL server has its own failure modes).
//!
//! The full and read-only cases mount a small tmpfs, which needs root (CAP_SYS_ADMIN);
//! `cargo xtask test` runs as root and sets KEYDESK_REQUIRE_MOUNT so they cannot be skipped there.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use keydesk_core::accounts::update_contact;
use keydesk_core::accounts::{create_account, get_account};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::search::search_accounts;
use keydesk_core::{Store, StoreLocation};

fn company(name: &str) -> ContactForm {
    ContactForm {
        company_name: name.into(),
        name: "N".into(),
        ..Default::default()
    }
}

fn location(dir: &Path) -> StoreLocation {
    StoreLocation::SqliteFile(dir.join("keydesk.sqlite3"))
}

/// A tmpfs of `size` at a fresh folder, unmounted on drop; None where mounting is not allowed.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Some(Tmpfs(dir))
        } else if std::env::var_os("KEYDESK_REQUIRE_MOUNT").is_some() {
            panic!("cannot mount a tmpfs (KEYDESK_REQUIRE_MOUNT is set)");
        } else {
            eprintln!("skipped: mounting a tmpfs needs root");
            None
        }
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success(), "remount {mode}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.path()).status();
    }
}

async fn integrity_ok(location: StoreLocation) -> Store {
    let store = Store::open(location).await.expect("reopens");
    use sea_orm::{ConnectionTrait, Statement};
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            store.connection().get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "integrity_check").unwrap(), "ok");
    store
}

#[tokio::test]
async fn a_full_disk_refuses_the_change_and_keeps_what_was_saved() {
    if common::sqlite_only("a full disk under the SQLite file (a tmpfs)") {
        return;
    }
    let Some(disk) = Tmpfs::mount("2m") else {
        return;
    };
    let store = Store::open(location(disk.path())).await.unwrap();
    let kept = create_account(&store, &company("Saved Before"), &BillingForm::default())
        .await
        .unwrap();
    // Fill the disk, then keep adding accounts until the store says it is full.
    let filler = disk.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
    let mut refused = None;
    for i in 0..2_000 {
        let name = format!("Overflow {i} {}", "x".repeat(150));
        if let Err(err) = create_account(&store, &company(&name), &BillingForm::default()).await {
            refused = Some(err);
            break;
        }
    }
    let err = refused.expect("a full disk refuses a write");
    eprintln!("full disk: {err}");
    assert_eq!(err.code(), "store");
    assert!(
        err.to_string().contains("disk holding the store is full"),
        "{err}"
    );
    // Still readable while full, and intact once there is room again.
    assert_eq!(
        get_account(&store, kept.id)
            .await
            .unwrap()
            .contact
            .form
            .company_name,
        "Saved Before"
    );
    std::fs::remove_file(&filler).unwrap();
    store.close().await.unwrap();
    let store = integrity_ok(location(disk.path())).await;
    assert_eq!(
        get_account(&store, kept.id)
            .await
            .unwrap()
            .contact
            .form
            .company_name,
        "Saved Before"
    );
    // And it takes changes again.
    create_account(&store, &company("After"), &BillingForm::default())
        .await
        .unwrap();
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_read_only_folder_is_named_and_nothing_is_lost() {
    if common::sqlite_only("a read-only folder holding the SQLite file") {
        return;
    }
    let Some(disk) = Tmpfs::mount("8m") else {
        return;
    };
    let store = Store::open(location(disk.path())).await.unwrap();
    let kept = create_account(&store, &company("Saved Before"), &BillingForm::default())
        .await
        .unwrap();
    store.close().await.unwrap();
    disk.remount("ro");
    let err = match Store::open(location(disk.path())).await {
        Err(err) => err,
        Ok(store) => create_account(&store, &company("Refused"), &BillingForm::default())
            .await
            .expect_err("a read-only store refuses a write"),
    };
    let message = err.to_string();
    eprintln!("read-only: {message}");
    assert!(
        message.contains("read-only") || message.contains("cannot be opened"),
        "{message}"
    );
    disk.remount("rw");
    let store = integrity_ok(location(disk.path())).await;
    assert_eq!(
        get_account(&store, kept.id)
            .await
            .unwrap()
            .contact
            .form
            .company_name,
        "Saved Before"
    );
    store.close().await.unwrap();
}

fn store_files(dir: &Path) -> Vec<PathBuf> {
    [
        "keydesk.sqlite3",
        "keydesk.sqlite3-wal",
        "keydesk.sqlite3-shm",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect()
}

#[tokio::test]
async fn a_damaged_file_gives_a_clear_error_and_is_left_as_it_was() {
    if common::sqlite_only("a damaged SQLite file") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(location(dir.path())).await.unwrap();
    for i in 0..300 {
        create_account(
            &store,
            &company(&format!("Company {i}")),
            &BillingForm::default(),
        )
        .await
        .unwrap();
    }
    store.close().await.unwrap();
    // Garbage over the middle of the file: pages of the tables, not the header.
    let path = dir.path().join("keydesk.sqlite3");
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
    for (i, b) in bytes[16 * 1024..48 * 1024].iter_mut().enumerate() {
        *b = (i * 7 + 13) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    let err = match Store::open(location(dir.path())).await {
        Err(err) => err,
        Ok(store) => {
            let mut failure = None;
            for query in ["", "company", "zz"] {
                if let Err(err) = search_accounts(&store, query, 0, 100).await {
                    failure = Some(err);
                    break;
                }
                if let Err(err) = search_accounts(&store, query, 100, 100).await {
                    failure = Some(err);
                    break;
                }
            }
            store.close().await.unwrap();
            failure.expect("reading a damaged store fails")
        }
    };
    eprintln!("damaged: {err}");
    assert!(err.to_string().contains("store file is damaged"), "{err}");
    // Keydesk wrote nothing into it: the damaged file is as it was, for recovery tools.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[tokio::test]
async fn a_store_deleted_while_running_refuses_changes_instead_of_losing_them() {
    if common::sqlite_only("the SQLite file deleted while open") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(location(dir.path())).await.unwrap();
    let kept = create_account(&store, &company("Saved Before"), &BillingForm::default())
        .await
        .unwrap();
    // Moved aside (a backup tool, a user tidying up): SQLite would go on writing to it.
    let aside = tempfile::tempdir().unwrap();
    if cfg!(windows) {
        // Windows (and Wine) refuse to move a file another handle holds open without sharing
        // deletes, as SQLite holds the store: it cannot be taken from under Keydesk, and the
        // next change is saved where it was.
        let file = &store_files(dir.path())[0];
        let moved = std::fs::rename(file, aside.path().join(file.file_name().unwrap()));
        assert!(moved.is_err(), "Windows let an open store be moved");
        update_contact(&store, kept.id, 1, &company("Renamed"))
            .await
            .unwrap();
        store.close().await.unwrap();
        let store = integrity_ok(location(dir.path())).await;
        let all = search_accounts(&store, "", 0, 10).await.unwrap();
        assert_eq!(all.hits[0].company_name, "Renamed");
        store.close().await.unwrap();
        return;
    }
    for file in store_files(dir.path()) {
        if file.exists() {
            std::fs::rename(&file, aside.path().join(file.file_name().unwrap())).unwrap();
        }
    }
    let err = update_contact(&store, kept.id, 1, &company("Renamed"))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "store_moved");
    eprintln!("moved: {err}");
    assert!(err.to_string().contains("deleted or moved"), "{err}");
    let err = create_account(&store, &company("New"), &BillingForm::default())
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "store_moved");
    store.close().await.unwrap();

    // Put back, the store holds exactly what was saved before.
    for file in store_files(aside.path()) {
        if file.exists() {
            std::fs::rename(&file, dir.path().join(file.file_name().unwrap())).unwrap();
        }
    }
    let store = integrity_ok(location(dir.path())).await;
    let all = search_accounts(&store, "", 0, 10).await.unwrap();
    assert_eq!(all.total, 1);
    assert_eq!(all.hits[0].company_name, "Saved Before");
    store.close().await.unwrap();
}
