//! Tags: any number per account (`backup-customers`, `tier-1`, `eu`), kept in a table of their
//! own. A tag is one word in lower case; `#tag` in the switcher finds the accounts with it.
//! Changing an account's tags is a change like any other: through the write path, with an event.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::audit::{Action, Event, Subject};
use crate::entities::{account, account_tag};
use crate::write::Write;
use crate::{Error, Result, Store};

/// A tag's length in characters.
pub const MAX_TAG: usize = 50;
/// Tags one account may carry.
pub const MAX_TAGS: usize = 50;

/// One tag as typed (`#Tier-1`, ` eu `) → as kept (`tier-1`, `eu`). Letters, digits and
/// `- _ . / :`; no spaces (the switcher reads `#tier 1` as a tag and a word).
pub fn normalize_tag(typed: &str) -> Result<String> {
    let tag = typed.trim().trim_start_matches('#').to_lowercase();
    if tag.is_empty() {
        return Err(Error::invalid("tags", "Tag", "must not be empty"));
    }
    if tag.chars().count() > MAX_TAG {
        return Err(Error::invalid(
            "tags",
            "Tag",
            format!("must be at most {MAX_TAG} characters"),
        ));
    }
    if let Some(bad) = tag
        .chars()
        .find(|c| !(c.is_alphanumeric() || "-_./:".contains(*c)))
    {
        return Err(Error::invalid(
            "tags",
            "Tag",
            format!(
                "must be one word of letters, digits and - _ . / : (not {:?})",
                bad
            ),
        ));
    }
    Ok(tag)
}

/// A list of tags as one text holds them (an import's cell: `tier-1 eu`, `tier-1, eu` or
/// `tier-1;eu`), normalised, each once.
pub fn parse_tags(text: &str) -> Result<BTreeSet<String>> {
    let tags = text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(normalize_tag)
        .collect::<Result<BTreeSet<String>>>()?;
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid(
            "tags",
            "Tags",
            format!("an account may have at most {MAX_TAGS} tags"),
        ));
    }
    Ok(tags)
}

/// The tags as one text (space between them), as the export writes them.
pub fn join_tags<'a>(tags: impl IntoIterator<Item = &'a String>) -> String {
    tags.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One account's tags, in order.
pub async fn account_tags(store: &Store, account_id: i32) -> Result<Vec<String>> {
    Ok(account_tag::Entity::find()
        .filter(account_tag::Column::AccountId.eq(account_id))
        .order_by_asc(account_tag::Column::Tag)
        .all(store.connection())
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect())
}

/// Every account's tags (for an export), by account id.
pub(crate) async fn tags_by_account<C: sea_orm::ConnectionTrait>(
    db: &C,
) -> Result<BTreeMap<i32, BTreeSet<String>>> {
    let mut by_account: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
    for t in account_tag::Entity::find().all(db).await? {
        by_account.entry(t.account_id).or_default().insert(t.tag);
    }
    Ok(by_account)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct TagUse {
    pub tag: String,
    /// How many accounts carry it.
    pub accounts: i64,
}

/// Every tag in use with how many accounts carry it, by name: the suggestions of the tag
/// field and the Home filter.
pub async fn all_tags(store: &Store) -> Result<Vec<TagUse>> {
    Ok(account_tag::Entity::find()
        .select_only()
        .column(account_tag::Column::Tag)
        .column_as(
            Expr::col(account_tag::Column::AccountId).count(),
            "accounts",
        )
        .group_by(account_tag::Column::Tag)
        .order_by_asc(account_tag::Column::Tag)
        .into_model::<TagUse>()
        .all(store.connection())
        .await?)
}

/// The ids of the accounts carrying `tag` exactly.
pub async fn accounts_tagged(store: &Store, tag: &str) -> Result<Vec<i32>> {
    let tag = normalize_tag(tag)?;
    Ok(account_tag::Entity::find()
        .select_only()
        .column(account_tag::Column::AccountId)
        .filter(account_tag::Column::Tag.eq(tag))
        .order_by_asc(account_tag::Column::AccountId)
        .into_tuple::<i32>()
        .all(store.connection())
        .await?)
}

/// Adds a tag to an account; returns its tags. Adding one it has changes nothing.
pub async fn add_tag(store: &Store, account_id: i32, tag: &str) -> Result<Vec<String>> {
    let tag = normalize_tag(tag)?;
    change_tags(store, account_id, |tags| {
        tags.insert(tag);
    })
    .await
}

/// Removes a tag from an account; returns its tags.
pub async fn remove_tag(store: &Store, account_id: i32, tag: &str) -> Result<Vec<String>> {
    let tag = normalize_tag(tag)?;
    change_tags(store, account_id, |tags| {
        tags.remove(&tag);
    })
    .await
}

async fn change_tags(
    store: &Store,
    account_id: i32,
    change: impl FnOnce(&mut BTreeSet<String>),
) -> Result<Vec<String>> {
    let write = store.write().await?;
    let mut tags = current_tags(&write, account_id).await?;
    change(&mut tags);
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid(
            "tags",
            "Tags",
            format!("an account may have at most {MAX_TAGS} tags"),
        ));
    }
    match replace_tags(&write, account_id, &tags).await? {
        Some(event) => write.commit(event).await?,
        None => write.commit_bookkeeping().await?,
    }
    Ok(tags.into_iter().collect())
}

/// An account's tags as the write sees them; refuses an account that is gone.
pub(crate) async fn current_tags(write: &Write, account_id: i32) -> Result<BTreeSet<String>> {
    if account::Entity::find_by_id(account_id)
        .one(write.db())
        .await?
        .is_none()
    {
        return Err(Error::NotFound("The account"));
    }
    Ok(account_tag::Entity::find()
        .filter(account_tag::Column::AccountId.eq(account_id))
        .all(write.db())
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect())
}

/// Gives an account exactly `tags` (normalised) inside `write`; the event to commit when that
/// changed anything ("added tier-1; removed eu").
pub(crate) async fn replace_tags(
    write: &Write,
    account_id: i32,
    tags: &BTreeSet<String>,
) -> Result<Option<Event>> {
    let before: BTreeSet<String> = account_tag::Entity::find()
        .filter(account_tag::Column::AccountId.eq(account_id))
        .all(write.db())
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect();
    let added: Vec<&String> = tags.difference(&before).collect();
    let removed: Vec<&String> = before.difference(tags).collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(None);
    }
    if !removed.is_empty() {
        account_tag::Entity::delete_many()
            .filter(account_tag::Column::AccountId.eq(account_id))
            .filter(account_tag::Column::Tag.is_in(removed.iter().map(|t| t.as_str())))
            .exec(write.db())
            .await?;
    }
    insert_tags(write, added.iter().map(|t| (account_id, *t))).await?;
    let mut detail = Vec::new();
    if !added.is_empty() {
        detail.push(format!("added {}", join_tags(added)));
    }
    if !removed.is_empty() {
        detail.push(format!("removed {}", join_tags(removed)));
    }
    Ok(Some(Event::new(
        Subject::account(account_id),
        Action::TagsChanged,
        detail.join("; "),
    )))
}

/// Tag rows for accounts that have none yet (new ones, an import's), many per statement.
pub(crate) async fn insert_tags<'a>(
    write: &Write,
    rows: impl IntoIterator<Item = (i32, &'a String)>,
) -> Result<()> {
    let rows: Vec<account_tag::ActiveModel> = rows
        .into_iter()
        .map(|(account_id, tag)| account_tag::ActiveModel {
            account_id: Set(account_id),
            tag: Set(tag.clone()),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(1000) {
        account_tag::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(write.db())
            .await?;
    }
    Ok(())
}
