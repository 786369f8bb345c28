use sea_orm::entity::prelude::*;

/// One entry of the activity log. `account_id` is kept without a foreign key so the history of
/// a deleted account survives it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: Option<i32>,
    pub credential_id: Option<i32>,
    pub action: String,
    pub detail: String,
    /// Who did it (technician and computer); None before Keydesk recorded it.
    pub actor: Option<String>,
    pub at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
