//! Work across several accounts at once (chosen one by one, or all with a tag): add or remove
//! a tag, or delete them. Each account is its own change through the usual path, so one
//! refusal (an account deleted meanwhile, one with too many tags) stops nothing else, and the
//! result says, per account, done or refused and why. No bulk renew, by design.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::accounts::delete_account;
use crate::entities::contact;
use crate::tags::{account_tags, add_tag, normalize_tag, remove_tag};
use crate::{Keydesk, Result, Store};

/// The most accounts one bulk action takes.
pub const MAX_BULK: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "tag", rename_all = "snake_case")]
pub enum BulkAction {
    AddTag(String),
    RemoveTag(String),
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkTarget {
    pub id: i32,
    pub company_name: String,
}

/// The accounts an action would touch, by company name, for its one confirmation.
pub async fn bulk_targets(store: &Store, account_ids: &[i32]) -> Result<Vec<BulkTarget>> {
    let mut targets = Vec::new();
    for chunk in account_ids.chunks(500) {
        targets.extend(
            contact::Entity::find()
                .select_only()
                .column(contact::Column::AccountId)
                .column(contact::Column::CompanyName)
                .filter(contact::Column::AccountId.is_in(chunk.iter().copied()))
                .order_by_asc(contact::Column::CompanyName)
                .into_tuple::<(i32, String)>()
                .all(store.connection())
                .await?
                .into_iter()
                .map(|(id, company_name)| BulkTarget { id, company_name }),
        );
    }
    targets.sort_by(|a, b| {
        a.company_name
            .to_lowercase()
            .cmp(&b.company_name.to_lowercase())
    });
    Ok(targets)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkResult {
    pub account_id: i32,
    pub company_name: String,
    pub done: bool,
    /// What happened ("tagged #eu") or why not ("was deleted meanwhile").
    pub outcome: String,
}

/// Runs `action` on each account, one change each; refuses a bad tag before touching any.
pub async fn run_bulk(
    keydesk: &Keydesk,
    account_ids: &[i32],
    action: &BulkAction,
) -> Result<Vec<BulkResult>> {
    let store = &keydesk.store;
    if account_ids.len() > MAX_BULK {
        return Err(crate::Error::invalid(
            "accounts",
            "Accounts",
            format!("at most {MAX_BULK} at once"),
        ));
    }
    let action = match action {
        BulkAction::AddTag(tag) => BulkAction::AddTag(normalize_tag(tag)?),
        BulkAction::RemoveTag(tag) => BulkAction::RemoveTag(normalize_tag(tag)?),
        BulkAction::Delete => BulkAction::Delete,
    };
    let names: std::collections::HashMap<i32, String> = bulk_targets(store, account_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t.company_name))
        .collect();
    let mut results = Vec::with_capacity(account_ids.len());
    for &id in account_ids {
        let Some(company_name) = names.get(&id).cloned() else {
            results.push(BulkResult {
                account_id: id,
                company_name: format!("account {id}"),
                done: false,
                outcome: "refused: the account was not found; it may have been deleted".into(),
            });
            continue;
        };
        let outcome: Result<String> = match &action {
            BulkAction::AddTag(tag) => add_tag(store, id, tag)
                .await
                .map(|_| format!("tagged #{tag}")),
            BulkAction::RemoveTag(tag) => {
                if account_tags(store, id).await?.contains(tag) {
                    remove_tag(store, id, tag)
                        .await
                        .map(|_| format!("#{tag} removed"))
                } else {
                    Err(crate::Error::invalid(
                        "tags",
                        "Tag",
                        format!("the account has no tag #{tag}"),
                    ))
                }
            }
            BulkAction::Delete => delete_account(keydesk, id).await.map(|complaints| {
                if complaints.is_empty() {
                    "deleted".to_owned()
                } else {
                    format!("deleted; {}", complaints.join("; "))
                }
            }),
        };
        results.push(match outcome {
            Ok(outcome) => BulkResult {
                account_id: id,
                company_name,
                done: true,
                outcome,
            },
            Err(err) => BulkResult {
                account_id: id,
                company_name,
                done: false,
                outcome: format!("refused: {err}"),
            },
        });
    }
    Ok(results)
}
