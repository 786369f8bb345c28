//! The activity log: every change to an account (and later a credential) leaves an event.
//! Events carry what happened and to which record; never a field's secret value.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::entities::audit_event;
use crate::Result;

pub async fn record<C: ConnectionTrait>(
    db: &C,
    account_id: Option<i32>,
    action: &str,
    detail: &str,
) -> Result<()> {
    audit_event::ActiveModel {
        account_id: Set(account_id),
        action: Set(action.to_owned()),
        detail: Set(detail.to_owned()),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
