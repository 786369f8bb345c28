//! WAL checkpoints off the write path. SQLite's automatic checkpoint runs inside the commit
//! that pushes the WAL past 1,000 pages: that commit copies the WAL back into the database and
//! waits for its fsync, and under the token endpoint's steady writes it was the slowest answer
//! of each hundred (p99 4.8–6.2 ms against 3.4–3.6 ms without, paced at ~2,000 tokens/s on 2
//! cores). So connections do not checkpoint on commit (`wal_autocheckpoint=0`); this task does,
//! a moment after writes (PASSIVE: it never blocks a reader or a writer), and SQLite itself
//! when the last connection closes.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long after a write the checkpoint runs: writes in between share it.
const AFTER_WRITES: Duration = Duration::from_millis(500);

/// Ends the task when the last handle on the store is gone.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    written: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Checkpointer {
    pub(crate) fn start(db: DatabaseConnection) -> Checkpointer {
        let written = Arc::new(Notify::new());
        let wake = Arc::clone(&written);
        let task = tokio::spawn(async move {
            loop {
                wake.notified().await;
                tokio::time::sleep(AFTER_WRITES).await;
                if let Err(err) = db
                    .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                    .await
                {
                    // A closed store ends the task; anything else is tried again after the
                    // next write (the WAL only grows meanwhile).
                    if matches!(err, sea_orm::DbErr::ConnectionAcquire(_)) {
                        return;
                    }
                    tracing::warn!("WAL checkpoint: {err}");
                }
            }
        });
        Checkpointer { written, task }
    }

    /// A write committed: checkpoint soon.
    pub(crate) fn written(&self) {
        self.written.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
