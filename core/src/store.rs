//! Where the data lives and how every connection to it is set up.
//!
//! SQLite by default (a file in the data folder), PostgreSQL when `KEYDESK_DATABASE_URL` names
//! one. Each SQLite connection gets WAL, foreign keys, `synchronous=FULL` and a busy timeout.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::clock::Clock;
use crate::migration::{known_migrations, Migrator};
use crate::private_files;
use crate::{Error, Result};

// The store's parts: the write path (`write`, with the clock every write reads and the change
// events every commit publishes), the tables (`entities`) and their migrations, and the URL
// rules of a database store. Re-exported at the crate's root under their names.
pub mod changes;
pub mod clock;
pub mod database_url;
pub mod entities;
pub mod migration;
pub(crate) mod postgres_tls;
pub mod write;

/// Moves the whole data folder (tests use it for a fresh store each).
pub const DATA_DIR_ENV: &str = "KEYDESK_DATA_DIR";
/// Points the store at another database (`sqlite://…` or `postgres://…`).
pub const DATABASE_URL_ENV: &str = "KEYDESK_DATABASE_URL";
/// The SQLite file's name inside the data folder.
pub const DATABASE_FILE: &str = "keydesk.sqlite3";
/// How long a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    SqliteFile(PathBuf),
    Url(String),
}

/// The URL without its password even in a `{:?}` (a `Store` in a log line or a panic).
impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::SqliteFile(path) => f.debug_tuple("SqliteFile").field(path).finish(),
            StoreLocation::Url(url) => f
                .debug_tuple("Url")
                .field(&database_url::describe(url))
                .finish(),
        }
    }
}

impl StoreLocation {
    /// The data folder: `KEYDESK_DATA_DIR` if set, otherwise the OS's app-data folder.
    pub fn data_dir(os_default: PathBuf) -> PathBuf {
        std::env::var_os(DATA_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or(os_default)
    }

    /// `KEYDESK_DATABASE_URL` if set, otherwise the SQLite file in the data folder.
    pub fn resolve(data_dir: &Path) -> StoreLocation {
        match std::env::var(DATABASE_URL_ENV) {
            Ok(url) if !url.is_empty() => StoreLocation::Url(url),
            _ => StoreLocation::SqliteFile(data_dir.join(DATABASE_FILE)),
        }
    }

    /// What to show people: the file's path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::SqliteFile(path) => path.display().to_string(),
            StoreLocation::Url(url) => database_url::describe(url),
        }
    }

    /// A database error as it may be shown: a URL store's password and sensitive parameters
    /// scrubbed from its text (a driver may quote the URL, e.g. for a mistyped scheme).
    fn connect_error(&self, err: DbErr) -> Error {
        match self {
            StoreLocation::SqliteFile(path) => {
                not_keydesk_or_store(&path.display().to_string(), err)
            }
            StoreLocation::Url(url) => {
                let mut cause = database_url::scrub(&err.to_string(), url);
                if cause.contains("certificate") {
                    cause.push_str(
                        " — the server's TLS certificate is not signed by a CA Keydesk trusts \
                         (the system's, or the one named by sslrootcert=), or it names another host",
                    );
                }
                Error::Connect {
                    store: database_url::describe(url),
                    cause,
                }
            }
        }
    }
}

/// An open, migrated store.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    location: StoreLocation,
    /// The SQLite file's device and inode when it was opened (Unix), to notice it deleted or
    /// replaced under a running Keydesk.
    file_identity: Option<(u64, u64)>,
    /// The one clock every write and every check of a secret's lifetime reads.
    clock: Clock,
    /// Who the activity names for changes made through this store (see `audit::actor`);
    /// shared by the store's clones, so a new name in Settings applies at once.
    actor: Arc<RwLock<Option<String>>>,
    /// One writer at a time within this process on a SQLite store (see `Store::write`).
    pub(crate) writer: Arc<tokio::sync::Mutex<()>>,
    /// Which installation this handle is: its OS keyring is its own, so which keyring holds
    /// which secret is recorded per machine (`keyring_entries`). The app sets the id kept in
    /// its local data folder (`vault::machine_id`); a handle opened without one is a machine of
    /// its own (a fresh random id), which is what a test's second handle stands for.
    machine_id: Arc<RwLock<String>>,
    /// Where committed changes are published (`changes`); shared by the store's clones.
    changes: crate::changes::Changes,
}

impl Store {
    /// Opens (creating if needed) and migrates the store. A database from a newer Keydesk or a
    /// file that is not a Keydesk database is refused with an error naming it.
    pub async fn open(location: StoreLocation) -> Result<Store> {
        let described = location.describe();
        let options = match &location {
            StoreLocation::SqliteFile(path) => {
                // A missing folder is made the user's alone; one that exists is left as it is —
                // the store may be named anywhere (`keydesk-cli --store`, a relative name, /tmp),
                // and the app's data folder is tightened where it is used (settings, machine id).
                if let Some(parent) = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty() && !p.exists())
                {
                    private_files::private_dir(parent).map_err(|e| Error::DataDir {
                        path: parent.to_owned(),
                        cause: e.to_string(),
                    })?;
                }
                // Created 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
                if !path.exists() {
                    private_files::create_private_file(path).map_err(|e| Error::DataDir {
                        path: path.clone(),
                        cause: e.to_string(),
                    })?;
                }
                // The file is set on the options rather than spelled in a URL, so any path works.
                let mut options = ConnectOptions::new("sqlite://keydesk.sqlite3");
                let path = path.clone();
                options.map_sqlx_sqlite_opts(move |o| {
                    sqlite_pragmas(
                        o.filename(&path)
                            .in_memory(false)
                            .shared_cache(false)
                            .create_if_missing(true),
                    )
                });
                options
            }
            StoreLocation::Url(url) => {
                let mut options = ConnectOptions::new(url.clone());
                options.map_sqlx_sqlite_opts(sqlite_pragmas);
                let mode = postgres_tls::required_mode(url).map_err(|cause| Error::Connect {
                    store: described.clone(),
                    cause,
                })?;
                if let Some(mode) = mode {
                    options.map_sqlx_postgres_opts(move |o| o.ssl_mode(mode));
                }
                options
            }
        };
        let mut options = options;
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10));

        let db = Database::connect(options)
            .await
            .map_err(|e| location.connect_error(e))?;
        let file_identity = file_identity(&location);
        let store = Store {
            db,
            location,
            file_identity,
            clock: Clock::system(),
            actor: Arc::default(),
            writer: Arc::default(),
            machine_id: Arc::new(RwLock::new(crate::secrets::new_client_id()?)),
            changes: Default::default(),
        };
        let applied = store.check_is_ours().await?;
        store.migrate(&applied).await?;
        store.make_files_private()?;
        tracing::info!(store = %described, "store opened");
        Ok(store)
    }

    /// The committed changes of every handle of this store in this process, as they happen.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<crate::changes::Change> {
        self.changes.subscribe()
    }

    /// Watches for other processes' writes to this store and publishes them with this
    /// process's own: a SQLite file's `data_version` (`changes::watch_other_processes`), or
    /// PostgreSQL's `LISTEN` (`changes::listen_to_other_processes`). Returns once watching:
    /// what other processes commit after that is heard.
    pub async fn watch_other_processes(&self) -> Option<tokio::task::JoinHandle<()>> {
        match &self.location {
            StoreLocation::SqliteFile(path) => Some(
                crate::changes::watch_other_processes(
                    path.clone(),
                    self.changes.clone(),
                    crate::changes::WATCH_EVERY,
                )
                .await,
            ),
            StoreLocation::Url(_) if self.db.get_database_backend() == DbBackend::Postgres => Some(
                crate::changes::listen_to_other_processes(
                    self.db.get_postgres_connection_pool().clone(),
                    self.changes.clone(),
                )
                .await,
            ),
            StoreLocation::Url(_) => None,
        }
    }

    pub(crate) fn changes(&self) -> &crate::changes::Changes {
        &self.changes
    }

    /// Closes every connection, so the file is complete on disk when this returns.
    pub async fn close(self) -> Result<()> {
        Ok(self.db.close().await?)
    }

    /// The SQLite file and its -wal and -shm companions, `rw-------` whatever mode an older
    /// Keydesk or the umask left them in.
    fn make_files_private(&self) -> Result<()> {
        let StoreLocation::SqliteFile(path) = &self.location else {
            return Ok(());
        };
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let file = PathBuf::from(file);
            private_files::make_private(&file).map_err(|e| Error::DataDir {
                path: file.clone(),
                cause: e.to_string(),
            })?;
        }
        Ok(())
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A team's PostgreSQL store (rather than one person's SQLite file).
    pub fn is_team(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Postgres
    }

    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The same store read through another clock (tests move a manual one).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// Debug builds only: `KEYDESK_NOW=<RFC 3339 time>` runs the store on a clock standing at
    /// that time, so an end-to-end test can look at Keydesk — the app or keydesk-server — weeks
    /// later (expiry, health, reminders, alerts). Release builds never read it.
    pub fn with_debug_clock(self) -> Store {
        #[cfg(debug_assertions)]
        if let Some(at) = std::env::var("KEYDESK_NOW")
            .ok()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        {
            tracing::info!("debug build: the store clock stands at KEYDESK_NOW");
            return self.with_clock(Clock::manual(at.to_utc()));
        }
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Names who makes the changes from now on (the technician and the computer).
    pub fn set_actor(&self, actor: Option<String>) {
        *self.actor.write().unwrap_or_else(|e| e.into_inner()) = actor;
    }

    pub fn set_machine_id(&self, machine_id: impl Into<String>) {
        *self.machine_id.write().unwrap_or_else(|e| e.into_inner()) = machine_id.into();
    }

    pub fn machine_id(&self) -> String {
        self.machine_id
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn actor(&self) -> Option<String> {
        self.actor.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Refuses to write when the SQLite file was deleted or replaced since it was opened: SQLite
    /// would write to the deleted file and the change would be lost when Keydesk closes.
    /// Every write checks this first (a `stat`, a few microseconds).
    pub fn ensure_file_in_place(&self) -> Result<()> {
        if let (StoreLocation::SqliteFile(path), Some(opened)) =
            (&self.location, self.file_identity)
        {
            if file_identity(&self.location) != Some(opened) {
                tracing::error!(store = %path.display(), "the store file was deleted or moved");
                return Err(Error::StoreMoved {
                    path: path.display().to_string(),
                });
            }
        }
        Ok(())
    }

    /// Refuses a database that has tables but no Keydesk migrations, or migrations this build
    /// does not know (written by a newer Keydesk).
    async fn check_is_ours(&self) -> Result<Vec<String>> {
        let path = self.location.describe();
        let backend = self.db.get_database_backend();
        let tables_sql = match backend {
            DbBackend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            // pg_catalog, not information_schema: the latter hides tables this user has no
            // rights on, and a database with only those would look empty and be migrated into.
            _ => {
                "SELECT c.relname::text AS name FROM pg_catalog.pg_class c \
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = current_schema()"
            }
        };
        let tables: Vec<String> = self
            .db
            .query_all_raw(Statement::from_string(backend, tables_sql))
            .await
            .map_err(|e| self.location.connect_error(e))?
            .iter()
            .filter_map(|row| row.try_get::<String>("", "name").ok())
            .collect();
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        if !tables.iter().any(|t| t == "seaql_migrations") {
            return Err(Error::NotKeydesk {
                path,
                cause: format!(
                    "it holds other tables ({}) and no Keydesk migrations",
                    tables.join(", ")
                ),
            });
        }
        let applied: Vec<String> = self
            .db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT version FROM seaql_migrations",
            ))
            .await?
            .iter()
            .filter_map(|row| row.try_get::<String>("", "version").ok())
            .collect();
        let known = known_migrations();
        match applied.iter().find(|v| !known.contains(v)) {
            Some(migration) => Err(Error::StoreTooNew {
                path,
                migration: migration.clone(),
            }),
            None => Ok(applied),
        }
    }

    /// Applies the migrations `applied` lacks. On PostgreSQL only a superuser or a member of
    /// `keydesk_owner` may (a technician's login is refused with a sentence naming who can),
    /// and once the team's rights exist the migrations run as `keydesk_owner`, so what they
    /// create belongs to the schema's owner (issue 26).
    async fn migrate(&self, applied: &[String]) -> Result<()> {
        let known = known_migrations();
        let Some(needs) = known.iter().rev().find(|m| !applied.contains(m)) else {
            return Ok(());
        };
        let fail = |e: DbErr| self.location.connect_error(e);
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Migrator::up(&self.db, None).await.map_err(fail);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) \
                     OR EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = 'keydesk_owner' \
                                 AND pg_has_role(session_user, o.oid, 'MEMBER')) AS may, \
                        EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'keydesk_owner') \
                     AND EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() \
                                 AND tablename = 'technicians') AS owned",
            ))
            .await
            .map_err(fail)?
            .ok_or_else(|| fail(DbErr::RecordNotFound("the role check".into())))?;
        let may: bool = row.try_get("", "may").map_err(fail)?;
        let owned: bool = row.try_get("", "owned").map_err(fail)?;
        if !may {
            return Err(Error::StoreOutdated {
                path: self.location.describe(),
                has: applied
                    .last()
                    .cloned()
                    .unwrap_or_else(|| "none (an empty database)".to_owned()),
                needs: needs.clone(),
            });
        }
        let txn = self.db.begin().await.map_err(fail)?;
        if owned {
            txn.execute_unprepared("SET LOCAL ROLE keydesk_owner")
                .await
                .map_err(fail)?;
        }
        Migrator::up(&txn, None).await.map_err(fail)?;
        txn.commit().await.map_err(fail)
    }
}

#[cfg(unix)]
fn file_identity(location: &StoreLocation) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    match location {
        StoreLocation::SqliteFile(path) => std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino())),
        StoreLocation::Url(_) => None,
    }
}

/// Windows does not let an open file be deleted or renamed.
#[cfg(not(unix))]
fn file_identity(_: &StoreLocation) -> Option<(u64, u64)> {
    None
}

fn sqlite_pragmas(
    o: sea_orm::sqlx::sqlite::SqliteConnectOptions,
) -> sea_orm::sqlx::sqlite::SqliteConnectOptions {
    o.journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
        // SQLite checkpoints inside the commit that takes the WAL past this many pages, and
        // that commit waits for it: its default 1,000 made the slowest answer of each hundred
        // at the token endpoint (p99 4.8–6.2 ms paced at ~2,000 tokens/s on 2 cores); smaller,
        // more frequent checkpoints keep it at 3.4–4.1 ms. (A checkpoint on a task of its own
        // was worse: 11 ms, its writes queued before every commit's fsync.)
        .pragma("wal_autocheckpoint", "200")
}

/// SQLite says "file is not a database" (code 26) for a file of another kind.
fn not_keydesk_or_store(path: &str, err: DbErr) -> Error {
    let text = err.to_string();
    if text.contains("file is not a database") || text.contains("(code: 26)") {
        Error::NotKeydesk {
            path: path.to_owned(),
            cause: "it is not an SQLite database".to_owned(),
        }
    } else {
        Error::Store(err)
    }
}
