use sea_orm_migration::{prelude::*, schema::*};

/// API credentials: one Client ID with one or more secrets, stored only as SHA-256 digests.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    AccountId,
    ClientId,
    Name,
    Email,
    /// The email address lower-cased: one set of live credentials per address.
    EmailKey,
    Application,
    KeyringStored,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum CredentialSecrets {
    Table,
    Id,
    CredentialId,
    Digest,
    Hint,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    CredentialId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .col(pk_auto(Credentials::Id))
                    .col(integer(Credentials::AccountId))
                    .col(string_len(Credentials::ClientId, 32).unique_key())
                    .col(text(Credentials::Name))
                    .col(text(Credentials::Email))
                    .col(text(Credentials::EmailKey).unique_key())
                    .col(text(Credentials::Application))
                    .col(boolean(Credentials::KeyringStored).default(false))
                    .col(timestamp_with_time_zone(Credentials::CreatedAt))
                    .col(timestamp_with_time_zone(Credentials::UpdatedAt))
                    .col(integer(Credentials::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Credentials::Table, Credentials::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_credentials_account")
                    .table(Credentials::Table)
                    .col(Credentials::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CredentialSecrets::Table)
                    .col(pk_auto(CredentialSecrets::Id))
                    .col(integer(CredentialSecrets::CredentialId))
                    .col(string_len(CredentialSecrets::Digest, 64))
                    .col(string_len(CredentialSecrets::Hint, 8))
                    .col(timestamp_with_time_zone(CredentialSecrets::CreatedAt))
                    .col(timestamp_with_time_zone_null(CredentialSecrets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(CredentialSecrets::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CredentialSecrets::Table, CredentialSecrets::CredentialId)
                            .to(Credentials::Table, Credentials::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_credential_secrets_credential")
                    .table(CredentialSecrets::Table)
                    .col(CredentialSecrets::CredentialId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(integer_null(AuditEvents::CredentialId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .drop_column(AuditEvents::CredentialId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CredentialSecrets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Credentials::Table).to_owned())
            .await
    }
}
