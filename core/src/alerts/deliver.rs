//! Delivering alerts exactly once across every instance on the store. A round:
//! 1. **Claim**: for each enabled channel and each current secret that reached a threshold
//!    (the desktop reminders' thresholds), insert (channel, secret, threshold) unless it is
//!    there — the unique index decides between instances; thresholds passed over are marked
//!    "skipped" (one message says the latest news).
//! 2. **Lease** each pending row (an UPDATE only one instance wins) for five minutes, send it,
//!    and record what came back: delivered; a 4xx stops it; a timeout, a refused connection or
//!    a 5xx is retried with exponential backoff (1 min, 2, 4 … at most 1 h apart) for 24 hours.
//!    A send cut short (the process killed between claim and send) leaves a lease that ends:
//!    the next round anywhere sends it, once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::http::{Answer, Transport};
use super::{ChannelKind, Message};
use crate::credentials::named;
use crate::entities::{account_tag, alert_channel, alert_delivery, credential_secret as secret};
use crate::reminders::Threshold;
use crate::{Result, Store};

/// `last_status` of a threshold passed over, or of an alert whose secret was renewed first.
pub(crate) const SKIPPED: &str = "skipped";
const LEASE: Duration = Duration::minutes(5);
const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryRound {
    pub claimed: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// One round at the store clock's now; `warning` is the warning window (Settings).
pub async fn deliver_due(
    store: &Store,
    transport: &dyn Transport,
    warning: Duration,
) -> Result<DeliveryRound> {
    let now = store.now();
    let channels = alert_channel::Entity::find()
        .filter(alert_channel::Column::Enabled.eq(true))
        .all(store.connection())
        .await?;
    let mut round = DeliveryRound::default();
    if channels.is_empty() {
        return Ok(round);
    }
    round.claimed = claim_new(store, &channels, warning, now).await?
        + claim_digests(store, &channels, now).await?;
    let pending = alert_delivery::Entity::find()
        .filter(pending(now))
        .all(store.connection())
        .await?;
    let channels: HashMap<i32, alert_channel::Model> =
        channels.into_iter().map(|c| (c.id, c)).collect();
    for delivery in pending {
        let Some(channel) = channels.get(&delivery.channel_id) else {
            continue;
        };
        if !take_lease(store, delivery.id, now).await? {
            continue;
        }
        let Some(message) = message_for(store, channel, &delivery, now).await? else {
            finish(store, delivery.id, |row| {
                row.failed_at = Set(Some(now));
                row.last_status = Set(Some(SKIPPED.to_owned()));
            })
            .await?;
            continue;
        };
        let id = delivery_id(&delivery);
        let answer = send(channel, &message, &id, transport).await;
        tracing::info!(
            channel = channel.id,
            delivery = %id,
            answer = %answer.describe(),
            "alert sent"
        );
        let status = answer.describe();
        let attempts = delivery.attempts + 1;
        if answer.delivered() {
            round.delivered += 1;
            finish(store, delivery.id, |row| {
                row.delivered_at = Set(Some(now));
                row.attempts = Set(attempts);
                row.last_status = Set(Some(status));
            })
            .await?;
        } else if answer.refused() || now - delivery.claimed_at >= GIVE_UP_AFTER {
            round.failed += 1;
            let status = if answer.refused() {
                status
            } else {
                format!("gave up after 24 h: {status}")
            };
            finish(store, delivery.id, |row| {
                row.failed_at = Set(Some(now));
                row.attempts = Set(attempts);
                row.last_status = Set(Some(status));
            })
            .await?;
        } else {
            round.retrying += 1;
            finish(store, delivery.id, |row| {
                row.next_attempt_at = Set(now + backoff(attempts));
                row.attempts = Set(attempts);
                row.last_status = Set(Some(status));
            })
            .await?;
        }
    }
    Ok(round)
}

/// 1 min after the first failure, then 2, 4, … at most an hour apart.
fn backoff(attempts: i32) -> Duration {
    let doubled = 1i64 << (attempts - 1).clamp(0, 6);
    Duration::minutes(doubled).min(Duration::hours(1))
}

/// Due, not finished, and nobody's lease running.
fn pending(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(alert_delivery::Column::DeliveredAt.is_null())
        .add(alert_delivery::Column::FailedAt.is_null())
        .add(alert_delivery::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(alert_delivery::Column::LeaseUntil.is_null())
                .add(alert_delivery::Column::LeaseUntil.lt(now)),
        )
}

/// The same id on every attempt, so a receiver can drop a repeat.
fn delivery_id(d: &alert_delivery::Model) -> String {
    match d.secret_id {
        Some(secret) => format!("kd-{}-{secret}-{}", d.channel_id, d.threshold),
        None => format!("kd-{}-{}", d.channel_id, d.threshold),
    }
}

async fn claim_new(
    store: &Store,
    channels: &[alert_channel::Model],
    warning: Duration,
    now: DateTime<Utc>,
) -> Result<usize> {
    let db = store.connection();
    let horizon = now + warning.max(Duration::days(7));
    let candidates = secret::Entity::find()
        .filter(secret::current())
        .filter(secret::Column::LifetimeEndsAt.lte(horizon))
        .all(db)
        .await?;
    let due: Vec<(Threshold, secret::Model)> = candidates
        .into_iter()
        .filter_map(|s| Some((Threshold::reached(s.lifetime_ends_at?, now, warning)?, s)))
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let due = named(db, due).await?;
    let accounts: HashSet<i32> = due.iter().map(|(_, _, n)| n.account_id).collect();
    let mut tags: HashMap<i32, HashSet<String>> = HashMap::new();
    for t in account_tag::Entity::find()
        .filter(account_tag::Column::AccountId.is_in(accounts))
        .all(db)
        .await?
    {
        tags.entry(t.account_id).or_default().insert(t.tag);
    }
    let secrets: Vec<i32> = due.iter().map(|(_, s, _)| s.id).collect();
    let known: HashSet<(i32, i32, String)> = alert_delivery::Entity::find()
        .filter(alert_delivery::Column::SecretId.is_in(secrets))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|d| Some((d.channel_id, d.secret_id?, d.threshold)))
        .collect();
    let mut rows = Vec::new();
    for (threshold, s, names) in &due {
        for channel in channels {
            let wanted: Vec<&str> = channel.tags.split_whitespace().collect();
            let carries = tags.get(&names.account_id);
            if !wanted.is_empty()
                && !wanted
                    .iter()
                    .any(|t| carries.is_some_and(|c| c.contains(*t)))
            {
                continue;
            }
            if known.contains(&(channel.id, s.id, threshold.code().to_owned())) {
                continue;
            }
            for t in Threshold::ALL.iter().filter(|t| *t <= threshold) {
                let skipped = t < threshold;
                rows.push(alert_delivery::ActiveModel {
                    channel_id: Set(channel.id),
                    secret_id: Set(Some(s.id)),
                    threshold: Set(t.code().to_owned()),
                    claimed_at: Set(now),
                    lease_until: Set(None),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    delivered_at: Set(None),
                    failed_at: Set(skipped.then_some(now)),
                    last_status: Set(skipped.then(|| SKIPPED.to_owned())),
                    ..Default::default()
                });
            }
        }
    }
    if rows.is_empty() {
        return Ok(0);
    }
    let write = store.write().await?;
    let mut claimed = 0;
    for row in rows {
        let pending = matches!(row.failed_at, sea_orm::ActiveValue::Set(None));
        let inserted = alert_delivery::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    alert_delivery::Column::ChannelId,
                    alert_delivery::Column::SecretId,
                    alert_delivery::Column::Threshold,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(write.db())
            .await?;
        if inserted > 0 && pending {
            claimed += 1;
        }
    }
    write.commit_bookkeeping().await?;
    Ok(claimed)
}

/// Takes the row for this instance for `LEASE`; false when another instance has it or it is
/// done.
async fn take_lease(store: &Store, id: i32, now: DateTime<Utc>) -> Result<bool> {
    let write = store.write().await?;
    let taken = alert_delivery::Entity::update_many()
        .col_expr(
            alert_delivery::Column::LeaseUntil,
            Expr::value(Some(now + LEASE)),
        )
        .filter(alert_delivery::Column::Id.eq(id))
        .filter(pending(now))
        .exec(write.db())
        .await?
        .rows_affected;
    write.commit_bookkeeping().await?;
    Ok(taken == 1)
}

async fn finish(
    store: &Store,
    id: i32,
    change: impl FnOnce(&mut alert_delivery::ActiveModel),
) -> Result<()> {
    let mut row = alert_delivery::ActiveModel {
        id: Set(id),
        lease_until: Set(None),
        ..Default::default()
    };
    change(&mut row);
    let write = store.write().await?;
    alert_delivery::Entity::update(row).exec(write.db()).await?;
    write.commit_bookkeeping().await
}

/// The message for a claimed row; None when its secret was renewed, revoked or deleted since.
async fn message_for(
    store: &Store,
    channel: &alert_channel::Model,
    d: &alert_delivery::Model,
    now: DateTime<Utc>,
) -> Result<Option<Message>> {
    let Some(secret_id) = d.secret_id else {
        return digest(store, channel, now).await.map(Some);
    };
    let Some(s) = secret::Entity::find_by_id(secret_id)
        .filter(secret::current())
        .one(store.connection())
        .await?
    else {
        return Ok(None);
    };
    let threshold = Threshold::ALL
        .iter()
        .copied()
        .find(|t| t.code() == d.threshold);
    let Some((_, s, names)) = named(store.connection(), vec![((), s)]).await?.pop() else {
        return Ok(None);
    };
    Ok(Some(Message {
        threshold,
        digest: None,
        names: Some(names),
        ends_at: s.lifetime_ends_at,
        last_used_at: s.last_used_at,
        sent_at: now,
    }))
}

/// How far ahead a weekly digest looks.
const DIGEST_AHEAD: Duration = Duration::days(30);

/// The week's digest for `channel`: every current secret of its accounts (its tags) that ends
/// within 30 days, soonest first.
async fn digest(
    store: &Store,
    channel: &alert_channel::Model,
    now: DateTime<Utc>,
) -> Result<Message> {
    let db = store.connection();
    let ending = secret::Entity::find()
        .filter(secret::current())
        .filter(secret::Column::LifetimeEndsAt.gt(now))
        .filter(secret::Column::LifetimeEndsAt.lte(now + DIGEST_AHEAD))
        .all(db)
        .await?;
    let named = named(db, ending.into_iter().map(|s| ((), s)).collect()).await?;
    let wanted: Vec<&str> = channel.tags.split_whitespace().collect();
    let carrying: HashSet<i32> = if wanted.is_empty() {
        HashSet::new()
    } else {
        account_tag::Entity::find()
            .filter(account_tag::Column::Tag.is_in(wanted.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|t| t.account_id)
            .collect()
    };
    let mut items: Vec<super::DigestItem> = named
        .into_iter()
        .filter(|(_, _, n)| wanted.is_empty() || carrying.contains(&n.account_id))
        .filter_map(|(_, s, n)| {
            Some(super::DigestItem {
                company_name: n.company_name,
                application: n.application,
                client_id: n.client_id,
                ends_at: s.lifetime_ends_at?,
                last_used_at: s.last_used_at,
            })
        })
        .collect();
    items.sort_by_key(|i| i.ends_at);
    Ok(Message {
        threshold: None,
        digest: Some(items),
        names: None,
        ends_at: None,
        last_used_at: None,
        sent_at: now,
    })
}

/// `digest:2027-W05`: the ISO week a digest belongs to.
fn digest_week(now: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let week = now.iso_week();
    format!("digest:{}-W{:02}", week.year(), week.week())
}

/// Claims this week's digest of each channel that wants one (one per channel and week across
/// every instance: the partial unique index decides).
async fn claim_digests(
    store: &Store,
    channels: &[alert_channel::Model],
    now: DateTime<Utc>,
) -> Result<usize> {
    let wanting: Vec<&alert_channel::Model> = channels.iter().filter(|c| c.weekly_digest).collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let week = digest_week(now);
    let known: HashSet<i32> = alert_delivery::Entity::find()
        .filter(alert_delivery::Column::SecretId.is_null())
        .filter(alert_delivery::Column::Threshold.eq(week.clone()))
        .all(store.connection())
        .await?
        .into_iter()
        .map(|d| d.channel_id)
        .collect();
    let due: Vec<i32> = wanting
        .iter()
        .map(|c| c.id)
        .filter(|id| !known.contains(id))
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let write = store.write().await?;
    let mut claimed = 0;
    for channel_id in due {
        // No conflict target: the partial index (channel, week) WHERE secret_id IS NULL is the
        // one a second instance's insert meets.
        let mut insert = sea_orm::sea_query::Query::insert();
        insert
            .into_table(alert_delivery::Entity)
            .columns([
                alert_delivery::Column::ChannelId,
                alert_delivery::Column::Threshold,
                alert_delivery::Column::ClaimedAt,
                alert_delivery::Column::Attempts,
                alert_delivery::Column::NextAttemptAt,
            ])
            .values_panic([
                channel_id.into(),
                week.clone().into(),
                now.into(),
                0.into(),
                now.into(),
            ])
            .on_conflict(OnConflict::new().do_nothing().to_owned());
        let inserted = write.db().execute(&insert).await?.rows_affected();
        claimed += usize::from(inserted > 0);
    }
    write.commit_bookkeeping().await?;
    Ok(claimed)
}

/// Renders `message` for the channel and posts it; a webhook's body is signed.
pub(super) async fn send(
    channel: &alert_channel::Model,
    message: &Message,
    delivery: &str,
    transport: &dyn Transport,
) -> Answer {
    let kind = ChannelKind::from_code(&channel.kind).unwrap_or(ChannelKind::Webhook);
    let body = match kind {
        ChannelKind::Webhook => message.webhook(delivery),
        ChannelKind::Slack => message.slack(),
        ChannelKind::Teams => message.teams(),
        ChannelKind::Email => {
            return match super::email::Smtp::parse(&channel.url) {
                Some(smtp) => transport.mail(&smtp, message, delivery).await,
                None => Answer::Unreachable(format!("not an e-mail channel: {}", channel.url)),
            }
        }
    }
    .to_string()
    .into_bytes();
    let mut headers = vec![
        ("X-Keydesk-Delivery".to_owned(), delivery.to_owned()),
        (
            "X-Keydesk-Timestamp".to_owned(),
            message.sent_at.timestamp().to_string(),
        ),
    ];
    if let (ChannelKind::Webhook, Some(key)) = (kind, &channel.signing_secret) {
        headers.push((
            "X-Keydesk-Signature".to_owned(),
            format!("sha256={}", signature(key, &body)),
        ));
    }
    transport.post(&channel.url, &headers, body).await
}

/// Lower-case hex HMAC-SHA256 of `body` under `key`, as GitHub's `X-Hub-Signature-256`.
pub fn signature(key: &str, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("any key");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    /// RFC 4231 test case 2 ("Jefe").
    #[test]
    fn the_signature_is_hmac_sha256() {
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
