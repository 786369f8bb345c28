use sea_orm_migration::prelude::*;

/// A credential's live secrets (the page's view, renew, every token request's check) were read
/// through an index on `credential_id` alone: each of the credential's secrets, however long
/// ago it ended, was fetched from the table to test `revoked_at` and `expires_at`. Renewals
/// pile ended secrets up, so renew and verify slowed with a credential's history (renew 1.1 →
/// 1.5 ms in `cargo xtask bench`, whose credential is renewed thousands of times). This index
/// answers those tests from its own entries and still serves every lookup by credential (its
/// first column), so it replaces the old one.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CredentialSecrets {
    Table,
    CredentialId,
    RevokedAt,
    ExpiresAt,
}

const CREDENTIAL: &str = "idx_credential_secrets_credential";
const LIVE: &str = "idx_credential_secrets_live";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(LIVE)
                    .table(CredentialSecrets::Table)
                    .col(CredentialSecrets::CredentialId)
                    .col(CredentialSecrets::RevokedAt)
                    .col(CredentialSecrets::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(CREDENTIAL)
                    .table(CredentialSecrets::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(CREDENTIAL)
                    .table(CredentialSecrets::Table)
                    .col(CredentialSecrets::CredentialId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(LIVE)
                    .table(CredentialSecrets::Table)
                    .to_owned(),
            )
            .await
    }
}
