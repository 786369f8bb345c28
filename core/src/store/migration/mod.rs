//! Dated migrations under one Migrator. Schema builder only, so the same migrations run on
//! SQLite and PostgreSQL — except the team store's rights (PostgreSQL's roles and row-level
//! security, raw SQL, nothing on SQLite).

use sea_orm_migration::prelude::*;

mod m20261126_000001_accounts;
mod m20261126_000002_credentials;
mod m20261126_000003_account_switcher;
mod m20261126_000004_account_order;
mod m20261127_000001_access_tokens;
mod m20261127_000010_activity_actor;
mod m20261127_000016_secret_lifetimes;
mod m20261127_000020_account_tags;
mod m20261127_000021_keyring_entries;
mod m20261127_000180_search_page_order;
mod m20261127_000200_health_indexes;
mod m20261127_000300_live_secrets_index;
mod m20261202_000100_resource_servers;
mod m20261207_000100_team_rights;
mod m20261207_000200_lifetime_policies;
mod m20261207_000300_team_admin;
mod m20261207_000400_faster_scopes;
mod m20261207_000500_alerts;

pub struct Migrator;

/// Runs `sql` on PostgreSQL; nothing on SQLite (the team store's rights and policies).
async fn on_postgres_only(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_accounts::Migration),
            Box::new(m20261126_000002_credentials::Migration),
            Box::new(m20261126_000003_account_switcher::Migration),
            Box::new(m20261126_000004_account_order::Migration),
            Box::new(m20261127_000001_access_tokens::Migration),
            Box::new(m20261127_000010_activity_actor::Migration),
            Box::new(m20261127_000016_secret_lifetimes::Migration),
            Box::new(m20261127_000020_account_tags::Migration),
            Box::new(m20261127_000021_keyring_entries::Migration),
            Box::new(m20261127_000180_search_page_order::Migration),
            Box::new(m20261127_000200_health_indexes::Migration),
            Box::new(m20261127_000300_live_secrets_index::Migration),
            Box::new(m20261202_000100_resource_servers::Migration),
            Box::new(m20261207_000100_team_rights::Migration),
            Box::new(m20261207_000200_lifetime_policies::Migration),
            Box::new(m20261207_000300_team_admin::Migration),
            Box::new(m20261207_000400_faster_scopes::Migration),
            Box::new(m20261207_000500_alerts::Migration),
        ]
    }
}

/// The names of every migration this build knows, to spot a database from a newer Keydesk.
pub fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}
