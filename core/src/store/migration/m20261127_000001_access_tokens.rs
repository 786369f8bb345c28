use sea_orm_migration::{prelude::*, schema::*};

/// OAuth 2.0 access tokens (issue 15), kept as SHA-256 digests only, each tied to the secret
/// that obtained it; and when each secret last obtained one.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CredentialSecrets {
    Table,
    Id,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Id,
    Digest,
    CredentialId,
    SecretId,
    IssuedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessTokens::Table)
                    .col(pk_auto(AccessTokens::Id))
                    .col(string_len(AccessTokens::Digest, 64).unique_key())
                    .col(integer(AccessTokens::CredentialId))
                    .col(integer(AccessTokens::SecretId))
                    .col(timestamp_with_time_zone(AccessTokens::IssuedAt))
                    .col(timestamp_with_time_zone(AccessTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccessTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccessTokens::Table, AccessTokens::CredentialId)
                            .to(Credentials::Table, Credentials::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccessTokens::Table, AccessTokens::SecretId)
                            .to(CredentialSecrets::Table, CredentialSecrets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The purge deletes by expiry; the cascades find a credential's or a secret's tokens.
        for (name, column) in [
            ("idx_access_tokens_expires", AccessTokens::ExpiresAt),
            ("idx_access_tokens_credential", AccessTokens::CredentialId),
            ("idx_access_tokens_secret", AccessTokens::SecretId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AccessTokens::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CredentialSecrets::Table)
                    .add_column(timestamp_with_time_zone_null(CredentialSecrets::LastUsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CredentialSecrets::Table)
                    .drop_column(CredentialSecrets::LastUsedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AccessTokens::Table).to_owned())
            .await
    }
}
