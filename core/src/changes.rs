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
}

impl Change {
    pub fn of(event: &Event) -> Change {
        Change {
            account_id: event.subject.account_id,
            credential_id: event.subject.credential_id,
            action: event.action.code(),
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

    /// Called by the write path after a commit (no listener is not an error): `events`
    /// activity events were recorded, and "last used" was set to `used_at` if given.
    pub(crate) fn committed(
        &self,
        changes: impl IntoIterator<Item = Change>,
        events: usize,
        used_at: Option<DateTime<Utc>>,
    ) {
        self.local.events.fetch_add(events as u64, Ordering::SeqCst);
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
/// PostgreSQL store behind `pool`, until the returned task is aborted. A dropped connection is
/// made again; what was sent meanwhile is lost, so a reconnection is published as "anything may
/// have changed".
pub fn listen_to_other_processes(
    pool: sqlx::PgPool,
    changes: Changes,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut listener = loop {
            match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => break listener,
                    Err(err) => tracing::warn!("LISTEN {CHANNEL} failed: {err}"),
                },
                Err(err) => tracing::warn!("changes from other technicians not heard: {err}"),
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        };
        let anything = Change {
            account_id: None,
            credential_id: None,
            action: CHANGED_ELSEWHERE,
        };
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
                                let _ = changes.sender.send(Change {
                                    account_id: id(0),
                                    credential_id: id(1),
                                    action: CHANGED_ELSEWHERE,
                                });
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

/// Publishes `CHANGED_ELSEWHERE` whenever another process commits something a page shows to
/// the SQLite file at `path` — an activity event, or a later "last used" — looking every
/// `every`, until the returned task is aborted. `PRAGMA data_version` (one read-only connection
/// of its own: the value is per connection and moves with every other connection's commit) says
/// cheaply that something was written; then the newest activity id and "last used" say whether
/// more was written than this process itself wrote (activity ids are given in order, and this
/// process counts its own events), whatever the timing of the two.
pub fn watch_other_processes(
    path: std::path::PathBuf,
    changes: Changes,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Row};
    tokio::spawn(async move {
        let options = SqliteConnectOptions::new().filename(&path).read_only(true);
        let mut connection = match options.connect().await {
            Ok(connection) => connection,
            Err(err) => {
                tracing::warn!("changes from other processes will not be seen: {err}");
                return;
            }
        };
        // (data_version, newest activity id, newest "last used", this process's events then)
        let mut seen: Option<(i64, i64, Option<DateTime<Utc>>, u64)> = None;
        loop {
            tokio::time::sleep(every).await;
            let version: i64 = match sqlx::query("PRAGMA data_version")
                .fetch_one(&mut connection)
                .await
                .and_then(|row| row.try_get(0))
            {
                Ok(version) => version,
                Err(err) => {
                    tracing::debug!("data_version not read: {err}");
                    continue;
                }
            };
            if seen.is_some_and(|(v, ..)| v == version) {
                continue;
            }
            // Read before the store, so an event of ours committed in between counts as ours
            // at worst once too often (one redraw too many), never as someone else's missed.
            let ours = changes.local.events.load(Ordering::SeqCst);
            let our_last_used = *changes
                .local
                .last_used
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let newest = sqlx::query(
                "SELECT (SELECT coalesce(max(id), 0) FROM audit_events), \
                        (SELECT max(last_used_at) FROM credential_secrets)",
            )
            .fetch_one(&mut connection)
            .await
            .and_then(|row| {
                Ok((
                    row.try_get::<i64, _>(0)?,
                    row.try_get::<Option<DateTime<Utc>>, _>(1)?,
                ))
            });
            let (events, last_used) = match newest {
                Ok(newest) => newest,
                Err(err) => {
                    tracing::debug!("the store's newest changes not read: {err}");
                    continue;
                }
            };
            if let Some((_, seen_events, seen_last_used, seen_ours)) = seen {
                let added = events - seen_events;
                let added_here = i64::try_from(ours - seen_ours).unwrap_or(i64::MAX);
                let used_elsewhere = last_used > seen_last_used.max(our_last_used);
                if added > added_here || used_elsewhere {
                    let _ = changes.sender.send(Change {
                        account_id: None,
                        credential_id: None,
                        action: CHANGED_ELSEWHERE,
                    });
                }
            }
            seen = Some((version, events, last_used, ours));
        }
    })
}
