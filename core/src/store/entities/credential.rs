use sea_orm::entity::prelude::*;

/// A set of API credentials: one Client ID, and its secrets in `credential_secret`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    pub email: String,
    #[sea_orm(unique)]
    pub email_key: String,
    pub application: String,
    /// Whether the OS keyring holds the current secret.
    pub keyring_stored: bool,
    /// May introspect other clients' tokens (a resource server, RFC 7662 §4).
    pub resource_server: bool,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::credential_secret::Entity")]
    Secrets,
}

impl Related<super::credential_secret::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Secrets.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
