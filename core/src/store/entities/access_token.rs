use sea_orm::entity::prelude::*;

/// An OAuth 2.0 access token, as its SHA-256 digest: never the token. Tied to the secret that
/// obtained it, so renewing or deleting that secret ends it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Lower-case hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub digest: String,
    pub credential_id: i32,
    pub secret_id: i32,
    pub issued_at: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
    pub revoked_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::credential::Entity",
        from = "Column::CredentialId",
        to = "super::credential::Column::Id",
        on_delete = "Cascade"
    )]
    Credential,
    #[sea_orm(
        belongs_to = "super::credential_secret::Entity",
        from = "Column::SecretId",
        to = "super::credential_secret::Column::Id",
        on_delete = "Cascade"
    )]
    Secret,
}

impl Related<super::credential::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Credential.def()
    }
}

impl Related<super::credential_secret::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Secret.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
