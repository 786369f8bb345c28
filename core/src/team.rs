//! A team store's technicians (issue 26): on PostgreSQL each is a login role, and the
//! database itself enforces their rights and customer scopes (migration
//! `m20261207_000100_team_rights`). Here is what the app reads of that.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::Serialize;

use crate::{Result, Store};

pub mod technicians;
pub use technicians::{
    add_technician, change_technician, list_technicians, set_technician_enabled, NewTechnician,
    Technician, TechnicianForm,
};

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

/// What the person who opened the store may do there, as the database will enforce it: the
/// page shows only the actions that will work (a refusal can still come if an admin changes
/// rights while the window is open; it is then a sentence beside the action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rights {
    /// A team's PostgreSQL store; false: this computer's store (one person, every right).
    pub team: bool,
    /// The PostgreSQL login role (team stores only).
    pub login: Option<String>,
    /// The name the team gave this technician, if it did.
    pub display_name: Option<String>,
    /// The group role held (team stores only; a superuser counts as an admin).
    pub role: Option<Role>,
    /// Every account, or only those carrying one of `tags`.
    pub all_accounts: bool,
    pub tags: Vec<String>,
    /// Edit contact and billing, generate, renew and delete credentials, tags, import.
    pub may_write: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Technician,
    Viewer,
    Endpoint,
}

impl Rights {
    /// Who this login is on the store, as Settings' *Test connection* says it.
    pub fn describe(&self) -> String {
        let who = match (&self.display_name, &self.login) {
            (Some(name), Some(login)) => format!("{name} ({login})"),
            (None, Some(login)) => login.clone(),
            _ => "You".to_owned(),
        };
        let scope = if self.all_accounts {
            "every account".to_owned()
        } else if self.tags.is_empty() {
            "no accounts yet (an admin grants tags)".to_owned()
        } else {
            let tags: Vec<String> = self.tags.iter().map(|t| format!("#{t}")).collect();
            format!("the accounts tagged {}", tags.join(", "))
        };
        match self.role {
            Some(Role::Admin) => format!("{who} is an admin here: every right, on {scope}."),
            Some(Role::Technician) => format!(
                "{who} is a technician here: reads and changes contact, billing and \
                 credentials of {scope}."
            ),
            Some(Role::Viewer) => {
                format!("{who} is a viewer here: reads {scope}, changes nothing.")
            }
            Some(Role::Endpoint) => format!(
                "{who} is the token endpoint's login: it serves tokens and opens no window."
            ),
            None => {
                format!("{who} has no Keydesk role on this store yet: ask an admin to grant one.")
            }
        }
    }

    fn this_computer() -> Rights {
        Rights {
            team: false,
            login: None,
            display_name: None,
            role: None,
            all_accounts: true,
            tags: Vec::new(),
            may_write: true,
        }
    }
}

/// The rights of the login that opened `store`.
pub async fn my_rights(store: &Store) -> Result<Rights> {
    let db = store.connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Rights::this_computer());
    }
    rights_on(db).await
}

/// The rights of the login of a connection to a team store.
pub(crate) async fn rights_on(db: &impl ConnectionTrait) -> Result<Rights> {
    let member = |role: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = '{role}' \
             AND pg_has_role(session_user, r.oid, 'MEMBER')) AS {}",
            role.trim_start_matches("keydesk_")
        )
    };
    let sql = format!(
        "SELECT session_user::text AS login, \
           coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) AS superuser, \
           {}, {}, {}, {}, \
           (SELECT display_name FROM technicians WHERE login = session_user) AS display_name, \
           coalesce((SELECT all_accounts FROM technicians WHERE login = session_user), false) AS all_accounts, \
           coalesce((SELECT string_agg(tag, E'\\n' ORDER BY tag) FROM technician_scopes \
                     WHERE login = session_user), '') AS tags",
        member("keydesk_admin"),
        member("keydesk_technician"),
        member("keydesk_viewer"),
        member("keydesk_endpoint"),
    );
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .ok_or(crate::Error::NotFound("the login's rights"))?;
    let flag = |name: &str| row.try_get::<bool>("", name).unwrap_or(false);
    let role = if flag("superuser") || flag("admin") {
        Some(Role::Admin)
    } else if flag("technician") {
        Some(Role::Technician)
    } else if flag("viewer") {
        Some(Role::Viewer)
    } else if flag("endpoint") {
        Some(Role::Endpoint)
    } else {
        None
    };
    let tags: String = row.try_get("", "tags").unwrap_or_default();
    Ok(Rights {
        team: true,
        login: row.try_get("", "login").ok(),
        display_name: row
            .try_get::<Option<String>>("", "display_name")
            .ok()
            .flatten(),
        all_accounts: matches!(role, Some(Role::Admin) | Some(Role::Endpoint))
            || flag("all_accounts"),
        tags: tags.lines().map(str::to_owned).collect(),
        may_write: matches!(role, Some(Role::Admin) | Some(Role::Technician)),
        role,
    })
}

/// A team's maximum secret lifetime for the accounts carrying a tag (issue 26 item 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifetimePolicy {
    pub tag: String,
    pub max_days: i32,
}

/// The strictest policy among the account's tags: what Generate and Renew may offer. None on
/// this computer's store, or when no tag of the account has one.
pub async fn lifetime_policy(store: &Store, account_id: i32) -> Result<Option<LifetimePolicy>> {
    let db = store.connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT tag, max_days FROM keydesk_strictest_policy($1)",
            [account_id.into()],
        ))
        .await?;
    Ok(row.and_then(|r| {
        Some(LifetimePolicy {
            tag: r.try_get("", "tag").ok()?,
            max_days: r.try_get("", "max_days").ok()?,
        })
    }))
}

/// Every policy of the team, by tag. Empty on this computer's store.
pub async fn lifetime_policies(store: &Store) -> Result<Vec<LifetimePolicy>> {
    let db = store.connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT tag, max_days FROM lifetime_policies ORDER BY tag",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(LifetimePolicy {
                tag: r.try_get("", "tag")?,
                max_days: r.try_get("", "max_days")?,
            })
        })
        .collect()
}

/// Sets (or, with None, lifts) the policy for `tag`. Admins only: the database refuses anyone
/// else. Secrets already issued keep their end; the next Generate or Renew follows the policy.
pub async fn set_lifetime_policy(store: &Store, tag: &str, max_days: Option<i32>) -> Result<()> {
    let tag = crate::tags::normalize_tag(tag)?;
    if let Some(days) = max_days {
        if !(1..=3650).contains(&days) {
            return Err(crate::Error::invalid(
                "max_days",
                "Maximum lifetime",
                "must be from 1 to 3650 days",
            ));
        }
    }
    let db = store.connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return Err(crate::Error::Refused(
            "Lifetime policies are a team store's (PostgreSQL); on this computer's store you \
             choose each secret's lifetime."
                .to_owned(),
        ));
    }
    let write = store.write().await?;
    let (statement, detail) = match max_days {
        Some(days) => (
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO lifetime_policies (tag, max_days) VALUES ($1, $2) \
                 ON CONFLICT (tag) DO UPDATE SET max_days = EXCLUDED.max_days",
                [tag.clone().into(), days.into()],
            ),
            format!("Accounts tagged #{tag}: secrets live at most {days} days"),
        ),
        None => (
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM lifetime_policies WHERE tag = $1",
                [tag.clone().into()],
            ),
            format!("Accounts tagged #{tag}: no maximum lifetime"),
        ),
    };
    write.db().execute_raw(statement).await?;
    write
        .commit(crate::audit::Event::new(
            crate::audit::Subject::default(),
            crate::audit::Action::LifetimePolicyChanged,
            detail,
        ))
        .await
}
