use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

/// Expiry alerts to webhooks, Slack and Teams (issue 28): the channels a store delivers to, and
/// one row per (channel, secret, threshold) claimed before it is sent — so that of every
/// `keydesk-server` and app on the store exactly one sends it, and a send cut short (a crash
/// between claim and send) is retried when its lease ends, not lost.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AlertChannels {
    Table,
    Id,
    Kind,
    Name,
    Url,
    Tags,
    SigningSecret,
    WeeklyDigest,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AlertDeliveries {
    Table,
    Id,
    ChannelId,
    SecretId,
    Threshold,
    ClaimedAt,
    LeaseUntil,
    Attempts,
    NextAttemptAt,
    DeliveredAt,
    FailedAt,
    LastStatus,
}

#[derive(DeriveIden)]
enum CredentialSecrets {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertChannels::Table)
                    .col(pk_auto(AlertChannels::Id))
                    .col(text(AlertChannels::Kind))
                    .col(text(AlertChannels::Name))
                    .col(text(AlertChannels::Url))
                    // Space-separated tags; empty: every account.
                    .col(text(AlertChannels::Tags).default(""))
                    // A webhook's HMAC key: the server signs with it, so it is kept as it is.
                    .col(text_null(AlertChannels::SigningSecret))
                    // Also a message each week: what expires in the next 30 days.
                    .col(boolean(AlertChannels::WeeklyDigest).default(false))
                    .col(boolean(AlertChannels::Enabled).default(true))
                    .col(timestamp_with_time_zone(AlertChannels::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertDeliveries::Table)
                    .col(pk_auto(AlertDeliveries::Id))
                    .col(integer(AlertDeliveries::ChannelId))
                    // None: a weekly digest (its threshold names the week).
                    .col(integer_null(AlertDeliveries::SecretId))
                    .col(text(AlertDeliveries::Threshold))
                    .col(timestamp_with_time_zone(AlertDeliveries::ClaimedAt))
                    .col(timestamp_with_time_zone_null(AlertDeliveries::LeaseUntil))
                    .col(integer(AlertDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(AlertDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(AlertDeliveries::DeliveredAt))
                    .col(timestamp_with_time_zone_null(AlertDeliveries::FailedAt))
                    .col(text_null(AlertDeliveries::LastStatus))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertDeliveries::Table, AlertDeliveries::ChannelId)
                            .to(AlertChannels::Table, AlertChannels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertDeliveries::Table, AlertDeliveries::SecretId)
                            .to(CredentialSecrets::Table, CredentialSecrets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_deliveries_claim")
                    .table(AlertDeliveries::Table)
                    .col(AlertDeliveries::ChannelId)
                    .col(AlertDeliveries::SecretId)
                    .col(AlertDeliveries::Threshold)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_deliveries_pending")
                    .table(AlertDeliveries::Table)
                    .col(AlertDeliveries::DeliveredAt)
                    .col(AlertDeliveries::FailedAt)
                    .col(AlertDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // One digest per channel and week: NULL secrets are distinct in the index above, so a
        // partial index of their own (the same SQL on SQLite and PostgreSQL).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_alert_deliveries_digest \
                 ON alert_deliveries (channel_id, threshold) WHERE secret_id IS NULL",
            )
            .await?;
        super::on_postgres_only(manager, TEAM_RIGHTS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AlertDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AlertChannels::Table).to_owned())
            .await
    }
}

/// On a team store: admins manage channels; everyone reads a channel's name and state (the
/// Health page), but only the admins (who set it) and keydesk-server (which signs with it) the
/// webhook's signing key; the deliveries follow the secrets' scope, and keydesk-server writes
/// them.
const TEAM_RIGHTS: &str = r#"
REVOKE ALL ON alert_channels, alert_deliveries FROM PUBLIC;
GRANT SELECT (id, kind, name, url, tags, weekly_digest, enabled, created_at) ON alert_channels
  TO keydesk_technician, keydesk_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_channels TO keydesk_admin;
GRANT SELECT ON alert_channels TO keydesk_endpoint;
-- keydesk-server delivers the alerts: it names the account (its company name, no other
-- contact or billing column) and follows a channel's tags.
GRANT SELECT (account_id, company_name) ON contact_information TO keydesk_endpoint;
GRANT SELECT ON account_tags TO keydesk_endpoint;
GRANT SELECT ON alert_deliveries TO keydesk_technician, keydesk_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_deliveries TO keydesk_admin, keydesk_endpoint;
GRANT USAGE ON SEQUENCE alert_channels_id_seq, alert_deliveries_id_seq TO keydesk_admin, keydesk_endpoint;
ALTER TABLE alert_deliveries ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON alert_deliveries
  USING ((SELECT keydesk_sees_all()) OR secret_id IN (
    SELECT s.id FROM credential_secrets s WHERE s.credential_id IN (SELECT keydesk_visible_credentials())));
"#;
