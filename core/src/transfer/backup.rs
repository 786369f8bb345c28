//! Backups of an SQLite store: a consistent copy taken while Keydesk runs (`VACUUM INTO`, one
//! read transaction, so writes made meanwhile are either wholly in it or not at all), a daily
//! automatic one in the data folder keeping the last seven, and restoring one: the file is
//! checked (intact, a Keydesk store, not from a newer Keydesk, nothing in its schema but
//! Keydesk's), staged with the current store's ends carried into it (a restore never brings
//! back a secret renewed or deleted since, nor a revoked token), and put in place at the next
//! start with the current store kept aside. A PostgreSQL store is backed up by its
//! database server (pg_dump), not by Keydesk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use sea_orm_migration::MigratorTrait;
use serde::Serialize;

use crate::audit::{Action, Event, Subject};
use crate::credentials::live;
use crate::entities::{access_token, audit_event, credential, credential_secret};
use crate::migration::{known_migrations, Migrator};
use crate::private_files;
use crate::{Error, Result, Store, StoreLocation};

/// The folder of the automatic backups, inside the data folder.
pub const BACKUP_DIR: &str = "backups";
/// How many daily backups are kept.
pub const KEEP_DAILY: usize = 7;
/// A checked backup waiting for the next start to replace the store.
pub const STAGED_RESTORE: &str = "restore-pending.sqlite3";

fn refused(rule: impl Into<String>) -> Error {
    Error::invalid("path", "The backup", rule)
}

fn io_failure(path: &Path, err: std::io::Error) -> Error {
    Error::DataDir {
        path: path.to_owned(),
        cause: err.to_string(),
    }
}

/// Says why a store cannot be backed up by Keydesk (PostgreSQL), or gives its file.
fn sqlite_file(store: &Store) -> Result<&Path> {
    match store.location() {
        StoreLocation::SqliteFile(path) => Ok(path),
        StoreLocation::Url(_) => Err(Error::invalid(
            "path",
            "Backups",
            "this store is a PostgreSQL database: back it up with the database's own tools \
             (pg_dump), as its administrator does",
        )),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub path: String,
    pub bytes: u64,
    pub accounts: i64,
}

/// Where `path` leads: the file a link there names, or (when nothing is there yet) the name in
/// its folder with the folder's links and `..` resolved.
fn resolved(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok().or_else(|| {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(folder).ok()?.join(path.file_name()?))
    })
}

/// Whether writing to `dest` would replace the store file `store` (or its -wal or -shm, or a
/// restore waiting beside it), however the path is spelled: `<data>/../data/keydesk.sqlite3`,
/// a linked folder, a link to the file.
fn is_the_store(dest: &Path, store: &Path) -> bool {
    if dest == store {
        return true;
    }
    let (Some(dest), Some(store)) = (resolved(dest), resolved(store)) else {
        return false;
    };
    let folder = store.parent().unwrap_or(Path::new("/"));
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| private_files::with_suffix(&store, suffix))
        .chain([folder.join(STAGED_RESTORE)])
        .any(|file| file == dest)
}

/// Writes a consistent copy of the store to `dest` (replacing a file there), private to this
/// user from its first byte. Writes may go on meanwhile. The copy is made in the store's own
/// (private) folder, checked, then renamed into place, or copied into a new private
/// `<dest>.part` first when `dest` is on another disk; a link planted at `dest` or at
/// `<dest>.part` is replaced or removed, never written through.
pub async fn back_up(store: &Store, dest: &Path) -> Result<BackupInfo> {
    let source = sqlite_file(store)?;
    if is_the_store(dest, source) {
        return Err(refused(format!(
            "{} cannot be the store itself (or a file beside it that Keydesk uses)",
            dest.display()
        )));
    }
    let folder = source.parent().unwrap_or(Path::new("."));
    let temporary = folder.join(format!(
        "backup-{}.sqlite3.part",
        crate::secrets::new_client_id()?
    ));
    // Empty and 0600: SQLite writes into it rather than creating the file with its own mode.
    private_files::create_new_private(&temporary).map_err(|e| io_failure(&temporary, e))?;
    let written = async {
        let quoted = temporary.to_string_lossy().replace('\'', "''");
        store
            .connection()
            .execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
            .await?;
        let check = check_file(&temporary, &dest.display().to_string()).await?;
        publish(&temporary, dest)?;
        Ok::<_, Error>(check)
    }
    .await;
    remove_store_files(&temporary);
    let check = written?;
    Ok(BackupInfo {
        path: dest.display().to_string(),
        bytes: std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0),
        accounts: check.accounts,
    })
}

/// Moves the finished copy `temporary` to `dest`: a rename, or across disks a copy into a new
/// private `<dest>.part` renamed over `dest`.
fn publish(temporary: &Path, dest: &Path) -> Result<()> {
    if std::fs::rename(temporary, dest).is_ok() {
        return Ok(());
    }
    let part = private_files::with_suffix(dest, ".part");
    let copied = private_files::remove_if_there(&part)
        .and_then(|()| private_files::copy_private(temporary, &part))
        .and_then(|_| std::fs::rename(&part, dest));
    if let Err(err) = copied {
        let _ = std::fs::remove_file(&part);
        return Err(io_failure(dest, err));
    }
    Ok(())
}

/// The daily backups in `data_dir/backups`, oldest first.
pub fn daily_backups(data_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(data_dir.join(BACKUP_DIR)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("keydesk-") && n.ends_with(".sqlite3"))
        })
        .collect();
    found.sort();
    found
}

/// Takes today's automatic backup unless there is one, then keeps only the last seven.
/// Returns the new backup's path.
pub async fn daily_backup(store: &Store, data_dir: &Path) -> Result<Option<PathBuf>> {
    sqlite_file(store)?;
    let dir = data_dir.join(BACKUP_DIR);
    private_files::private_dir(&dir).map_err(|e| io_failure(&dir, e))?;
    let day = store.now().with_timezone(&Local).format("%Y-%m-%d");
    let dest = dir.join(format!("keydesk-{day}.sqlite3"));
    let taken = if dest.exists() {
        None
    } else {
        back_up(store, &dest).await?;
        Some(dest)
    };
    let all = daily_backups(data_dir);
    for old in all.iter().take(all.len().saturating_sub(KEEP_DAILY)) {
        std::fs::remove_file(old).map_err(|e| io_failure(old, e))?;
    }
    Ok(taken)
}

/// What a backup holds, once it passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupCheck {
    pub path: String,
    pub accounts: i64,
    /// The newest migration in it (the Keydesk version that wrote it, roughly).
    pub migration: String,
    /// Secrets live in the backup that were renewed, revoked, past their end or deleted since
    /// in the current store: they stay ended in the restored one.
    pub stay_ended: u64,
    /// Credentials deleted since the backup: they stay deleted.
    pub stay_deleted: u64,
    /// Access tokens revoked since the backup: they stay revoked.
    pub stay_revoked: u64,
}

/// Opens `path` read-only and checks it: an intact SQLite file (`PRAGMA integrity_check`), a
/// Keydesk store, written by this Keydesk or an older one, whose schema is exactly what that
/// Keydesk's migrations make (no extra triggers, views, tables or indexes).
pub async fn check_backup(path: &Path) -> Result<BackupCheck> {
    check_file(path, &path.display().to_string()).await
}

/// `check_backup` of `path`, naming it `shown` (the file the person chose, of which `path` is
/// Keydesk's private copy).
async fn check_file(path: &Path, shown: &str) -> Result<BackupCheck> {
    let shown = shown.to_owned();
    let metadata = std::fs::metadata(path).map_err(|e| refused(format!("{shown}: {e}")))?;
    if !metadata.is_file() {
        return Err(refused(format!("{shown} is not a file")));
    }
    let mut options = ConnectOptions::new("sqlite://backup.sqlite3");
    let file = path.to_owned();
    options
        .max_connections(1)
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(move |o| {
            o.filename(&file)
                .read_only(true)
                .create_if_missing(false)
                .immutable(true)
        });
    let db = Database::connect(options)
        .await
        .map_err(|e| refused(format!("{shown} cannot be opened: {e}")))?;
    let checked = async {
        let query = |sql: &str| db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql));
        let integrity = query("PRAGMA integrity_check").await.map_err(|e| {
            let text = e.to_string();
            if text.contains("not a database") || text.contains("(code: 26)") {
                refused(format!(
                    "{shown} is not a Keydesk backup: it is not an SQLite database"
                ))
            } else {
                refused(format!("{shown} cannot be read: {text}"))
            }
        })?;
        let verdict: Vec<String> = integrity
            .iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .collect();
        if verdict != ["ok"] {
            return Err(refused(format!(
                "{shown} is damaged (SQLite's integrity check: {})",
                verdict.join("; ")
            )));
        }
        let tables: Vec<String> = query("SELECT name FROM sqlite_master WHERE type = 'table'")
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String>("", "name").ok())
            .collect();
        if !["seaql_migrations", "accounts", "contact_information"]
            .iter()
            .all(|t| tables.iter().any(|have| have == t))
        {
            return Err(refused(format!(
                "{shown} is not a Keydesk backup (it has no Keydesk tables)"
            )));
        }
        let mut applied: Vec<String> = query("SELECT version FROM seaql_migrations")
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String>("", "version").ok())
            .collect();
        applied.sort();
        let known = known_migrations();
        if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
            return Err(refused(format!(
                "{shown} was written by a newer Keydesk (it has migration {newer}); install that \
                 version to restore it"
            )));
        }
        if known.get(..applied.len()) != Some(&applied[..]) {
            let missing = known
                .iter()
                .find(|k| !applied.contains(k))
                .cloned()
                .unwrap_or_default();
            return Err(refused(format!(
                "{shown} is not a Keydesk backup: its migrations skip {missing}"
            )));
        }
        let differences = schema_differences(&db, applied.len()).await?;
        if !differences.is_empty() {
            return Err(refused(format!(
                "{shown} is not a plain Keydesk backup: its schema differs from Keydesk's ({}); \
                 it may have been tampered with",
                differences.join("; ")
            )));
        }
        let accounts: i64 = query("SELECT COUNT(*) FROM accounts")
            .await?
            .first()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0);
        Ok(BackupCheck {
            path: shown.clone(),
            accounts,
            migration: applied.last().cloned().unwrap_or_default(),
            stay_ended: 0,
            stay_deleted: 0,
            stay_revoked: 0,
        })
    }
    .await;
    let _ = db.close().await;
    checked
}

/// Tables SQLite makes itself (`ANALYZE`'s statistics, AUTOINCREMENT's counters): a store may
/// have them or not, and they hold no code.
const SQLITE_INTERNAL: &[&str] = &["sqlite_sequence", "sqlite_stat1", "sqlite_stat4"];

/// One schema object as `sqlite_master` describes it: (type, name) → (table, SQL with its
/// whitespace collapsed).
type Schema = BTreeMap<(String, String), (String, String)>;

async fn schema_of(db: &DatabaseConnection) -> Result<Schema> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT type, name, tbl_name, sql FROM sqlite_master",
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let kind = r.try_get::<String>("", "type").ok()?;
            let name = r.try_get::<String>("", "name").ok()?;
            let table = r.try_get::<String>("", "tbl_name").unwrap_or_default();
            let sql = r.try_get::<Option<String>>("", "sql").ok().flatten();
            let sql = sql
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            Some(((kind, name), (table, sql)))
        })
        .filter(|((_, name), _)| !SQLITE_INTERNAL.contains(&name.as_str()))
        .collect())
}

/// What `db`'s schema has that a store freshly migrated to the same `migrations` (the first
/// that many Keydesk knows) does not, lacks, or defines otherwise: "trigger keep_alive on
/// credential_secrets", "table notes", … Triggers and views in a backup would run inside the
/// restored store (undoing a revocation, say); nothing but Keydesk's own schema is let in.
async fn schema_differences(db: &DatabaseConnection, migrations: usize) -> Result<Vec<String>> {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let fresh = Database::connect(options).await?;
    let expected = async {
        Migrator::up(&fresh, Some(migrations as u32)).await?;
        schema_of(&fresh).await
    }
    .await;
    let _ = fresh.close().await;
    let expected = expected?;
    let found = schema_of(db).await?;
    let named = |(kind, name): &(String, String), table: &str| {
        if kind == "table" || table.is_empty() || table == name {
            format!("{kind} {name}")
        } else {
            format!("{kind} {name} on {table}")
        }
    };
    let mut differences = Vec::new();
    for (key, (table, sql)) in &found {
        match expected.get(key) {
            None => differences.push(format!("extra {}", named(key, table))),
            Some((_, want)) if want != sql => {
                differences.push(format!("{} is defined differently", named(key, table)))
            }
            Some(_) => {}
        }
    }
    for (key, (table, _)) in &expected {
        if !found.contains_key(key) {
            differences.push(format!("no {}", named(key, table)));
        }
    }
    Ok(differences)
}

/// What a restore keeps ended that the backup had live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Carried {
    pub secrets: u64,
    pub credentials: u64,
    pub tokens: u64,
}

/// The earlier of two ends, None being "no end".
fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether `into` is an older state of `from`: `from`'s activity holds `into`'s newest event
/// as it is (same id, action, time and detail). Then a credential missing from `from` was
/// deleted after the backup (on its own or with its account).
async fn descends_from(from: &DatabaseConnection, into: &impl ConnectionTrait) -> Result<bool> {
    let Some(newest) = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .one(into)
        .await?
    else {
        return Ok(false);
    };
    Ok(audit_event::Entity::find_by_id(newest.id)
        .one(from)
        .await?
        .is_some_and(|e| {
            e.action == newest.action && e.at == newest.at && e.detail == newest.detail
        }))
}

/// Carries the ends recorded in `from` (the store being replaced) into `into` (the backup about
/// to replace it), so a restore never brings back what was ended: a secret revoked, renewed or
/// past its end stays so (matched by digest, its ends never later than `from`'s), a credential
/// deleted since stays deleted (with its secrets and tokens), a revoked token stays revoked.
/// Nothing is ever made live by this: it only moves ends earlier and removes. `now` decides
/// which secrets the count says were live in the backup and are not any more.
pub async fn carry_ends(
    from: &DatabaseConnection,
    into: &Store,
    now: DateTime<Utc>,
) -> Result<Carried> {
    let mut carried = Carried::default();
    let ended: HashMap<String, credential_secret::Model> = credential_secret::Entity::find()
        .filter(
            Condition::any()
                .add(credential_secret::Column::RevokedAt.is_not_null())
                .add(credential_secret::Column::ExpiresAt.is_not_null())
                .add(credential_secret::Column::LifetimeEndsAt.is_not_null()),
        )
        .all(from)
        .await?
        .into_iter()
        .map(|s| (s.digest.clone(), s))
        .collect();
    let in_from: HashSet<String> = credential::Entity::find()
        .select_only()
        .column(credential::Column::ClientId)
        .into_tuple::<String>()
        .all(from)
        .await?
        .into_iter()
        .collect();
    let deletions: Vec<audit_event::Model> = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(Action::CredentialDeleted.code()))
        .all(from)
        .await?;
    let revoked: HashMap<String, DateTime<Utc>> = access_token::Entity::find()
        .filter(access_token::Column::RevokedAt.is_not_null())
        .all(from)
        .await?
        .into_iter()
        .filter_map(|t| Some((t.digest, t.revoked_at?)))
        .collect();

    let write = into.write().await?;
    let db = write.db();
    let lineage = descends_from(from, db).await?;
    let mut events = Vec::new();
    for c in credential::Entity::find().all(db).await? {
        if in_from.contains(&c.client_id) {
            continue;
        }
        let named = format!("Client ID {} ", c.client_id);
        let deleted = lineage
            || deletions
                .iter()
                .any(|e| e.credential_id == Some(c.id) && e.detail.starts_with(&named));
        if !deleted {
            // Not this store's history (a backup of another installation): left as it is.
            continue;
        }
        carried.secrets += credential_secret::Entity::find()
            .filter(credential_secret::Column::CredentialId.eq(c.id))
            .filter(live(now))
            .count(db)
            .await?;
        access_token::Entity::delete_many()
            .filter(access_token::Column::CredentialId.eq(c.id))
            .exec(db)
            .await?;
        credential_secret::Entity::delete_many()
            .filter(credential_secret::Column::CredentialId.eq(c.id))
            .exec(db)
            .await?;
        credential::Entity::delete_by_id(c.id).exec(db).await?;
        carried.credentials += 1;
        events.push(
            Event::new(
                Subject::credential(c.account_id, c.id),
                Action::CredentialDeleted,
                format!(
                    "Client ID {} for {} ({}): deleted after the backup this store was restored \
                     from, so it stays deleted",
                    c.client_id, c.application, c.email
                ),
            )
            .with_search_term(&c.client_id),
        );
    }
    for s in credential_secret::Entity::find().all(db).await? {
        let Some(end) = ended.get(&s.digest) else {
            continue;
        };
        let mut kept = s.clone();
        kept.expires_at = earliest(s.expires_at, end.expires_at);
        kept.revoked_at = earliest(s.revoked_at, end.revoked_at);
        kept.lifetime_ends_at = earliest(s.lifetime_ends_at, end.lifetime_ends_at);
        if kept == s {
            continue;
        }
        if s.is_live(now) && !kept.is_live(now) {
            carried.secrets += 1;
        }
        credential_secret::Entity::update_many()
            .col_expr(
                credential_secret::Column::ExpiresAt,
                Expr::value(kept.expires_at),
            )
            .col_expr(
                credential_secret::Column::RevokedAt,
                Expr::value(kept.revoked_at),
            )
            .col_expr(
                credential_secret::Column::LifetimeEndsAt,
                Expr::value(kept.lifetime_ends_at),
            )
            .filter(credential_secret::Column::Id.eq(s.id))
            .exec(db)
            .await?;
    }
    let digests: Vec<&String> = revoked.keys().collect();
    for chunk in digests.chunks(500) {
        let live_tokens = access_token::Entity::find()
            .filter(access_token::Column::RevokedAt.is_null())
            .filter(access_token::Column::Digest.is_in(chunk.iter().map(|d| d.as_str())))
            .all(db)
            .await?;
        for t in live_tokens {
            access_token::Entity::update_many()
                .col_expr(
                    access_token::Column::RevokedAt,
                    Expr::value(revoked[&t.digest]),
                )
                .filter(access_token::Column::Id.eq(t.id))
                .exec(db)
                .await?;
            carried.tokens += 1;
        }
    }
    if events.is_empty() {
        write.commit_bookkeeping().await?;
    } else {
        write.commit_all(&events).await?;
    }
    Ok(carried)
}

/// Opens the copy at `part` as a store (migrating it to this Keydesk) and carries `store`'s
/// ends into it.
async fn carry_into_copy(store: &Store, part: &Path, check: &mut BackupCheck) -> Result<()> {
    let copy = Store::open(StoreLocation::SqliteFile(part.to_owned())).await?;
    let carried = carry_ends(store.connection(), &copy, store.now()).await;
    copy.close().await?;
    let carried = carried?;
    check.stay_ended = carried.secrets;
    check.stay_deleted = carried.credentials;
    check.stay_revoked = carried.tokens;
    Ok(())
}

/// Checks `backup` and copies it beside the store, to replace it at the next start
/// (`apply_staged_restore`): the running store is never swapped under open connections.
pub async fn stage_restore(store: &Store, backup: &Path) -> Result<BackupCheck> {
    let source = sqlite_file(store)?;
    let dir = source.parent().unwrap_or(Path::new("."));
    let staged = dir.join(STAGED_RESTORE);
    let part = private_files::with_suffix(&staged, ".part");
    let prepared = prepare_restore(store, backup, &part)
        .await
        .and_then(|check| {
            std::fs::rename(&part, &staged).map_err(|e| io_failure(&staged, e))?;
            Ok(check)
        });
    if prepared.is_err() {
        remove_store_files(&part);
    }
    prepared
}

/// What a restore of `backup` would do, for the confirmation ("3 secrets renewed or deleted
/// since this backup stay ended"): the same checks and carrying as `stage_restore`, on a copy
/// that is then thrown away.
pub async fn preview_restore(store: &Store, backup: &Path) -> Result<BackupCheck> {
    let source = sqlite_file(store)?;
    let dir = source.parent().unwrap_or(Path::new("."));
    let part = dir.join("restore-preview.sqlite3.part");
    let previewed = prepare_restore(store, backup, &part).await;
    remove_store_files(&part);
    previewed
}

/// Copies `backup` to `part` in the store's private folder first (a new 0600 file), then checks
/// and updates that copy: the chosen path is read once, so a file swapped in after a check is
/// never what is restored.
async fn prepare_restore(store: &Store, backup: &Path, part: &Path) -> Result<BackupCheck> {
    let shown = backup.display().to_string();
    remove_store_files(part);
    private_files::copy_private(backup, part).map_err(|e| refused(format!("{shown}: {e}")))?;
    let mut check = check_file(part, &shown).await?;
    carry_into_copy(store, part, &mut check).await?;
    Ok(check)
}

/// Removes an SQLite file and its -wal, -shm and -journal, if there.
fn remove_store_files(file: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

/// At start, before the store opens: puts a staged backup in place of the store file, which
/// is kept aside (with its -wal and -shm) as `keydesk-before-restore-<time>.sqlite3`. The ends
/// recorded in the store since the backup was staged are carried into it once more (a token
/// revoked at the token endpoint meanwhile, say). Returns the path it was kept under; None when
/// nothing was staged. A staged backup that cannot be brought up to date is moved aside as
/// `restore-failed-<time>.sqlite3` and the store is left as it was.
pub async fn apply_staged_restore(store_file: &Path) -> Result<Option<PathBuf>> {
    let dir = store_file.parent().unwrap_or(Path::new("."));
    let staged = dir.join(STAGED_RESTORE);
    if !staged.exists() {
        return Ok(None);
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    if store_file.exists() {
        let carried = async {
            let current = Store::open(StoreLocation::SqliteFile(store_file.to_owned())).await?;
            let restored = Store::open(StoreLocation::SqliteFile(staged.clone())).await;
            let carried = match &restored {
                Ok(restored) => carry_ends(current.connection(), restored, Utc::now()).await,
                Err(_) => Ok(Carried::default()),
            };
            if let Ok(restored) = restored {
                restored.close().await?;
            }
            current.close().await?;
            carried
        }
        .await;
        match carried {
            Ok(carried) => tracing::info!(
                secrets = carried.secrets,
                credentials = carried.credentials,
                tokens = carried.tokens,
                "ends carried into the restored store"
            ),
            Err(err) => {
                let failed = dir.join(format!("restore-failed-{stamp}.sqlite3"));
                let _ = std::fs::rename(&staged, &failed);
                for suffix in ["-wal", "-shm"] {
                    let mut path = staged.as_os_str().to_owned();
                    path.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(path));
                }
                tracing::error!(kept = %failed.display(), "the restore was not applied: {err}");
                return Err(err);
            }
        }
    }
    let aside = dir.join(format!("keydesk-before-restore-{stamp}.sqlite3"));
    for suffix in ["", "-wal", "-shm"] {
        let mut from = store_file.as_os_str().to_owned();
        from.push(suffix);
        let from = PathBuf::from(from);
        if from.exists() {
            let mut to = aside.as_os_str().to_owned();
            to.push(suffix);
            std::fs::rename(&from, PathBuf::from(to)).map_err(|e| io_failure(&from, e))?;
        }
    }
    std::fs::rename(&staged, store_file).map_err(|e| io_failure(store_file, e))?;
    tracing::info!(kept = %aside.display(), "restored the store from a backup");
    Ok(Some(aside))
}
