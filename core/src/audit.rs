//! The activity log: every change to an account or a credential leaves an event (what, when,
//! which account, which credential). Events never carry a secret: details are built from
//! Client IDs, names and choices only.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::entities::audit_event;
use crate::{Result, Store};

/// Where an event belongs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject {
    pub account_id: Option<i32>,
    pub credential_id: Option<i32>,
}

impl Subject {
    pub fn account(account_id: i32) -> Subject {
        Subject {
            account_id: Some(account_id),
            credential_id: None,
        }
    }

    pub fn credential(account_id: i32, credential_id: i32) -> Subject {
        Subject {
            account_id: Some(account_id),
            credential_id: Some(credential_id),
        }
    }
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    subject: Subject,
    action: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    // Nothing reads the event back: one INSERT, not an INSERT and a SELECT of the new row.
    audit_event::Entity::insert(audit_event::ActiveModel {
        account_id: Set(subject.account_id),
        credential_id: Set(subject.credential_id),
        action: Set(action.to_owned()),
        detail: Set(detail.to_owned()),
        at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityEntry {
    pub id: i32,
    pub action: String,
    pub detail: String,
    pub credential_id: Option<i32>,
    pub at: DateTime<Utc>,
}

/// An account's activity, newest first.
pub async fn list_activity(
    store: &Store,
    account_id: i32,
    limit: u64,
) -> Result<Vec<ActivityEntry>> {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::AccountId.eq(account_id))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(store.connection())
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| ActivityEntry {
            id: e.id,
            action: e.action,
            detail: e.detail,
            credential_id: e.credential_id,
            at: e.at,
        })
        .collect())
}
