//! What changed, told to everyone who shows it (after Yaak's model events): the write path
//! publishes each committed change, and every window, the app's page and — through the shell —
//! other listeners hear it. A change carries ids and what happened, never the rows: a listener
//! reads what it shows again.
//!
//! In this process the `Store` publishes on a broadcast channel after each commit. Another
//! process writing the same SQLite file (`keydesk-server` issuing tokens on the app's store) is
//! seen through SQLite's `PRAGMA data_version` (`watch_other_processes`), which changes when
//! any other connection commits. On PostgreSQL every commit also sends `NOTIFY
//! keydesk_changes` with the ids (delivered only if the transaction commits), and every app and
//! server on the team store `LISTEN`s (`listen_to_other_processes`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::audit::Event;

/// A secret obtained a token and its "last used" moved (bookkeeping a person sees).
pub const SECRET_USED: &str = "secret.used";
/// Another process changed the store; what exactly is not known.
pub const CHANGED_ELSEWHERE: &str = "store.changed_elsewhere";

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// None: any account may be concerned (a change made elsewhere).
    pub account_id: Option<i32>,
    pub credential_id: Option<i32>,
    /// An activity action's code (`credential.renewed`, …), `SECRET_USED` or
    /// `CHANGED_ELSEWHERE`.
    pub action: &'static str,
    /// The activity line this change recorded, as the account's activity shows it, when it
    /// was made in this process: a page adds it without asking the store again (issue 25
    /// item 2). None for bookkeeping and for changes heard from elsewhere.
    pub entry: Option<Happened>,
}

/// An activity line just recorded (`audit::ActivityEntry` without its row id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Happened {
    pub action: &'static str,
    pub label: &'static str,
    pub detail: String,
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
}

impl Change {
    /// The change `event` made, recorded by `actor` at `at`.
    pub fn recorded(event: &Event, actor: Option<&str>, at: DateTime<Utc>) -> Change {
        Change {
            account_id: event.subject.account_id,
            credential_id: event.subject.credential_id,
            action: event.action.code(),
            entry: Some(Happened {
                action: event.action.code(),
                label: event.action.label(),
                detail: event.detail.clone(),
                actor: actor.map(str::to_owned),
                at,
            }),
        }
    }

    /// A change without an activity line: any account, or the ids a notification named.
    pub fn elsewhere(account_id: Option<i32>, credential_id: Option<i32>) -> Change {
        Change {
            account_id,
            credential_id,
            action: CHANGED_ELSEWHERE,
            entry: None,
        }
    }
}

/// What this process committed that a page shows.
#[derive(Debug, Default)]
struct Local {
    events: AtomicU64,
    last_used: Mutex<Option<DateTime<Utc>>>,
}

/// The channel a store and its clones publish on.
#[derive(Debug, Clone)]
pub struct Changes {
    sender: broadcast::Sender<Change>,
    /// What this process's handles wrote that pages show: how many activity events, and the
    /// latest "last used" — so the watcher of other processes can tell what they added.
    local: Arc<Local>,
    /// Which process a PostgreSQL notification came from: its own are already published.
    instance: Arc<str>,
}

impl Default for Changes {
    fn default() -> Changes {
        // A listener more than 256 changes behind is told it lagged and reads everything again.
        let (sender, _) = broadcast::channel(256);
        Changes {
            sender,
            local: Arc::default(),
            instance: crate::secrets::new_client_id()
                .unwrap_or_else(|_| format!("{:x}", std::process::id()))
                .into(),
        }
    }
}

impl Changes {
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Called by the write path just before a commit that records `events` activity events;
    /// `not_committed` takes them back. Counted before, so the watcher of other processes never
    /// sees one of ours in the store before it is counted (it would hide another's).
    pub(crate) fn committing(&self, events: usize) {
        self.local.events.fetch_add(events as u64, Ordering::SeqCst);
    }

    pub(crate) fn not_committed(&self, events: usize) {
        self.local.events.fetch_sub(events as u64, Ordering::SeqCst);
    }

    /// Called by the write path after a commit (no listener is not an error); "last used" was
    /// set to `used_at` if given.
    pub(crate) fn committed(
        &self,
        changes: impl IntoIterator<Item = Change>,
        used_at: Option<DateTime<Utc>>,
    ) {
        if let Some(at) = used_at {
            let mut latest = self
                .local
                .last_used
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            *latest = (*latest).max(Some(at));
        }
        for change in changes {
            let _ = self.sender.send(change);
        }
    }

    /// The `NOTIFY` payload for `changes`: this process's id and the (account, credential) ids,
    /// or none at all past `NOTIFY_MAX_IDS` ("much changed": listeners read everything again).
    /// Ids only, so it stays far below PostgreSQL's 8,000-byte limit.
    pub(crate) fn notify_payload(&self, changes: &[Change]) -> String {
        let ids = (changes.len() <= NOTIFY_MAX_IDS).then(|| {
            changes
                .iter()
                .map(|c| (c.account_id, c.credential_id))
                .collect::<Vec<_>>()
        });
        serde_json::json!({"from": &*self.instance, "ids": ids}).to_string()
    }
}

/// The PostgreSQL channel every Keydesk on a team store listens on.
pub const CHANNEL: &str = "keydesk_changes";
/// More changes than this in one commit (an import) are announced without their ids.
const NOTIFY_MAX_IDS: usize = 50;

/// Publishes, as `CHANGED_ELSEWHERE` with their ids, the changes other processes commit to the
/// PostgreSQL store behind `pool`, until the returned task is aborted. `LISTEN` runs before
/// this returns (when the server answers), so nothing committed after it is missed. A dropped
/// connection is made again; what was sent meanwhile is lost, so a reconnection is published
/// as "anything may have changed".
pub async fn listen_to_other_processes(
    pool: sqlx::PgPool,
    changes: Changes,
) -> tokio::task::JoinHandle<()> {
    async fn listen(pool: &sqlx::PgPool) -> Option<sqlx::postgres::PgListener> {
        match sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => return Some(listener),
                Err(err) => tracing::warn!("LISTEN {CHANNEL} failed: {err}"),
            },
            Err(err) => tracing::warn!("changes from other technicians not heard: {err}"),
        }
        None
    }
    let first = listen(&pool).await;
    tokio::spawn(async move {
        let mut listener = match first {
            Some(listener) => listener,
            None => loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                if let Some(listener) = listen(&pool).await {
                    break listener;
                }
            },
        };
        let anything = Change::elsewhere(None, None);
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let payload: serde_json::Value =
                        serde_json::from_str(notification.payload()).unwrap_or_default();
                    if payload["from"].as_str() == Some(&*changes.instance) {
                        continue;
                    }
                    match payload["ids"].as_array() {
                        Some(ids) => {
                            for id in ids {
                                let id =
                                    |i: usize| id[i].as_i64().and_then(|v| i32::try_from(v).ok());
                                let _ = changes.sender.send(Change::elsewhere(id(0), id(1)));
                            }
                        }
                        None => {
                            let _ = changes.sender.send(anything.clone());
                        }
                    }
                }
                // The connection dropped; the next call connects again (sqlx's listener does).
                Ok(None) => {
                    let _ = changes.sender.send(anything.clone());
                }
                Err(err) => {
                    tracing::debug!("LISTEN {CHANNEL}: {err}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}

/// How often another process's writes are looked for.
pub const WATCH_EVERY: Duration = Duration::from_secs(1);

/// What the watcher last saw of the SQLite file.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    data_version: i64,
    /// The newest activity event's id.
    events: i64,
    /// The latest "last used" of any secret.
    last_used: Option<DateTime<Utc>>,
    /// How many activity events this process had written when it looked.
    ours: u64,
}

/// Looks at the file; `None` when `previous` shows the same `data_version` (nothing committed
/// by another connection since).
async fn look(
    connection: &mut sqlx::SqliteConnection,
    changes: &Changes,
    previous: Option<Seen>,
) -> std::result::Result<Option<Seen>, sqlx::Error> {
    use sqlx::Row;
    let data_version: i64 = sqlx::query("PRAGMA data_version")
        .fetch_one(&mut *connection)
        .await?
        .try_get(0)?;
    if previous.is_some_and(|p| p.data_version == data_version) {
        return Ok(None);
    }
    // Read before the store, so an event of ours committed in between counts as ours at worst
    // once too often (one redraw too many), never as someone else's missed.
    let ours = changes.local.events.load(Ordering::SeqCst);
    let row = sqlx::query(
        "SELECT (SELECT coalesce(max(id), 0) FROM audit_events), \
                (SELECT max(last_used_at) FROM credential_secrets)",
    )
    .fetch_one(&mut *connection)
    .await?;
    Ok(Some(Seen {
        data_version,
        events: row.try_get(0)?,
        last_used: row.try_get(1)?,
        ours,
    }))
}

/// Publishes `CHANGED_ELSEWHERE` whenever another process commits something a page shows to
/// the SQLite file at `path` — an activity event, or a later "last used" — looking every
/// `every`, until the returned task is aborted. `PRAGMA data_version` (one read-only connection
/// of its own: the value is per connection and moves with every other connection's commit) says
/// cheaply that something was written; then the newest activity id and "last used" say whether
/// more was written than this process itself wrote (activity ids are given in order, and this
/// process counts its own events), whatever the timing of the two.
///
/// The first look is taken before this returns: a write committed after the call is never
/// taken for the starting point (a token issued in the first second after start-up was missed
/// that way — found by CI).
pub async fn watch_other_processes(
    path: std::path::PathBuf,
    changes: Changes,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::ConnectOptions;
    let options = SqliteConnectOptions::new().filename(&path).read_only(true);
    let (mut connection, mut seen) = match options.connect().await {
        Ok(mut connection) => {
            let seen = match look(&mut connection, &changes, None).await {
                Ok(seen) => seen,
                Err(err) => {
                    tracing::debug!("the store's newest changes not read: {err}");
                    None
                }
            };
            (connection, seen)
        }
        Err(err) => {
            tracing::warn!("changes from other processes will not be seen: {err}");
            return tokio::spawn(async {});
        }
    };
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            // Read before the store, like `ours`: a "last used" this process writes meanwhile
            // counts as someone else's at worst (one redraw too many).
            let our_last_used = *changes
                .local
                .last_used
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let now = match look(&mut connection, &changes, seen).await {
                Ok(Some(now)) => now,
                Ok(None) => continue,
                Err(err) => {
                    tracing::debug!("the store's newest changes not read: {err}");
                    continue;
                }
            };
            if let Some(before) = seen {
                let added = now.events - before.events;
                // `ours` is counted before each commit (and taken back if it fails), so an event
                // of ours is never in the store uncounted: it cannot hide another's.
                let added_here = now.ours as i64 - before.ours as i64;
                let used_elsewhere = now.last_used > before.last_used.max(our_last_used);
                if added > added_here || used_elsewhere {
                    let _ = changes.sender.send(Change::elsewhere(None, None));
                }
            }
            seen = Some(now);
        }
    })
}
