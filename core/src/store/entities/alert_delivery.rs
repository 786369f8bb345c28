use sea_orm::entity::prelude::*;

/// One alert (channel, secret, threshold), claimed before it is sent: exactly one instance
/// sends it; a lease that ends unfinished (a crash mid-send) lets another try again.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub channel_id: i32,
    /// None: a weekly digest.
    pub secret_id: Option<i32>,
    /// `crate::reminders::Threshold::code`, or `digest:<ISO year>-W<week>`.
    pub threshold: String,
    pub claimed_at: ChronoDateTimeUtc,
    /// Someone is sending it until then.
    pub lease_until: Option<ChronoDateTimeUtc>,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub delivered_at: Option<ChronoDateTimeUtc>,
    /// Given up: a 4xx answer, or 24 hours of failures. Also set for thresholds passed over
    /// (a later one was sent instead), with `last_status` "skipped".
    pub failed_at: Option<ChronoDateTimeUtc>,
    /// "200 OK", "403 Forbidden", "timed out", …
    pub last_status: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
