use sea_orm::entity::prelude::*;

/// One searchable term of an account (a lower-cased word of its company or name, its
/// username, email, or a Client ID). Rebuilt whenever those change; `pinned` follows the
/// account's pin.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_search")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub term: String,
    /// The account's `pinned` and `sort_name`, carried here so a page of hits is found,
    /// counted and ordered from the term index alone.
    pub pinned: bool,
    pub sort_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
