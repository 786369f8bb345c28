//! Credentials health (issue 16): across every account, the secrets that need attention, most
//! urgent first — expired, expiring within the warning window, old secrets in a grace period,
//! secrets that never expire, secrets unused for `UNUSED_AFTER`. Each secret is listed once,
//! under its most urgent reason.
//!
//! Every group is one range of an index (`idx_credential_secrets_lifetime`,
//! `idx_credential_secrets_last_used`, see the 2026-11-27 lifetimes migration) read in the
//! index's order; a page counts each group and reads only the slices it shows, so the cost
//! does not grow with the size of the store beyond the counts.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use serde::Serialize;

use crate::credentials::{named, SecretNames};
use crate::entities::credential_secret as secret;
use crate::{Result, Store};

/// A current secret not used for this long is listed.
pub const UNUSED_AFTER: Duration = Duration::days(90);

/// Why a secret is listed, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    Expired,
    Expiring,
    Grace,
    NeverExpires,
    Unused,
}

impl Attention {
    pub const ALL: &'static [Attention] = &[
        Attention::Expired,
        Attention::Expiring,
        Attention::Grace,
        Attention::NeverExpires,
        Attention::Unused,
    ];

    /// What the ribbon badge counts: a secret that has stopped or is about to stop working.
    pub fn is_urgent(self) -> bool {
        matches!(self, Attention::Expired | Attention::Expiring)
    }
}

/// One listed secret, named as the page names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthRow {
    pub attention: Attention,
    /// Beside the other fields on the wire: `secret_id`, `company_name`, …
    #[serde(flatten)]
    pub names: SecretNames,
    pub hint: String,
    /// When it stops (or stopped) working; None: never.
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthPage {
    pub rows: Vec<HealthRow>,
    /// Every listed secret, all pages; at least this many when a group's count stopped at its
    /// cap (`capped`), which is always more than this page reaches.
    pub total: u64,
    /// Expired and expiring: the ribbon's badge.
    pub urgent: u64,
    pub counts: Vec<(Attention, u64)>,
    /// The groups with more secrets than their count says ("1,000+").
    pub capped: Vec<Attention>,
}

/// A group is counted up to this many (shown as "1,000+"), or further when the page asked for
/// lies beyond: counting every row of a big group on every page (tens of thousands at MSP
/// scale) is what made a page slow, and a page only needs to know where its rows start.
pub const COUNTED_UP_TO: u64 = 1_000;

/// A group's secrets in listing order; one index range each. The unused group is two ranges
/// (never used and created long ago; last used long ago), listed in that order.
fn groups(now: DateTime<Utc>, warning: Duration) -> Vec<(Attention, Select<secret::Entity>)> {
    let current = || secret::Entity::find().filter(secret::current());
    let warn_until = now + warning;
    let stale = now - UNUSED_AFTER;
    let beyond_warning = || secret::Column::LifetimeEndsAt.gt(warn_until);
    vec![
        (
            Attention::Expired,
            current()
                .filter(secret::Column::LifetimeEndsAt.lte(now))
                .order_by_asc(secret::Column::LifetimeEndsAt),
        ),
        (
            Attention::Expiring,
            current()
                .filter(secret::Column::LifetimeEndsAt.gt(now))
                .filter(secret::Column::LifetimeEndsAt.lte(warn_until))
                .order_by_asc(secret::Column::LifetimeEndsAt),
        ),
        (
            Attention::Grace,
            secret::Entity::find()
                .filter(secret::in_grace(now))
                .order_by_asc(secret::Column::ExpiresAt)
                .order_by_asc(secret::Column::LifetimeEndsAt),
        ),
        (
            Attention::NeverExpires,
            current().filter(secret::Column::LifetimeEndsAt.is_null()),
        ),
        (
            Attention::Unused,
            current()
                .filter(secret::Column::LastUsedAt.is_null())
                .filter(secret::Column::CreatedAt.lt(stale))
                .filter(beyond_warning()),
        ),
        (
            Attention::Unused,
            current()
                .filter(secret::Column::LastUsedAt.lt(stale))
                .filter(beyond_warning())
                .order_by_asc(secret::Column::LastUsedAt),
        ),
    ]
}

/// The page of listed secrets starting at `offset` (at most `limit`), with the counts.
pub async fn health(
    store: &Store,
    warning: Duration,
    offset: u64,
    limit: u64,
) -> Result<HealthPage> {
    let db = store.connection();
    let now = store.now();
    let mut counts: Vec<(Attention, u64)> = Vec::new();
    let mut capped: Vec<Attention> = Vec::new();
    let mut picked: Vec<(Attention, secret::Model)> = Vec::new();
    let mut skip = offset;
    let mut wanted = limit;
    // A group counted up to `cap` is exact below it; past it the group reaches beyond this page
    // (by one row at least, so the page knows there is more), which is all the paging below
    // needs to know.
    let cap = COUNTED_UP_TO.max(offset.saturating_add(limit).saturating_add(1));
    let groups = groups(now, warning);
    let found = count_each_up_to(db, &groups, cap + 1).await?;
    for ((attention, select), count) in groups.into_iter().zip(found) {
        let count = if count > cap {
            if !capped.contains(&attention) {
                capped.push(attention);
            }
            cap
        } else {
            count
        };
        match counts.last_mut() {
            Some((a, n)) if *a == attention => *n += count,
            _ => counts.push((attention, count)),
        }
        if skip >= count {
            skip -= count;
            continue;
        }
        if wanted == 0 {
            continue;
        }
        let take = wanted.min(count - skip);
        // The index's own order after the group's key: created_at, then the row id.
        let rows = select
            .order_by_asc(secret::Column::CreatedAt)
            .order_by_asc(secret::Column::Id)
            .offset(skip)
            .limit(take)
            .all(db)
            .await?;
        skip = 0;
        wanted -= take;
        picked.extend(rows.into_iter().map(|r| (attention, r)));
    }
    let total = counts.iter().map(|(_, n)| n).sum();
    let urgent = counts
        .iter()
        .filter(|(a, _)| a.is_urgent())
        .map(|(_, n)| n)
        .sum();
    Ok(HealthPage {
        rows: name_rows(store, picked).await?,
        total,
        urgent,
        counts,
        capped,
    })
}

/// How many rows each group has, counting no further than `cap`: index range reads that stop,
/// all in one statement: a page makes one round trip for its counts, not one per group
/// (issue 30).
async fn count_each_up_to<C: ConnectionTrait>(
    db: &C,
    groups: &[(Attention, Select<secret::Entity>)],
    cap: u64,
) -> Result<Vec<u64>> {
    let mut query = Query::select();
    for (i, (_, select)) in groups.iter().enumerate() {
        // `1`, not a column: the rows are only counted, so the index alone answers
        // (PostgreSQL's index-only scan has no `id` to fetch).
        let rows = select
            .clone()
            .select_only()
            .expr(Expr::val(1))
            .into_query()
            .clear_order_by()
            .limit(cap)
            .to_owned();
        let count = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(rows, "capped")
            .to_owned();
        query.expr_as(count, format!("n{i}"));
    }
    let Some(row) = db.query_one(&query).await? else {
        return Ok(vec![0; groups.len()]);
    };
    (0..groups.len())
        .map(|i| Ok(row.try_get::<i64>("", &format!("n{i}"))? as u64))
        .collect()
}

/// The badge's number alone: expired and expiring secrets.
pub async fn urgent_count(store: &Store, warning: Duration) -> Result<u64> {
    let db = store.connection();
    let mut urgent = 0;
    for (attention, select) in groups(store.now(), warning) {
        if attention.is_urgent() {
            urgent += select.count(db).await?;
        }
    }
    Ok(urgent)
}

/// The page's secrets with their credential and account names: two reads for the whole page.
async fn name_rows(
    store: &Store,
    picked: Vec<(Attention, secret::Model)>,
) -> Result<Vec<HealthRow>> {
    Ok(named(store.connection(), picked)
        .await?
        .into_iter()
        .map(|(attention, s, names)| HealthRow {
            attention,
            names,
            hint: s.hint.clone(),
            ends_at: s.ends_at(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ui/health.js reads a row's fields side by side (`row.company_name`, `row.hint`): the
    /// names shared with reminders stay flat on the wire.
    #[test]
    fn a_row_is_one_flat_object_on_the_wire() {
        let at = DateTime::parse_from_rfc3339("2027-01-04T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let row = HealthRow {
            attention: Attention::Expiring,
            names: SecretNames {
                secret_id: 7,
                credential_id: 3,
                account_id: 2,
                company_name: "Northwind".into(),
                application: "Sync".into(),
                client_id: "abc".into(),
            },
            hint: "••••wxyz".into(),
            ends_at: Some(at),
            created_at: at,
            last_used_at: None,
        };
        let wire = serde_json::to_value(&row).unwrap();
        let mut keys: Vec<&str> = wire
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "account_id",
                "application",
                "attention",
                "client_id",
                "company_name",
                "created_at",
                "credential_id",
                "ends_at",
                "hint",
                "last_used_at",
                "secret_id"
            ]
        );
        assert_eq!(wire["company_name"], "Northwind");
    }
}
