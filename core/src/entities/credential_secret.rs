use sea_orm::entity::prelude::*;

/// One secret of a credential, as its SHA-256 digest and a 4-character hint. Never the secret.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credential_secrets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub credential_id: i32,
    /// Lower-case hex SHA-256 of the secret.
    pub digest: String,
    pub hint: String,
    pub created_at: ChronoDateTimeUtc,
    /// The end a renewal gave an old secret (its grace period); None on the current secret.
    pub expires_at: Option<ChronoDateTimeUtc>,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    /// When this secret last obtained an access token (written at most about once a minute).
    pub last_used_at: Option<ChronoDateTimeUtc>,
    /// The end of the lifetime chosen when the secret was made; None: never.
    pub lifetime_ends_at: Option<ChronoDateTimeUtc>,
}

impl Model {
    /// When the secret stops working: the earlier of its grace end and its lifetime's end.
    pub fn ends_at(&self) -> Option<ChronoDateTimeUtc> {
        match (self.expires_at, self.lifetime_ends_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether it still verifies at `now` (the SQL form is `credentials::views::live`): not
    /// revoked, and neither its grace period nor its lifetime has ended.
    pub fn is_live(&self, now: ChronoDateTimeUtc) -> bool {
        self.revoked_at.is_none() && self.ends_at().is_none_or(|end| end > now)
    }
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
}

impl Related<super::credential::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Credential.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
