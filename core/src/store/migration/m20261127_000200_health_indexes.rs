use sea_orm_migration::prelude::*;

/// The health page counts every group of secrets it lists (expired, expiring, never expires,
/// unused) on each page. The lifetimes migration's two indexes left `revoked_at` (and, for the
/// unused groups, the lifetime) out, so each counted row was read from the table: 56 ms a page
/// at 10,000 accounts × 3 credentials on SQLite. These carry every column a group filters on,
/// equality columns first, so each count and each page is one index range read on its own.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CredentialSecrets {
    Table,
    ExpiresAt,
    RevokedAt,
    LifetimeEndsAt,
    LastUsedAt,
    CreatedAt,
}

use CredentialSecrets as S;

const LIFETIME: &str = "idx_credential_secrets_lifetime";
const LAST_USED: &str = "idx_credential_secrets_last_used";

async fn replace(
    manager: &SchemaManager<'_>,
    name: &str,
    columns: &[CredentialSecrets],
) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(S::Table).to_owned())
        .await?;
    let mut index = Index::create();
    index.name(name).table(S::Table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(
            manager,
            LIFETIME,
            &[S::ExpiresAt, S::RevokedAt, S::LifetimeEndsAt, S::CreatedAt],
        )
        .await?;
        replace(
            manager,
            LAST_USED,
            &[
                S::ExpiresAt,
                S::RevokedAt,
                S::LastUsedAt,
                S::CreatedAt,
                S::LifetimeEndsAt,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(
            manager,
            LIFETIME,
            &[S::ExpiresAt, S::LifetimeEndsAt, S::CreatedAt],
        )
        .await?;
        replace(
            manager,
            LAST_USED,
            &[S::ExpiresAt, S::LastUsedAt, S::CreatedAt],
        )
        .await
    }
}
