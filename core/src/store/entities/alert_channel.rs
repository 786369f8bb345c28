use sea_orm::entity::prelude::*;

/// Where expiry alerts go (issue 28): a webhook, a Slack or a Teams incoming webhook.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `crate::alerts::ChannelKind::code`.
    pub kind: String,
    pub name: String,
    pub url: String,
    /// Space-separated tags; empty: every account.
    pub tags: String,
    /// A webhook's HMAC-SHA256 key (the server signs each body with it).
    pub signing_secret: Option<String>,
    /// Also a message each week: what expires in the next 30 days.
    pub weekly_digest: bool,
    pub enabled: bool,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
