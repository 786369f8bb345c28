use sea_orm::entity::prelude::*;

/// One computer's OS keyring entry for one Client ID: which secret it was given. See the
/// migration `m20261127_000021_keyring_entries` for why this is per computer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "keyring_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The installation's id (`machine-id` in its local data folder).
    pub machine_id: String,
    pub client_id: String,
    pub account_id: i32,
    /// The credential it belonged to (it may have been deleted since).
    pub credential_id: i32,
    /// The `credential_secrets` row of the secret the entry was given.
    pub secret_id: i32,
    pub stored_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
