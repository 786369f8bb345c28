//! The one way to change the store. A writer asks the store for a `Write`, does its work on
//! `write.db()` and hands its activity events to `commit`; the write path owns the rest: the
//! check that the store file is still in place, the transaction, the time (the store's clock),
//! recording the events with who made them (the store's actor) and rebuilding the search terms of every account the events say changed
//! what it is found or sorted by. A writer never spells those out, so it cannot forget them.
//!
//! Dropping a `Write` without committing rolls everything back.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::audit::{self, Event};
use crate::{search, Result, Store};

pub struct Write {
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    actor: Option<String>,
}

impl Store {
    /// Starts a change: refuses when the store file was moved or deleted under Keydesk, then
    /// opens a transaction stamped with the store clock's time.
    pub async fn write(&self) -> Result<Write> {
        self.ensure_file_in_place()?;
        let now = self.now();
        let txn = self.connection().begin().await?;
        Ok(Write {
            txn,
            now,
            actor: self.actor(),
        })
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
        let reindexed: BTreeSet<i32> = events
            .iter()
            .filter(|e| e.action.changes_search())
            .filter_map(|e| e.subject.account_id)
            .collect();
        search::reindex(&self.txn, &reindexed).await?;
        self.txn.commit().await?;
        Ok(())
    }

    /// Commits bookkeeping that is not a change to an account's information and so leaves no
    /// event: which account was opened last, which are pinned.
    pub async fn commit_bookkeeping(self) -> Result<()> {
        self.txn.commit().await?;
        Ok(())
    }
}
