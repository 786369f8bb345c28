//! The one way to change the store. A writer asks the store for a `Write`, does its work on
//! `write.db()` and hands its activity events to `commit`; the write path owns the rest: the
//! check that the store file is still in place, the transaction, the time (the store's clock),
//! recording the events with who made them (the store's actor) and rebuilding the search terms of every account the events say changed
//! what it is found or sorted by. A writer never spells those out, so it cannot forget them.
//!
//! Dropping a `Write` without committing rolls everything back.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};
use tokio::sync::OwnedMutexGuard;

use crate::audit::{self, Action, Event};
use crate::changes::{Change, Changes};
use crate::store::BUSY_TIMEOUT;
use crate::{search, Result, Store};

pub struct Write {
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    actor: Option<String>,
    changes: Changes,
    /// Held until the transaction ends (dropped after it: fields drop in order).
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Store {
    /// Starts a change: refuses when the store file was moved or deleted under Keydesk, then
    /// opens a transaction stamped with the store clock's time.
    pub async fn write(&self) -> Result<Write> {
        self.ensure_file_in_place()?;
        let turn = self.writer_turn().await;
        // To the microsecond (the clock's): a change answers with the rows it wrote (renew's
        // view) exactly as either store reads them back later.
        let now = self.now();
        let txn = self.connection().begin().await?;
        Ok(Write {
            txn,
            now,
            actor: self.actor(),
            changes: self.changes().clone(),
            _turn: turn,
        })
    }

    /// SQLite has one writer at a time; a second one that finds the file locked sleeps in
    /// SQLite's busy handler (1, 2, 5, 10 … 100 ms) and is not woken when the lock frees, so
    /// under concurrent writes (the token endpoint) latency went to 100 ms. Writers of this
    /// process take turns here instead and start the moment the previous one ends. Bounded by
    /// the busy timeout: a writer that waits that long goes on and lets SQLite decide, so a
    /// missed turn can never hang a write. PostgreSQL locks rows, not the database: no turns.
    async fn writer_turn(&self) -> Option<OwnedMutexGuard<()>> {
        if self.connection().get_database_backend() != DbBackend::Sqlite {
            return None;
        }
        tokio::time::timeout(BUSY_TIMEOUT, self.writer.clone().lock_owned())
            .await
            .ok()
    }
}

impl Write {
    /// Where the writer's statements go: inside the transaction.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The time of this change, the same for every row it writes.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Records the change's event, brings the search index up to date and commits.
    pub async fn commit(self, event: Event) -> Result<()> {
        self.commit_all(std::slice::from_ref(&event)).await
    }

    /// The same for a batch (the demo seeder, imports): one transaction, all or nothing.
    pub async fn commit_all(self, events: &[Event]) -> Result<()> {
        audit::record(&self.txn, events, self.actor.as_deref(), self.now).await?;
        let mut reindexed = BTreeSet::new();
        for event in events.iter().filter(|e| e.action.changes_search()) {
            let Some(account_id) = event.subject.account_id else {
                continue;
            };
            match (event.action, &event.search_term) {
                (Action::CredentialGenerated, Some(term)) => {
                    search::add_term(&self.txn, account_id, term).await?
                }
                (Action::CredentialDeleted, Some(term)) => {
                    search::remove_term(&self.txn, account_id, term).await?
                }
                _ => {
                    reindexed.insert(account_id);
                }
            }
        }
        // After the single terms: a rebuild of the same account includes them anyway.
        search::reindex(&self.txn, &reindexed).await?;
        let actor = self.actor.as_deref();
        let changes = events
            .iter()
            .map(|e| Change::recorded(e, actor, self.now))
            .collect();
        self.finish(changes, events.len(), None).await
    }

    /// Commits bookkeeping that is not a change to an account's information and so leaves no
    /// event: which account was opened last, which are pinned.
    pub async fn commit_bookkeeping(self) -> Result<()> {
        self.finish(Vec::new(), 0, None).await
    }

    /// Commits a secret's new "last used", which a person sees all the same: no activity
    /// event, but the change is published.
    pub async fn commit_used(self, changes: impl IntoIterator<Item = Change>) -> Result<()> {
        let changes: Vec<Change> = changes.into_iter().collect();
        let used_at = (!changes.is_empty()).then_some(self.now);
        self.finish(changes, 0, used_at).await
    }

    /// Commits, then tells this process's listeners; on PostgreSQL the commit itself also tells
    /// every other process (`NOTIFY` is delivered only when the transaction commits).
    async fn finish(
        self,
        changes: Vec<Change>,
        events: usize,
        used_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        if !changes.is_empty() && self.txn.get_database_backend() == DbBackend::Postgres {
            let payload = self.changes.notify_payload(&changes);
            self.txn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [crate::changes::CHANNEL.into(), payload.into()],
                ))
                .await?;
        }
        self.changes.committing(events);
        if let Err(err) = self.txn.commit().await {
            self.changes.not_committed(events);
            return Err(err.into());
        }
        self.changes.committed(changes, used_at);
        Ok(())
    }
}
