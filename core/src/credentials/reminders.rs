//! Reminders before a secret lapses (issue 16): when it enters the warning window, again 7 days
//! and 1 day before its end, and once it has ended. Each is claimed in the store
//! (`reminders_sent`, keyed by secret and threshold) before it is shown, so it is shown once:
//! a restart does not repeat it, and of two Keydesk instances on one team store only the one
//! whose insert lands shows it. The shell asks on a timer and shows what it is handed.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

use crate::credentials::{named, SecretNames};
use crate::entities::{credential_secret as secret, reminder_sent};
use crate::{Result, Store};

/// The moments a secret's end is announced, latest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// It entered the warning window (a setting, 30 days by default).
    Warning,
    SevenDays,
    OneDay,
    Expired,
}

impl Threshold {
    pub const ALL: &'static [Threshold] = &[
        Threshold::Warning,
        Threshold::SevenDays,
        Threshold::OneDay,
        Threshold::Expired,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Threshold::Warning => "warning",
            Threshold::SevenDays => "7d",
            Threshold::OneDay => "1d",
            Threshold::Expired => "expired",
        }
    }

    /// How long before the end it is reached.
    fn before_end(self, warning: Duration) -> Duration {
        match self {
            Threshold::Warning => warning,
            Threshold::SevenDays => Duration::days(7),
            Threshold::OneDay => Duration::days(1),
            Threshold::Expired => Duration::zero(),
        }
    }

    /// The latest threshold a secret ending at `end` has reached at `now`.
    pub(crate) fn reached(
        end: DateTime<Utc>,
        now: DateTime<Utc>,
        warning: Duration,
    ) -> Option<Threshold> {
        Threshold::ALL
            .iter()
            .rev()
            .copied()
            .find(|t| end - t.before_end(warning) <= now)
    }
}

/// One reminder to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub threshold: Threshold,
    #[serde(flatten)]
    pub names: SecretNames,
    pub ends_at: DateTime<Utc>,
}

impl Reminder {
    /// The notification's title.
    pub fn summary(&self) -> String {
        match self.threshold {
            Threshold::Warning => format!(
                "A client secret expires on {}",
                self.ends_at.format("%-d %b %Y")
            ),
            Threshold::SevenDays => "A client secret expires within 7 days".to_owned(),
            Threshold::OneDay => "A client secret expires within a day".to_owned(),
            Threshold::Expired => "A client secret has expired".to_owned(),
        }
    }

    /// The notification's text: the account and application, never the secret.
    pub fn body(&self) -> String {
        let when = match self.threshold {
            Threshold::Expired => {
                format!("expired on {}", self.ends_at.format("%-d %b %Y %H:%M UTC"))
            }
            _ => format!("expires on {}", self.ends_at.format("%-d %b %Y %H:%M UTC")),
        };
        format!(
            "{} — {}: the secret of Client ID {} {when}. Renew it in Keydesk.",
            self.names.company_name, self.names.application, self.names.client_id
        )
    }
}

/// `text` for a notification body that the server may read as markup: the freedesktop
/// notification spec lets a server render `<b>`, `<i>`, `<a>` and `<img>` in bodies and
/// reads `&` as the start of an entity, so a company called `Smith & <b>Sons</b>` would be
/// shown bold, cut short or not at all. Servers without markup show the text as it is here,
/// so the shell escapes only where such servers run (Linux and the BSDs).
pub fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Claims and returns the reminders due at the store clock's now: for each current secret with
/// an end, the latest threshold it has reached, if no instance has shown it yet. Earlier
/// thresholds it skipped (Keydesk was closed) are claimed with it and not shown: one
/// notification says the latest news.
pub async fn due_reminders(store: &Store, warning: Duration) -> Result<Vec<Reminder>> {
    let now = store.now();
    let horizon = now + warning.max(Duration::days(7));
    // Current secrets (no grace end) whose lifetime ends before the horizon: one index range.
    let candidates = secret::Entity::find()
        .filter(secret::current())
        .filter(secret::Column::LifetimeEndsAt.lte(horizon))
        .order_by_asc(secret::Column::LifetimeEndsAt)
        .all(store.connection())
        .await?;
    let due: Vec<(secret::Model, Threshold)> = candidates
        .into_iter()
        .filter_map(|s| {
            let end = s.lifetime_ends_at?;
            Threshold::reached(end, now, warning).map(|t| (s, t))
        })
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = due.iter().map(|(s, _)| s.id).collect();
    let sent: HashSet<(i32, String)> = reminder_sent::Entity::find()
        .filter(reminder_sent::Column::SecretId.is_in(ids))
        .all(store.connection())
        .await?
        .into_iter()
        .map(|r| (r.secret_id, r.threshold))
        .collect();
    let due: Vec<_> = due
        .into_iter()
        .filter(|(s, t)| !sent.contains(&(s.id, t.code().to_owned())))
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }

    let write = store.write().await?;
    let mut claimed = Vec::new();
    for (s, threshold) in due {
        // The latest threshold decides who shows it; the skipped ones are only marked.
        let won = claim(write.db(), s.id, threshold, now).await?;
        for earlier in Threshold::ALL.iter().filter(|t| **t < threshold) {
            claim(write.db(), s.id, *earlier, now).await?;
        }
        if won {
            claimed.push((threshold, s));
        }
    }
    write.commit_bookkeeping().await?;
    name(store, claimed).await
}

/// Inserts the (secret, threshold) row unless it is there; whether this call inserted it.
async fn claim<C: sea_orm::ConnectionTrait>(
    db: &C,
    secret_id: i32,
    threshold: Threshold,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = reminder_sent::Entity::insert(reminder_sent::ActiveModel {
        secret_id: Set(secret_id),
        threshold: Set(threshold.code().to_owned()),
        sent_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            reminder_sent::Column::SecretId,
            reminder_sent::Column::Threshold,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

async fn name(store: &Store, claimed: Vec<(Threshold, secret::Model)>) -> Result<Vec<Reminder>> {
    Ok(named(store.connection(), claimed)
        .await?
        .into_iter()
        .filter_map(|(threshold, s, names)| {
            Some(Reminder {
                threshold,
                names,
                ends_at: s.lifetime_ends_at?,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::escape_markup;

    #[test]
    fn markup_in_a_company_name_is_shown_as_text() {
        assert_eq!(
            escape_markup("Smith & <b>Sons</b> — 3 > 2"),
            "Smith &amp; <b>Sons</b> — 3 &gt; 2"
                .replace("<b>", "&lt;b&gt;")
                .replace("</b>", "&lt;/b&gt;")
        );
        assert_eq!(escape_markup("&amp;"), "&amp;amp;");
        assert_eq!(escape_markup("Plain"), "Plain");
    }
}
