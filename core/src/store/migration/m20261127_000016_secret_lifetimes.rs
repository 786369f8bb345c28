use sea_orm_migration::{prelude::*, schema::*};

/// Secret lifetimes (issue 16). A secret's lifetime is its own column, beside `expires_at`:
/// `expires_at` stays "the end a renewal gave an old secret" (NULL on the current secret, which
/// is how the page and the renewal tell current from old), `lifetime_ends_at` is the end chosen
/// when the secret was made (NULL: never). A secret works until the earlier of the two.
///
/// The health view reads secrets by these columns through one index; reminders already shown
/// are remembered in `reminders_sent`, one row per secret and threshold (a primary key, so two
/// Keydesk instances on one team store cannot both claim it).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CredentialSecrets {
    Table,
    Id,
    ExpiresAt,
    LifetimeEndsAt,
    LastUsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RemindersSent {
    Table,
    SecretId,
    Threshold,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CredentialSecrets::Table)
                    .add_column(timestamp_with_time_zone_null(
                        CredentialSecrets::LifetimeEndsAt,
                    ))
                    .to_owned(),
            )
            .await?;
        // Current secrets (expires_at NULL) by their end; old ones by their grace end; the
        // never-ending ones by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_credential_secrets_lifetime")
                    .table(CredentialSecrets::Table)
                    .col(CredentialSecrets::ExpiresAt)
                    .col(CredentialSecrets::LifetimeEndsAt)
                    .col(CredentialSecrets::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Current secrets by when they were last used (NULL: never, then by age).
        manager
            .create_index(
                Index::create()
                    .name("idx_credential_secrets_last_used")
                    .table(CredentialSecrets::Table)
                    .col(CredentialSecrets::ExpiresAt)
                    .col(CredentialSecrets::LastUsedAt)
                    .col(CredentialSecrets::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RemindersSent::Table)
                    .col(integer(RemindersSent::SecretId))
                    .col(string_len(RemindersSent::Threshold, 16))
                    .col(timestamp_with_time_zone(RemindersSent::SentAt))
                    .primary_key(
                        Index::create()
                            .col(RemindersSent::SecretId)
                            .col(RemindersSent::Threshold),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RemindersSent::Table, RemindersSent::SecretId)
                            .to(CredentialSecrets::Table, CredentialSecrets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RemindersSent::Table).to_owned())
            .await?;
        for name in [
            "idx_credential_secrets_lifetime",
            "idx_credential_secrets_last_used",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(CredentialSecrets::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CredentialSecrets::Table)
                    .drop_column(CredentialSecrets::LifetimeEndsAt)
                    .to_owned(),
            )
            .await
    }
}
