//! A team store's technicians (issue 26): on PostgreSQL each is a login role, and the
//! database itself enforces their rights and customer scopes (migration
//! `m20261207_000100_team_rights`). Here is what the app reads of that.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Result, Store};

/// Login role → the name the team gave that technician. Empty on this computer's store.
pub async fn display_names(store: &Store) -> Result<HashMap<String, String>> {
    let db = store.connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(HashMap::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT login, display_name FROM technicians",
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some((
                r.try_get::<String>("", "login").ok()?,
                r.try_get::<String>("", "display_name").ok()?,
            ))
        })
        .collect())
}
