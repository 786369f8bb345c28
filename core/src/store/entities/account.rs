use sea_orm::entity::prelude::*;

/// An account a technician looks after. Its contact and billing information hang off it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub version: i32,
    pub pinned: bool,
    pub last_opened_at: Option<ChronoDateTimeUtc>,
    /// The company name in lower case: the switcher's order, indexed with `pinned`.
    pub sort_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::contact::Entity")]
    Contact,
    #[sea_orm(has_one = "super::billing::Entity")]
    Billing,
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contact.def()
    }
}

impl Related<super::billing::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Billing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
