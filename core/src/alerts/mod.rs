//! Expiry alerts that reach a team when no window is open (issue 28): the same reminders the
//! app shows, delivered by `keydesk-server` (and by the app while it runs) to webhooks (signed
//! JSON), Slack (Block Kit) and Microsoft Teams (an Adaptive Card), each channel limited to
//! tags if it likes. Exactly once per (channel, secret, threshold) across every instance on the
//! store: claimed before it is sent (`deliver`). Never a secret or its hint in a message.

mod deliver;
pub mod email;
mod http;
mod messages;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::entities::{alert_channel, alert_delivery};
use crate::secrets::{self, Secret};
use crate::{Error, Result, Store};

pub use deliver::{deliver_due, DeliveryRound};
pub use email::{Smtp, SmtpPasswords};
pub use http::{Answer, Courier, Transport};
pub use messages::{DigestItem, Message};

/// Where a channel delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Any HTTPS endpoint (a PSA, a ticketing system): documented JSON, signed.
    Webhook,
    /// A Slack incoming webhook (Block Kit).
    Slack,
    /// A Microsoft Teams workflow webhook (an Adaptive Card).
    Teams,
    /// E-mail over SMTP (a plain-text and an HTML part).
    Email,
}

impl ChannelKind {
    pub fn code(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::Email => "email",
        }
    }

    pub fn from_code(code: &str) -> Option<ChannelKind> {
        match code {
            "webhook" => Some(ChannelKind::Webhook),
            "slack" => Some(ChannelKind::Slack),
            "teams" => Some(ChannelKind::Teams),
            "email" => Some(ChannelKind::Email),
            _ => None,
        }
    }
}

/// What Settings → Alerts sends to add a channel.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChannelForm {
    pub kind: String,
    pub name: String,
    pub url: String,
    /// As typed: `#eu tier-1`; empty: every account.
    #[serde(default)]
    pub tags: String,
    /// Also a message each week: what expires in the next 30 days.
    #[serde(default)]
    pub weekly_digest: bool,
    // E-mail channels (`email::Smtp::from_form`); `url` is made from them.
    #[serde(default)]
    pub smtp_host: String,
    /// 0: the usual port of `smtp_tls` (587, 465).
    #[serde(default)]
    pub smtp_port: u32,
    /// "starttls" (default) or "tls".
    #[serde(default)]
    pub smtp_tls: String,
    #[serde(default)]
    pub smtp_user: String,
    #[serde(default)]
    pub mail_from: String,
    /// Addresses separated by commas.
    #[serde(default)]
    pub mail_to: String,
    #[serde(default)]
    pub ca_file: String,
}

/// A channel as the page and the Health page show it: never its signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelView {
    pub id: i32,
    pub kind: ChannelKind,
    pub name: String,
    pub url: String,
    pub tags: Vec<String>,
    pub weekly_digest: bool,
    pub enabled: bool,
    pub last_delivered_at: Option<DateTime<Utc>>,
    /// The last delivery that did not go through: its status and when, and whether it is
    /// still being retried.
    pub last_failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub status: String,
    pub at: DateTime<Utc>,
    pub retrying: bool,
}

impl ChannelView {
    /// "Slack: last delivered 09:00" / "Teams: failed — 403 Forbidden at 09:00, not retried".
    pub fn state(&self) -> String {
        let failed = self.last_failure.as_ref().filter(|f| {
            self.last_delivered_at
                .is_none_or(|delivered| delivered < f.at)
        });
        match (failed, self.last_delivered_at) {
            (Some(f), _) => format!(
                "{}: failed — {} at {}{}",
                self.name,
                f.status,
                f.at.format("%-d %b %H:%M UTC"),
                if f.retrying {
                    ", retrying"
                } else {
                    ", not retried"
                }
            ),
            (None, Some(at)) => format!(
                "{}: last delivered {}",
                self.name,
                at.format("%-d %b %H:%M UTC")
            ),
            (None, None) => format!("{}: nothing delivered yet", self.name),
        }
    }
}

/// A channel just added, with its signing key (webhooks), shown once.
#[derive(Debug)]
pub struct NewChannel {
    pub channel: ChannelView,
    pub signing_secret: Option<Secret>,
}

struct Checked {
    kind: ChannelKind,
    name: String,
    url: String,
    tags: Vec<String>,
    weekly_digest: bool,
}

impl ChannelForm {
    fn check(&self) -> Result<Checked> {
        let kind = ChannelKind::from_code(self.kind.trim())
            .ok_or_else(|| Error::invalid("kind", "Channel", "must be webhook, slack or teams"))?;
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::invalid("name", "Name", "must not be empty"));
        }
        if name.chars().count() > 100 {
            return Err(Error::invalid(
                "name",
                "Name",
                "must be at most 100 characters",
            ));
        }
        let url = match kind {
            ChannelKind::Email => email::Smtp::from_form(self)?.url(),
            _ => Self::web_url(&self.url)?,
        };
        let mut tags = Vec::new();
        for typed in self
            .tags
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let tag = crate::tags::normalize_tag(typed)?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(Checked {
            kind,
            name,
            url,
            tags,
            weekly_digest: self.weekly_digest,
        })
    }

    /// A webhook's URL: https, or http to this computer; no user or password in it.
    fn web_url(typed: &str) -> Result<String> {
        let url = typed.trim().to_owned();
        let parsed = url::Url::parse(&url)
            .map_err(|_| Error::invalid("url", "URL", "must be a full URL, such as https://…"))?;
        let loopback = matches!(
            parsed.host(),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback()
        ) || matches!(parsed.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            || parsed.host_str() == Some("localhost");
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(Error::invalid(
                    "url",
                    "URL",
                    "must start with https:// (http:// only for this computer)",
                ))
            }
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::invalid(
                "url",
                "URL",
                "must not carry a user name or password",
            ));
        }
        Ok(url)
    }
}

/// Adds a channel. A webhook gets a new signing key (256 random bits), returned to be shown
/// once; the receiver checks `X-Keydesk-Signature` with it.
pub async fn add_channel(store: &Store, form: &ChannelForm) -> Result<NewChannel> {
    let checked = form.check()?;
    let signing_secret = match checked.kind {
        ChannelKind::Webhook => Some(secrets::new_secret()?),
        _ => None,
    };
    let write = store.write().await?;
    let row = alert_channel::ActiveModel {
        kind: Set(checked.kind.code().to_owned()),
        name: Set(checked.name),
        url: Set(checked.url),
        tags: Set(checked.tags.join(" ")),
        signing_secret: Set(signing_secret.as_ref().map(|s| s.expose().to_owned())),
        weekly_digest: Set(checked.weekly_digest),
        enabled: Set(true),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.db())
    .await?;
    write.commit_bookkeeping().await?;
    let channel = list_channels(store)
        .await?
        .into_iter()
        .find(|c| c.id == row.id)
        .ok_or(Error::NotFound("The channel"))?;
    Ok(NewChannel {
        channel,
        signing_secret,
    })
}

/// Deletes a channel and what it has delivered.
pub async fn delete_channel(store: &Store, channel_id: i32) -> Result<()> {
    let write = store.write().await?;
    let deleted = alert_channel::Entity::delete_by_id(channel_id)
        .exec(write.db())
        .await?;
    if deleted.rows_affected == 0 {
        return Err(Error::NotFound("The channel"));
    }
    write.commit_bookkeeping().await
}

/// Every channel with its state, by name.
pub async fn list_channels(store: &Store) -> Result<Vec<ChannelView>> {
    let db = store.connection();
    // Every column but the signing key: on a team store only admins and keydesk-server may
    // read that one, and everyone sees the channels' states (the Health page).
    let channels: Vec<ChannelRow> = alert_channel::Entity::find()
        .select_only()
        .columns([
            alert_channel::Column::Id,
            alert_channel::Column::Kind,
            alert_channel::Column::Name,
            alert_channel::Column::Url,
            alert_channel::Column::Tags,
            alert_channel::Column::WeeklyDigest,
            alert_channel::Column::Enabled,
        ])
        .order_by_asc(alert_channel::Column::Name)
        .into_model::<ChannelRow>()
        .all(db)
        .await?;
    let mut views = Vec::with_capacity(channels.len());
    for c in channels {
        let delivered = alert_delivery::Entity::find()
            .filter(alert_delivery::Column::ChannelId.eq(c.id))
            .filter(alert_delivery::Column::DeliveredAt.is_not_null())
            .order_by_desc(alert_delivery::Column::DeliveredAt)
            .one(db)
            .await?
            .and_then(|d| d.delivered_at);
        let failure = alert_delivery::Entity::find()
            .filter(alert_delivery::Column::ChannelId.eq(c.id))
            .filter(alert_delivery::Column::DeliveredAt.is_null())
            .filter(alert_delivery::Column::Attempts.gt(0))
            .order_by_desc(alert_delivery::Column::NextAttemptAt)
            .one(db)
            .await?
            .filter(|d| d.last_status.as_deref() != Some(deliver::SKIPPED))
            .map(|d| Failure {
                status: d.last_status.unwrap_or_default(),
                at: d.failed_at.unwrap_or(d.next_attempt_at),
                retrying: d.failed_at.is_none(),
            });
        views.push(view(c, delivered, failure));
    }
    Ok(views)
}

#[derive(sea_orm::FromQueryResult)]
struct ChannelRow {
    id: i32,
    kind: String,
    name: String,
    url: String,
    tags: String,
    weekly_digest: bool,
    enabled: bool,
}

fn view(
    c: ChannelRow,
    last_delivered_at: Option<DateTime<Utc>>,
    last_failure: Option<Failure>,
) -> ChannelView {
    ChannelView {
        id: c.id,
        kind: ChannelKind::from_code(&c.kind).unwrap_or(ChannelKind::Webhook),
        name: c.name,
        url: c.url,
        tags: c.tags.split_whitespace().map(str::to_owned).collect(),
        weekly_digest: c.weekly_digest,
        enabled: c.enabled,
        last_delivered_at,
        last_failure,
    }
}

/// *Send a test alert*: one message on the channel now, nothing claimed; says what came back
/// ("200 OK", "403 Forbidden: …", "no answer within 10 s").
pub async fn send_test(
    store: &Store,
    channel_id: i32,
    transport: &dyn Transport,
) -> Result<String> {
    let channel = alert_channel::Entity::find_by_id(channel_id)
        .one(store.connection())
        .await?
        .ok_or(Error::NotFound("The channel"))?;
    let message = Message::test(store.now());
    let answer = deliver::send(
        &channel,
        &message,
        &format!("test-{}", store.now().timestamp_millis()),
        transport,
    )
    .await;
    Ok(answer.describe())
}
