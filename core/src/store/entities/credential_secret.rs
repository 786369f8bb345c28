use sea_orm::entity::prelude::*;
use sea_orm::Condition;

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

    /// `current()`, of this row.
    pub fn is_current(&self) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none()
    }

    /// `unreplaced(now)`, of this row.
    pub fn is_unreplaced(&self, now: ChronoDateTimeUtc) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| end > now)
    }

    /// `live(now)`, of this row: it still verifies.
    pub fn is_live(&self, now: ChronoDateTimeUtc) -> bool {
        self.revoked_at.is_none() && self.ends_at().is_none_or(|end| end > now)
    }

    /// `in_grace(now)`, of this row.
    pub fn is_in_grace(&self, now: ChronoDateTimeUtc) -> bool {
        self.expires_at.is_some_and(|end| end > now) && self.is_live(now)
    }
}

// A secret's states, each a SQL condition beside the method above that says the same of a row
// already read (issue 25 item 6: one place per rule; `core/tests/lifetimes.rs` checks that each
// pair agrees). Each keeps the terms the live-secrets index ranges over.

/// The credential's secret now: not revoked and not ended by a renewal (no grace end), whatever
/// its lifetime says (the health page and reminders speak of a lapsed current secret).
pub fn current() -> Condition {
    Condition::all()
        .add(Column::ExpiresAt.is_null())
        .add(Column::RevokedAt.is_null())
}

/// Not yet replaced at `now`: not revoked, and no renewal's grace end has passed (its lifetime
/// may have). What a renewal ends, and where it reads the current lifetime from.
pub fn unreplaced(now: ChronoDateTimeUtc) -> Condition {
    Condition::all().add(Column::RevokedAt.is_null()).add(
        Condition::any()
            .add(Column::ExpiresAt.is_null())
            .add(Column::ExpiresAt.gt(now)),
    )
}

/// Live at `now`: it still verifies — not revoked, and neither its grace period nor its
/// lifetime has ended.
pub fn live(now: ChronoDateTimeUtc) -> Condition {
    unreplaced(now).add(
        Condition::any()
            .add(Column::LifetimeEndsAt.is_null())
            .add(Column::LifetimeEndsAt.gt(now)),
    )
}

/// In its grace period at `now`: live, and a renewal gave it an end still ahead.
pub fn in_grace(now: ChronoDateTimeUtc) -> Condition {
    Condition::all()
        .add(Column::ExpiresAt.gt(now))
        .add(Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(Column::LifetimeEndsAt.is_null())
                .add(Column::LifetimeEndsAt.gt(now)),
        )
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
