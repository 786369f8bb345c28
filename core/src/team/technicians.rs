//! Preferences → Team (issue 26 item 5): a team store's admins add technicians, change their
//! rights and scopes, and disable them. Each is a PostgreSQL login role; the changes go through
//! the schema owner's functions (migration `m20261207_000300_team_admin`), which refuse anyone
//! but an admin — the page is only the way to ask. Every change is in the activity.
//!
//! A new technician's password is generated here (the CSPRNG of `secrets`), shown once, and
//! reaches the server only as its SCRAM-SHA-256 verifier.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Role;
use crate::audit::{Action, Event, Subject};
use crate::secrets::{self, Secret};
use crate::{Error, Result, Store};

/// One of the team's technicians, as the Team page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Technician {
    pub login: String,
    pub display_name: String,
    /// None: the login holds none of Keydesk's roles (changed outside Keydesk).
    pub role: Option<Role>,
    pub all_accounts: bool,
    pub tags: Vec<String>,
    /// False once disabled (NOLOGIN), or when the login role is gone from the server.
    pub can_log_in: bool,
    /// Their latest change in the activity.
    pub last_activity: Option<DateTime<Utc>>,
}

/// What the Add and Change forms send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TechnicianForm {
    pub login: String,
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub all_accounts: bool,
    /// Tags as typed: `#eu tier-1`, `eu, tier-1`.
    #[serde(default)]
    pub tags: String,
}

/// A technician just added and their password, shown once.
#[derive(Debug)]
pub struct NewTechnician {
    pub technician: Technician,
    pub password: Secret,
}

/// The longest PostgreSQL identifier.
const MAX_LOGIN: usize = 63;
const MAX_DISPLAY_NAME: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Checked {
    login: String,
    display_name: String,
    role: Role,
    all_accounts: bool,
    tags: Vec<String>,
}

impl TechnicianForm {
    fn check(&self) -> Result<Checked> {
        let login = self.login.trim().to_owned();
        if login.is_empty() {
            return Err(Error::invalid("login", "Login", "must not be empty"));
        }
        let first_ok = login
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        let rest_ok = login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if !first_ok || !rest_ok || login.len() > MAX_LOGIN {
            return Err(Error::invalid(
                "login",
                "Login",
                format!(
                    "must be lower-case letters, digits, _ . or -, start with a letter or _, \
                     and have at most {MAX_LOGIN} characters"
                ),
            ));
        }
        let display_name = self.display_name.trim().to_owned();
        if display_name.is_empty() {
            return Err(Error::invalid("display_name", "Name", "must not be empty"));
        }
        if display_name.chars().count() > MAX_DISPLAY_NAME {
            return Err(Error::invalid(
                "display_name",
                "Name",
                format!("must be at most {MAX_DISPLAY_NAME} characters"),
            ));
        }
        let role = match self.role.as_str() {
            "admin" => Role::Admin,
            "technician" => Role::Technician,
            "viewer" => Role::Viewer,
            "endpoint" => Role::Endpoint,
            _ => {
                return Err(Error::invalid(
                    "role",
                    "Role",
                    "must be admin, technician, viewer or endpoint",
                ))
            }
        };
        let mut tags = Vec::new();
        for typed in self
            .tags
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.trim().is_empty())
        {
            let tag = crate::tags::normalize_tag(typed).map_err(|e| match e {
                Error::Invalid { rule, .. } => Error::invalid("tags", "Customers", rule),
                other => other,
            })?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(Checked {
            login,
            display_name,
            role,
            all_accounts: self.all_accounts,
            tags,
        })
    }
}

impl Checked {
    /// The activity's sentence: "Vic Viewer (vic): viewer, #eu".
    fn describe(&self) -> String {
        let scope = if self.all_accounts || matches!(self.role, Role::Admin | Role::Endpoint) {
            "every account".to_owned()
        } else if self.tags.is_empty() {
            "no accounts".to_owned()
        } else {
            let tags: Vec<String> = self.tags.iter().map(|t| format!("#{t}")).collect();
            tags.join(" ")
        };
        format!(
            "{} ({}): {}, {scope}",
            self.display_name,
            self.login,
            role_name(self.role)
        )
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Technician => "technician",
        Role::Viewer => "viewer",
        Role::Endpoint => "endpoint",
    }
}

fn team_only(store: &Store) -> Result<()> {
    if store.connection().get_database_backend() == DbBackend::Postgres {
        Ok(())
    } else {
        Err(Error::Refused(
            "Technicians belong to a team store (PostgreSQL); this computer's store has one \
             person."
                .to_owned(),
        ))
    }
}

/// The team's technicians, by name.
pub async fn list_technicians(store: &Store) -> Result<Vec<Technician>> {
    team_only(store)?;
    let rows = store
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT t.login, t.display_name, t.all_accounts, \
               coalesce(r.rolcanlogin, false) AS can_log_in, \
               CASE WHEN r.oid IS NULL THEN NULL \
                    WHEN r.rolsuper OR pg_has_role(r.oid, 'keydesk_admin', 'MEMBER') THEN 'admin' \
                    WHEN pg_has_role(r.oid, 'keydesk_technician', 'MEMBER') THEN 'technician' \
                    WHEN pg_has_role(r.oid, 'keydesk_viewer', 'MEMBER') THEN 'viewer' \
                    WHEN pg_has_role(r.oid, 'keydesk_endpoint', 'MEMBER') THEN 'endpoint' \
               END AS role, \
               coalesce((SELECT string_agg(s.tag, E'\\n' ORDER BY s.tag) FROM technician_scopes s \
                          WHERE s.login = t.login), '') AS tags, \
               (SELECT max(e.at) FROM audit_events e WHERE e.actor = t.login) AS last_activity \
             FROM technicians t LEFT JOIN pg_roles r ON r.rolname = t.login \
             ORDER BY lower(t.display_name), t.login",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let role: Option<String> = row.try_get("", "role")?;
            let tags: String = row.try_get("", "tags")?;
            Ok(Technician {
                login: row.try_get("", "login")?,
                display_name: row.try_get("", "display_name")?,
                role: role.as_deref().and_then(|r| match r {
                    "admin" => Some(Role::Admin),
                    "technician" => Some(Role::Technician),
                    "viewer" => Some(Role::Viewer),
                    "endpoint" => Some(Role::Endpoint),
                    _ => None,
                }),
                all_accounts: row.try_get("", "all_accounts")?,
                tags: tags.lines().map(str::to_owned).collect(),
                can_log_in: row.try_get("", "can_log_in")?,
                last_activity: row.try_get("", "last_activity")?,
            })
        })
        .collect()
}

async fn one(store: &Store, login: &str) -> Result<Technician> {
    list_technicians(store)
        .await?
        .into_iter()
        .find(|t| t.login == login)
        .ok_or(Error::NotFound("technician"))
}

fn tags_value(tags: &[String]) -> Value {
    Value::Array(
        sea_orm::sea_query::ArrayType::String,
        Some(Box::new(
            tags.iter()
                .map(|t| Value::String(Some(t.clone())))
                .collect(),
        )),
    )
}

/// Creates the technician's login role with a new password (returned, to be shown once),
/// grants the role and the scope, and records it in the activity.
pub async fn add_technician(store: &Store, form: &TechnicianForm) -> Result<NewTechnician> {
    team_only(store)?;
    let wanted = form.check()?;
    let taken = store
        .connection()
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS taken FROM pg_roles WHERE rolname = $1",
            [wanted.login.clone().into()],
        ))
        .await?;
    if taken.is_some() {
        return Err(Error::invalid(
            "login",
            "Login",
            "is taken on this server already; choose another",
        ));
    }
    let password = secrets::new_secret()?;
    let verifier = scram_verifier(password.expose())?;
    let write = store.write().await?;
    write
        .db()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT keydesk_add_technician($1, $2, $3, $4, $5, $6)",
            [
                wanted.login.clone().into(),
                wanted.display_name.clone().into(),
                role_name(wanted.role).into(),
                verifier.into(),
                wanted.all_accounts.into(),
                tags_value(&wanted.tags),
            ],
        ))
        .await?;
    write
        .commit(Event::new(
            Subject::default(),
            Action::TechnicianAdded,
            wanted.describe(),
        ))
        .await?;
    Ok(NewTechnician {
        technician: one(store, &wanted.login).await?,
        password,
    })
}

/// Changes a technician's name, role and scope (their login stays).
pub async fn change_technician(store: &Store, form: &TechnicianForm) -> Result<Technician> {
    team_only(store)?;
    let wanted = form.check()?;
    let write = store.write().await?;
    write
        .db()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT keydesk_change_technician($1, $2, $3, $4, $5)",
            [
                wanted.login.clone().into(),
                wanted.display_name.clone().into(),
                role_name(wanted.role).into(),
                wanted.all_accounts.into(),
                tags_value(&wanted.tags),
            ],
        ))
        .await
        .map_err(not_a_technician)?;
    write
        .commit(Event::new(
            Subject::default(),
            Action::TechnicianChanged,
            wanted.describe(),
        ))
        .await?;
    one(store, &wanted.login).await
}

/// Disables a technician (they can no longer log in, and their open sessions end) or enables
/// them again.
pub async fn set_technician_enabled(
    store: &Store,
    login: &str,
    enabled: bool,
) -> Result<Technician> {
    team_only(store)?;
    let before = one(store, login).await?;
    let write = store.write().await?;
    write
        .db()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT keydesk_set_login_enabled($1, $2)",
            [login.into(), enabled.into()],
        ))
        .await
        .map_err(not_a_technician)?;
    let (action, what) = if enabled {
        (Action::TechnicianEnabled, "may log in again")
    } else {
        (Action::TechnicianDisabled, "can no longer log in")
    };
    write
        .commit(Event::new(
            Subject::default(),
            action,
            format!("{} ({login}) {what}", before.display_name),
        ))
        .await?;
    one(store, login).await
}

fn not_a_technician(err: sea_orm::DbErr) -> Error {
    if err.to_string().contains("is not one of this team") {
        Error::NotFound("technician")
    } else {
        err.into()
    }
}

/// PostgreSQL's SCRAM-SHA-256 verifier for `password` (RFC 5802 / 7677, the form
/// `pg_authid.rolpassword` keeps): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
/// The server keeps only this; the password itself never crosses the connection.
pub fn scram_verifier(password: &str) -> Result<String> {
    const ITERATIONS: u32 = 4096;
    let salt = secrets::random_bytes::<16>()?;
    let (stored_key, server_key) = scram_keys(password, salt.as_ref(), ITERATIONS);
    Ok(format!(
        "SCRAM-SHA-256${ITERATIONS}:{}${}:{}",
        STANDARD.encode(salt.as_ref()),
        STANDARD.encode(stored_key.as_ref()),
        STANDARD.encode(server_key.as_ref())
    ))
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    for part in parts {
        mac.update(part);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// (StoredKey, ServerKey). SaltedPassword = PBKDF2-HMAC-SHA-256 (one block, as SCRAM's Hi).
fn scram_keys(
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let pw = password.as_bytes();
    let mut u = hmac(pw, &[salt, &1u32.to_be_bytes()]);
    let mut salted = Zeroizing::new(*u);
    for _ in 1..iterations {
        u = hmac(pw, &[u.as_ref()]);
        for (s, b) in salted.iter_mut().zip(u.iter()) {
            *s ^= b;
        }
    }
    let client_key = hmac(salted.as_ref(), &[b"Client Key"]);
    let mut stored_key = Zeroizing::new([0u8; 32]);
    stored_key.copy_from_slice(&Sha256::digest(client_key.as_ref()));
    let server_key = hmac(salted.as_ref(), &[b"Server Key"]);
    (stored_key, server_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's example exchange (user "user", password "pencil"): the server's signature
    /// and the client's proof computed from our keys are the RFC's.
    #[test]
    fn scram_keys_reproduce_rfc_7677() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let (stored_key, server_key) = scram_keys("pencil", &salt, 4096);
        let auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,\
            r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,\
            c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let server_signature = hmac(server_key.as_ref(), &[auth_message.as_bytes()]);
        assert_eq!(
            STANDARD.encode(server_signature.as_ref()),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        // ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage); SHA-256(ClientKey) is
        // StoredKey, so the RFC's proof must give back our StoredKey.
        let proof = STANDARD
            .decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            .unwrap();
        let client_signature = hmac(stored_key.as_ref(), &[auth_message.as_bytes()]);
        let client_key: Vec<u8> = proof
            .iter()
            .zip(client_signature.iter())
            .map(|(p, s)| p ^ s)
            .collect();
        assert_eq!(Sha256::digest(&client_key).as_slice(), stored_key.as_ref());
    }

    #[test]
    fn a_verifier_has_postgres_form_and_a_fresh_salt() {
        let one = scram_verifier("pencil").unwrap();
        let two = scram_verifier("pencil").unwrap();
        assert!(one.starts_with("SCRAM-SHA-256$4096:"), "{one}");
        assert_ne!(one, two, "each verifier has its own salt");
        assert!(!one.contains("pencil"));
    }

    #[test]
    fn forms_are_checked_field_by_field() {
        let good = TechnicianForm {
            login: " vic ".into(),
            display_name: " Vic Viewer ".into(),
            role: "viewer".into(),
            all_accounts: false,
            tags: "#EU, tier-1 eu".into(),
        };
        let checked = good.check().unwrap();
        assert_eq!(checked.login, "vic");
        assert_eq!(checked.tags, ["eu", "tier-1"]);
        assert_eq!(checked.describe(), "Vic Viewer (vic): viewer, #eu #tier-1");
        for (form, field) in [
            (
                TechnicianForm {
                    login: "Vic".into(),
                    ..good.clone()
                },
                "login",
            ),
            (
                TechnicianForm {
                    login: "1vic".into(),
                    ..good.clone()
                },
                "login",
            ),
            (
                TechnicianForm {
                    login: "vic; drop".into(),
                    ..good.clone()
                },
                "login",
            ),
            (
                TechnicianForm {
                    login: "v".repeat(64),
                    ..good.clone()
                },
                "login",
            ),
            (
                TechnicianForm {
                    display_name: "  ".into(),
                    ..good.clone()
                },
                "display_name",
            ),
            (
                TechnicianForm {
                    role: "root".into(),
                    ..good.clone()
                },
                "role",
            ),
            (
                TechnicianForm {
                    tags: "eu, a b!".into(),
                    ..good.clone()
                },
                "tags",
            ),
        ] {
            match form.check() {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field, "{form:?}"),
                other => panic!("{form:?}: {other:?}"),
            }
        }
    }
}
