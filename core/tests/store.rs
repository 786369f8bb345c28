//! The store against a real SQLite file: connection set-up, migrations, and refusing files
//! that are not ours; and, on either store, refusing one a newer Keydesk wrote.

mod common;

use common::sqlite_only;
use keydesk_core::search::search_accounts;
use keydesk_core::{demo, Error, Store, StoreLocation};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

fn location(dir: &tempfile::TempDir) -> StoreLocation {
    StoreLocation::SqliteFile(dir.path().join("keydesk.sqlite3"))
}

async fn pragma(store: &Store, name: &str) -> String {
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0)
        .map(|v| v.to_string())
        .or_else(|_| row.try_get_by_index::<String>(0))
        .unwrap()
}

#[tokio::test]
async fn every_connection_gets_wal_foreign_keys_full_sync_and_busy_timeout() {
    if sqlite_only("SQLite's pragmas") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(location(&dir)).await.unwrap();
    assert_eq!(pragma(&store, "journal_mode").await, "wal");
    assert_eq!(pragma(&store, "foreign_keys").await, "1");
    assert_eq!(pragma(&store, "synchronous").await, "2", "FULL");
    assert_eq!(pragma(&store, "busy_timeout").await, "5000");
    assert_eq!(
        pragma(&store, "wal_autocheckpoint").await,
        "200",
        "small checkpoints: no commit waits long for one"
    );
    assert!(dir.path().join("keydesk.sqlite3").exists());
}

#[tokio::test]
async fn data_survives_reopening_and_migrations_run_once() {
    if sqlite_only("reads the SQLite file back through a connection of its own") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(location(&dir)).await.unwrap();
    demo::seed_demo(&store)
        .await
        .unwrap()
        .expect("seeded an empty store");
    store.close().await.unwrap();
    // Read back through a connection of its own: the rows are in the file, not in memory.
    let url = format!("sqlite://{}", dir.path().join("keydesk.sqlite3").display());
    let raw = sea_orm::Database::connect(url).await.unwrap();
    let row = raw
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT company_name FROM contact_information",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get::<String>("", "company_name").unwrap(),
        "Alexcompany"
    );
    raw.close().await.unwrap();
    let store = Store::open(location(&dir)).await.unwrap();
    let list = search_accounts(&store, "", 0, 100).await.unwrap().hits;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].company_name, "Alexcompany");
    assert!(
        demo::seed_demo(&store).await.unwrap().is_none(),
        "demo leaves data alone"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_by_name() {
    if sqlite_only("a file that is not a database") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keydesk.sqlite3");
    std::fs::write(
        &path,
        b"these are my holiday notes, not a database at all. ".repeat(100),
    )
    .unwrap();
    let err = Store::open(location(&dir)).await.unwrap_err();
    assert_eq!(err.code(), "not_keydesk", "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert!(
        std::fs::read(&path)
            .unwrap()
            .starts_with(b"these are my holiday notes"),
        "file untouched"
    );
}

#[tokio::test]
async fn another_programs_database_is_refused_by_name() {
    if sqlite_only("another program's SQLite file") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keydesk.sqlite3");
    {
        let store = Store::open(StoreLocation::Url(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("other.db").display()
        )))
        .await
        .unwrap();
        drop(store);
    }
    // Build a foreign database by hand: one table, no Keydesk migrations.
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = sea_orm::Database::connect(url).await.unwrap();
    db.execute_unprepared("CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)")
        .await
        .unwrap();
    drop(db);
    let err = Store::open(location(&dir)).await.unwrap_err();
    assert_eq!(err.code(), "not_keydesk");
    assert!(err.to_string().contains("recipes"), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_keydesk_is_refused_and_left_intact() {
    // On PostgreSQL too: a team's shared store is where a newer Keydesk on one desk and an
    // older one on another meet.
    let common::TestStore {
        store,
        dir: _dir,
        location,
    } = common::test_store().await;
    demo::seed_demo(&store).await.unwrap();
    let future = "m20991231_000001_from_the_future";
    store
        .connection()
        .execute_unprepared(&format!(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{future}', 0)"
        ))
        .await
        .unwrap();
    store.close().await.unwrap();
    let err = Store::open(location.clone()).await.unwrap_err();
    assert!(matches!(err, Error::StoreTooNew { .. }), "{err:?}");
    let named = match &location {
        StoreLocation::SqliteFile(_) => "keydesk.sqlite3".to_owned(),
        StoreLocation::Url(url) => url.rsplit('/').next().unwrap().to_owned(),
    };
    assert!(err.to_string().contains(&named), "{err}");
    assert!(err.to_string().contains(future), "{err}");
    // Left intact: the account and the newer release's migration are still there.
    let raw = sea_orm::Database::connect(match &location {
        StoreLocation::SqliteFile(path) => format!("sqlite://{}", path.display()),
        StoreLocation::Url(url) => url.clone(),
    })
    .await
    .unwrap();
    let count = |sql: &'static str| {
        let raw = &raw;
        async move {
            raw.query_one_raw(Statement::from_string(raw.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM contact_information").await, 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM seaql_migrations WHERE version LIKE 'm2099%'").await,
        1
    );
    raw.close().await.unwrap();
}
