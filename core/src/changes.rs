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
use std::sync::Arc;
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

/// The channel a store and its clones publish on.
#[derive(Debug, Clone)]
pub struct Changes {
    sender: broadcast::Sender<Change>,
    /// Commits made through this process's handles, so the watcher of other processes can tell
    /// a `data_version` that moved because of them from one another process moved.
    local_commits: Arc<AtomicU64>,
    /// Which process a PostgreSQL notification came from: its own are already published.
    instance: Arc<str>,
}

impl Default for Changes {
    fn default() -> Changes {
        // A listener more than 256 changes behind is told it lagged and reads everything again.
        let (sender, _) = broadcast::channel(256);
        Changes {
            sender,
            local_commits: Arc::default(),
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

    /// Called by the write path after a commit (no listener is not an error).
    pub(crate) fn committed(&self, changes: impl IntoIterator<Item = Change>) {
        self.local_commits.fetch_add(1, Ordering::SeqCst);
        for change in changes {
            let _ = self.sender.send(change);
        }
    }

    fn local_commits(&self) -> u64 {
        self.local_commits.load(Ordering::SeqCst)
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

/// Publishes `CHANGED_ELSEWHERE` whenever another process commits to the SQLite file at `path`,
/// looking every `every`, until the returned task is aborted. One read-only connection of its
/// own (`data_version` is per connection and counts every other connection's commits); a look
/// in which this process also committed is taken as its own, so the page is not drawn twice
/// for one change (a write from elsewhere in that same second is seen with the next one).
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
        let mut last: Option<(i64, u64)> = None;
        loop {
            let local = changes.local_commits();
            let version: i64 = match sqlx::query("PRAGMA data_version")
                .fetch_one(&mut connection)
                .await
                .and_then(|row| row.try_get(0))
            {
                Ok(version) => version,
                Err(err) => {
                    tracing::debug!("data_version not read: {err}");
                    tokio::time::sleep(every).await;
                    continue;
                }
            };
            if let Some((seen, seen_local)) = last {
                if version != seen && local == seen_local {
                    let _ = changes.sender.send(Change {
                        account_id: None,
                        credential_id: None,
                        action: CHANGED_ELSEWHERE,
                    });
                }
            }
            last = Some((version, changes.local_commits().max(local)));
            tokio::time::sleep(every).await;
        }
    })
}
