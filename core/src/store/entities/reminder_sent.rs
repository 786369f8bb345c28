use sea_orm::entity::prelude::*;

/// A reminder already shown: one row per secret and threshold, so it is shown once — across
/// restarts, and across the Keydesk instances sharing a team store.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders_sent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub secret_id: i32,
    /// `crate::reminders::Threshold::code`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub threshold: String,
    pub sent_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
