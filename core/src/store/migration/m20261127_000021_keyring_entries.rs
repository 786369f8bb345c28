use sea_orm_migration::{prelude::*, schema::*};

/// Which computer's OS keyring holds which secret (issue 14, item 4). Each computer has a
/// keyring of its own, so one shared flag on the credential said the wrong thing on every
/// other computer. One row per (computer, Client ID): the secret that computer's keyring was
/// given. A row whose secret is no longer the credential's current one (renewed without the
/// keyring, renewed on another computer, deleted) names an entry to remove; it stays until the
/// removal succeeds, so a failed removal is retried. No foreign key: a deleted credential's
/// row must outlive it for that retry. `credentials.keyring_stored` is no longer read.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KeyringEntries {
    Table,
    Id,
    MachineId,
    ClientId,
    AccountId,
    CredentialId,
    SecretId,
    StoredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyringEntries::Table)
                    .col(pk_auto(KeyringEntries::Id))
                    .col(string_len(KeyringEntries::MachineId, 64))
                    .col(string_len(KeyringEntries::ClientId, 64))
                    .col(integer(KeyringEntries::AccountId))
                    .col(integer(KeyringEntries::CredentialId))
                    .col(integer(KeyringEntries::SecretId))
                    .col(timestamp_with_time_zone(KeyringEntries::StoredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_keyring_entries_machine_client")
                    .table(KeyringEntries::Table)
                    .col(KeyringEntries::MachineId)
                    .col(KeyringEntries::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KeyringEntries::Table).to_owned())
            .await
    }
}
