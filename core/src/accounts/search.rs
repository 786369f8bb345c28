//! Finding an account among thousands as the user types: company, name, username, contact
//! email and Client ID prefixes, through an indexed term table, capped and paged.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Order, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
};
use serde::Serialize;

use crate::entities::{account, account_search, account_tag, contact, credential};
use crate::{Error, Result, Store};

/// The most results one page of the switcher holds.
pub const MAX_PAGE: u64 = 100;
/// Sorts after every character, closing the range of terms that start with a prefix.
const AFTER_EVERY_CHAR: char = char::MAX;

/// The key the account list sorts by (after pinned): the company name, ignoring case. Kept in
/// `accounts.sort_name` so the list reads in index order; `reindex` keeps it, so no writer of a
/// company name has to.
pub(crate) fn sort_name(company_name: &str) -> String {
    company_name.to_lowercase()
}

/// The terms an account is found by.
fn terms(contact: &contact::Model, client_ids: &[String]) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    let mut words = |text: &str| {
        let lower = text.to_lowercase();
        for word in lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            terms.insert(word.to_owned());
        }
        // The whole value too, so "alex@" or "acme corp" narrow as typed.
        if !lower.trim().is_empty() {
            terms.insert(lower.trim().to_owned());
        }
    };
    words(&contact.company_name);
    words(&contact.name);
    words(&contact.username);
    words(&contact.email);
    for id in client_ids {
        terms.insert(id.to_lowercase());
    }
    terms
}

/// How many accounts one statement of a rebuild covers: well under both databases' limits on
/// bound parameters.
const REINDEX_CHUNK: usize = 500;

/// Rebuilds the search terms and sort key of the given accounts (after they, their contact
/// information or their credentials changed), inside the write path's transaction. Called by
/// `crate::write` only: writers name the change, not the index.
pub(crate) async fn reindex<C: ConnectionTrait>(db: &C, account_ids: &BTreeSet<i32>) -> Result<()> {
    let ids: Vec<i32> = account_ids.iter().copied().collect();
    for chunk in ids.chunks(REINDEX_CHUNK) {
        account_search::Entity::delete_many()
            .filter(account_search::Column::AccountId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
        let contacts = contact::Entity::find()
            .filter(contact::Column::AccountId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        let mut client_ids: std::collections::HashMap<i32, Vec<String>> = Default::default();
        for c in credential::Entity::find()
            .filter(credential::Column::AccountId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            client_ids
                .entry(c.account_id)
                .or_default()
                .push(c.client_id);
        }
        let accounts: std::collections::HashMap<i32, (bool, String)> = account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, (a.pinned, a.sort_name)))
            .collect();
        let mut rows = Vec::new();
        for contact in &contacts {
            let ids = client_ids
                .get(&contact.account_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let wanted = sort_name(&contact.company_name);
            let (pinned, stored) = accounts
                .get(&contact.account_id)
                .map(|(pinned, name)| (*pinned, Some(name)))
                .unwrap_or((false, None));
            rows.extend(
                terms(contact, ids)
                    .into_iter()
                    .map(|term| account_search::ActiveModel {
                        account_id: Set(contact.account_id),
                        term: Set(term),
                        pinned: Set(pinned),
                        sort_name: Set(wanted.clone()),
                        ..Default::default()
                    }),
            );
            if stored != Some(&wanted) {
                account::Entity::update_many()
                    .col_expr(account::Column::SortName, Expr::value(wanted))
                    .filter(account::Column::Id.eq(contact.account_id))
                    .exec(db)
                    .await?;
            }
        }
        for rows in rows.chunks(2000) {
            account_search::Entity::insert_many(rows.to_vec())
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}

/// Adds one term to an account's search terms (a generated credential's Client ID), with the
/// page-order columns the account's other terms carry. Inside the write path's transaction.
/// One statement: the row is made from the account's own (none if the account is gone).
pub(crate) async fn add_term<C: ConnectionTrait>(
    db: &C,
    account_id: i32,
    term: &str,
) -> Result<()> {
    let from_account = Query::select()
        .column(account::Column::Id)
        .expr(Expr::val(term.to_lowercase()))
        .column(account::Column::Pinned)
        .column(account::Column::SortName)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::Id).eq(account_id))
        .to_owned();
    let insert = Query::insert()
        .into_table(account_search::Entity)
        .columns([
            account_search::Column::AccountId,
            account_search::Column::Term,
            account_search::Column::Pinned,
            account_search::Column::SortName,
        ])
        .select_from(from_account)
        .map_err(|e| Error::Store(sea_orm::DbErr::Custom(e.to_string())))?
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// Removes one term from an account's search terms (a deleted credential's Client ID).
pub(crate) async fn remove_term<C: ConnectionTrait>(
    db: &C,
    account_id: i32,
    term: &str,
) -> Result<()> {
    account_search::Entity::delete_many()
        .filter(account_search::Column::AccountId.eq(account_id))
        .filter(account_search::Column::Term.eq(term.to_lowercase()))
        .exec(db)
        .await?;
    Ok(())
}

/// Pins or unpins an account in the search index, which carries `pinned` for the page order.
/// Called with the account row's own update, in the same transaction.
pub(crate) async fn set_pinned<C: ConnectionTrait>(
    db: &C,
    account_id: i32,
    pinned: bool,
) -> Result<()> {
    account_search::Entity::update_many()
        .col_expr(account_search::Column::Pinned, Expr::value(pinned))
        .filter(account_search::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The accounts with a term starting with `prefix`, with what their order needs (pinned, sort
/// name), from the term index alone: a range scan.
fn term_prefix(prefix: &str) -> SelectStatement {
    let upper = format!("{prefix}{AFTER_EVERY_CHAR}");
    Query::select()
        .distinct()
        .column(account_search::Column::AccountId)
        .column(account_search::Column::Pinned)
        .column(account_search::Column::SortName)
        .from(account_search::Entity)
        .and_where(Expr::col(account_search::Column::Term).gte(prefix))
        .and_where(Expr::col(account_search::Column::Term).lt(upper))
        .to_owned()
}

/// The accounts with a tag starting with `prefix` (the tag table's index), in the same three
/// columns as `term_prefix` so the two intersect.
fn tag_prefix(prefix: &str) -> SelectStatement {
    let upper = format!("{prefix}{AFTER_EVERY_CHAR}");
    Query::select()
        .distinct()
        .expr_as(
            Expr::col((account_tag::Entity, account_tag::Column::AccountId)),
            account_search::Column::AccountId,
        )
        .expr_as(
            Expr::col((account::Entity, account::Column::Pinned)),
            account_search::Column::Pinned,
        )
        .expr_as(
            Expr::col((account::Entity, account::Column::SortName)),
            account_search::Column::SortName,
        )
        .from(account_tag::Entity)
        .inner_join(
            account::Entity,
            Expr::col((account::Entity, account::Column::Id))
                .equals((account_tag::Entity, account_tag::Column::AccountId)),
        )
        .and_where(Expr::col((account_tag::Entity, account_tag::Column::Tag)).gte(prefix))
        .and_where(Expr::col((account_tag::Entity, account_tag::Column::Tag)).lt(upper))
        .to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct AccountHit {
    pub id: i32,
    pub company_name: String,
    pub name: String,
    pub pinned: bool,
    pub last_opened_at: Option<DateTime<Utc>>,
}

/// The accounts joined to their contact information, selecting only what a hit shows: a page
/// decodes five columns per row, not twenty.
fn hits() -> sea_orm::Select<account::Entity> {
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(contact::Column::CompanyName)
        .column(contact::Column::Name)
        .column(account::Column::Pinned)
        .column(account::Column::LastOpenedAt)
        .join(JoinType::InnerJoin, account::Relation::Contact.def())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPage {
    pub hits: Vec<AccountHit>,
    /// How many accounts match in all.
    pub total: u64,
    pub offset: u64,
}

/// Accounts matching every word of `query` by prefix, pinned first, then by company name.
/// An empty query lists every account in that order.
pub async fn search_accounts(
    store: &Store,
    query: &str,
    offset: u64,
    limit: u64,
) -> Result<SearchPage> {
    if query.chars().count() > 200 {
        return Err(Error::invalid(
            "query",
            "Search",
            "must be at most 200 characters",
        ));
    }
    let limit = limit.clamp(1, MAX_PAGE);
    let db = store.connection();
    // The accounts matching every word, with what their order needs (pinned, sort name), from
    // the term index alone (idx_account_search_page covers every column read): one range per
    // word, intersected. Counting them and picking the page never read the accounts table.
    let mut matching: Option<SelectStatement> = None;
    for word in query.to_lowercase().split_whitespace() {
        // `#tier` keeps the accounts with a tag starting so, from the tag table's index.
        let ids = match word.strip_prefix('#').map(|t| t.trim_start_matches('#')) {
            Some("") => continue,
            Some(tag) => tag_prefix(tag),
            None => term_prefix(word),
        };
        matching = Some(match matching {
            None => ids,
            Some(mut earlier) => earlier.union(UnionType::Intersect, ids).to_owned(),
        });
    }
    let total = match &matching {
        None => account::Entity::find().count(db).await?,
        Some(ids) => {
            let count = Query::select()
                .expr(Expr::col(Asterisk).count())
                .from_subquery(ids.clone(), "matching")
                .to_owned();
            let row = db.query_one(&count).await?;
            let n: i64 = match row {
                Some(row) => row.try_get_by_index(0)?,
                None => 0,
            };
            n as u64
        }
    };
    if total <= offset {
        return Ok(SearchPage {
            hits: Vec::new(),
            total,
            offset,
        });
    }
    // In idx_accounts_switcher_order's order, so the database reads a page, not sorts all.
    let in_order = |select: sea_orm::Select<account::Entity>| {
        select
            .order_by_desc(account::Column::Pinned)
            .order_by_asc(account::Column::SortName)
            .order_by_asc(account::Column::Id)
    };
    let hits = match matching {
        None => {
            in_order(hits())
                .offset(offset)
                .limit(limit)
                .into_model::<AccountHit>()
                .all(db)
                .await?
        }
        Some(matching) => {
            // The page is cut from the index's rows (ordered by what they carry); the page then
            // drives the joins, 50 primary-key lookups. (As `accounts.id IN (page)`, PostgreSQL
            // chose a hash semi-join over a sequential scan of all of `accounts`.)
            let page = Query::select()
                .columns([
                    account_search::Column::AccountId,
                    account_search::Column::Pinned,
                    account_search::Column::SortName,
                ])
                .from_subquery(matching, "matching")
                .order_by(account_search::Column::Pinned, Order::Desc)
                .order_by(account_search::Column::SortName, Order::Asc)
                .order_by(account_search::Column::AccountId, Order::Asc)
                .offset(offset)
                .limit(limit)
                .to_owned();
            let statement = Query::select()
                .column((account::Entity, account::Column::Id))
                .column((contact::Entity, contact::Column::CompanyName))
                .column((contact::Entity, contact::Column::Name))
                .column((account::Entity, account::Column::Pinned))
                .column((account::Entity, account::Column::LastOpenedAt))
                .from_subquery(page, "page")
                .inner_join(
                    account::Entity,
                    Expr::col((account::Entity, account::Column::Id))
                        .equals(("page", account_search::Column::AccountId)),
                )
                .inner_join(
                    contact::Entity,
                    Expr::col((contact::Entity, contact::Column::AccountId))
                        .equals((account::Entity, account::Column::Id)),
                )
                .order_by(("page", account_search::Column::Pinned), Order::Desc)
                .order_by(("page", account_search::Column::SortName), Order::Asc)
                .order_by(("page", account_search::Column::AccountId), Order::Asc)
                .to_owned();
            AccountHit::find_by_statement(db.get_database_backend().build(&statement))
                .all(db)
                .await?
        }
    };
    Ok(SearchPage {
        hits,
        total,
        offset,
    })
}

/// The accounts opened most recently, newest first.
pub async fn recent_accounts(store: &Store, limit: u64) -> Result<Vec<AccountHit>> {
    Ok(hits()
        .filter(account::Column::LastOpenedAt.is_not_null())
        .order_by_desc(account::Column::LastOpenedAt)
        .limit(limit)
        .into_model::<AccountHit>()
        .all(store.connection())
        .await?)
}
