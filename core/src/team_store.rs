//! Connecting to a team's PostgreSQL store from Settings (issue 26 item 1), without an
//! environment variable: where the server is (kept in `settings.json`), the password (kept in
//! the OS keyring, never in a file or a log), and *Test connection*'s answer in sentences.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};
use serde::{Deserialize, Serialize};

use crate::secrets::Secret;
use crate::team::Rights;
use crate::vault::Vault;
use crate::{Error, Result};

/// The keyring service the team store's password is kept under (one entry per login and
/// server), apart from the credentials' secrets.
pub const PASSWORD_SERVICE: &str = "app.keydesk.desktop.team-store";

/// A team's PostgreSQL server, as Settings → Store names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamStore {
    pub host: String,
    /// A u32 so a number out of range gets a field error rather than failing to arrive.
    pub port: u32,
    pub database: String,
    pub user: String,
    #[serde(default)]
    pub tls: TlsMode,
    /// The team's CA certificate (PEM file); None: the OS's trusted roots.
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// How the server is checked. Off is for a server on this computer only: the store refuses
/// anything unverified over a network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// TLS, the certificate signed by a trusted CA and issued to this host name.
    #[default]
    VerifyFull,
    /// TLS, the certificate signed by a trusted CA (any name).
    VerifyCa,
    Off,
}

impl TlsMode {
    fn sslmode(self) -> &'static str {
        match self {
            TlsMode::VerifyFull => "verify-full",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::Off => "disable",
        }
    }
}

impl TeamStore {
    /// The same values trimmed, or the first field that breaks its rule.
    pub fn validate(&self) -> Result<TeamStore> {
        let text = |value: &str, field, label, what: &str| -> Result<String> {
            let value = value.trim();
            if value.is_empty() {
                return Err(Error::invalid(field, label, format!("give the {what}")));
            }
            if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::invalid(field, label, "must not contain spaces"));
            }
            Ok(value.to_owned())
        };
        if !(1..=65535).contains(&self.port) {
            return Err(Error::invalid(
                "team_port",
                "Port",
                "must be from 1 to 65535 (PostgreSQL's is usually 5432)",
            ));
        }
        let ca_file = self
            .ca_file
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        if let Some(file) = ca_file {
            if !std::path::Path::new(file).is_file() {
                return Err(Error::invalid(
                    "team_ca_file",
                    "CA certificate",
                    format!("{file} is not a file this computer can read"),
                ));
            }
        }
        Ok(TeamStore {
            host: text(
                &self.host,
                "team_host",
                "Server",
                "server's name or address",
            )?,
            port: self.port,
            database: text(
                &self.database,
                "team_database",
                "Database",
                "database's name",
            )?,
            user: text(&self.user, "team_user", "User", "PostgreSQL login")?,
            tls: self.tls,
            ca_file: ca_file.map(str::to_owned),
        })
    }

    /// The connection URL (the password, when given, inside it: never shown or logged; the
    /// store's `describe` drops it).
    pub fn url(&self, password: Option<&str>) -> String {
        let mut url = url::Url::parse("postgres://localhost/").expect("a fixed URL parses");
        // Host names and addresses parse; one that does not is refused by validate's callers
        // when the connection fails, naming it.
        let _ = url.set_host(Some(&self.host));
        let _ = url.set_port(u16::try_from(self.port).ok());
        let _ = url.set_username(&self.user);
        let _ = url.set_password(password);
        url.set_path(&self.database);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("sslmode", self.tls.sslmode());
            if let Some(ca) = &self.ca_file {
                query.append_pair("sslrootcert", ca);
            }
        }
        url.to_string()
    }

    /// Whose password the keyring entry holds.
    pub fn keyring_key(&self) -> String {
        format!(
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

/// The team store `store` is (a PostgreSQL URL), as Settings would name it for `login`: where a
/// technician's app on this computer looks for their password in the keyring. None on this
/// computer's store.
pub fn as_login(store: &crate::Store, login: &str) -> Option<TeamStore> {
    let crate::StoreLocation::Url(url) = store.location() else {
        return None;
    };
    let url = url::Url::parse(url).ok()?;
    Some(TeamStore {
        host: url.host_str()?.to_owned(),
        port: u32::from(url.port().unwrap_or(5432)),
        database: url.path().trim_start_matches('/').to_owned(),
        user: login.to_owned(),
        tls: TlsMode::default(),
        ca_file: None,
    })
}

/// Where the app (and the command line) finds its store: `KEYDESK_DATABASE_URL`, else the team
/// store chosen in Settings with its password from the OS keyring, else the SQLite file in
/// the data folder.
pub async fn locate(data_dir: &std::path::Path) -> Result<crate::StoreLocation> {
    let settings = crate::settings::Settings::load(data_dir);
    match chosen(data_dir, &settings) {
        (_, Some(team)) => {
            let password = saved_password(&team).await?;
            Ok(crate::StoreLocation::Url(
                team.url(password.as_ref().map(Secret::expose)),
            ))
        }
        (location, None) => Ok(location),
    }
}

/// The store to open before the keyring is asked: `KEYDESK_DATABASE_URL` wins; otherwise the
/// team store `settings` names (returned too: its URL here carries no password), otherwise the
/// SQLite file in the data folder.
pub fn chosen(
    data_dir: &std::path::Path,
    settings: &crate::settings::Settings,
) -> (crate::StoreLocation, Option<TeamStore>) {
    use crate::StoreLocation;
    match (StoreLocation::resolve(data_dir), &settings.team_store) {
        (StoreLocation::SqliteFile(_), Some(team)) => {
            (StoreLocation::Url(team.url(None)), Some(team.clone()))
        }
        (location, _) => (location, None),
    }
}

fn passwords() -> Vault {
    Vault::new(PASSWORD_SERVICE)
}

/// Keeps the login's password in the OS keyring.
pub async fn save_password(team: &TeamStore, password: &str) -> Result<()> {
    passwords()
        .put(&team.keyring_key(), &Secret::new(password.to_owned()))
        .await
}

/// The password kept for this login, if any (a keyring that fails is said as such).
pub async fn saved_password(team: &TeamStore) -> Result<Option<Secret>> {
    match passwords().get(&team.keyring_key()).await {
        Ok(secret) => Ok(Some(secret)),
        Err(Error::Keyring(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// What *Test connection* found, in sentences a technician acts on.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionReport {
    /// It connected and holds a Keydesk store this login may open.
    pub ok: bool,
    pub sentences: Vec<String>,
    pub rights: Option<Rights>,
}

/// Connects as `team` says (the typed password, else the one in the keyring), and reports the
/// server's version, TLS, who this login is there, and whether the database is a Keydesk
/// store — or what is wrong and what to do. Changes nothing on the server.
pub async fn test_connection(team: &TeamStore, typed: Option<&str>) -> Result<ConnectionReport> {
    let team = team.validate()?;
    let saved = match typed {
        Some(_) => None,
        None => saved_password(&team).await?,
    };
    let password = typed.or(saved.as_ref().map(Secret::expose));
    let url = team.url(password);
    let place = place(&team);
    if let Err(cause) = crate::store::postgres_tls::required_mode(&url) {
        return Ok(failed(cause));
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .max_connections(1);
    let db = match Database::connect(options).await {
        Ok(db) => db,
        Err(err) => return Ok(failed(why_not(&err.to_string(), &team, &place))),
    };
    let mut sentences = Vec::new();
    let query = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_owned());
    if let Ok(Some(row)) = db
        .query_one_raw(query(
            "SELECT current_setting('server_version') AS version, \
                    (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl, \
                    (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS protocol, \
                    to_regclass('technicians') IS NOT NULL AS team, \
                    to_regclass('seaql_migrations') IS NOT NULL AS keydesk",
        ))
        .await
    {
        let version: String = row.try_get("", "version").unwrap_or_default();
        sentences.push(format!("Connected to PostgreSQL {version} at {place}."));
        let ssl: Option<bool> = row.try_get("", "ssl").ok().flatten();
        let protocol: Option<String> = row.try_get("", "protocol").ok().flatten();
        sentences.push(match (ssl, protocol) {
            (Some(true), Some(protocol)) => format!(
                "The connection is encrypted ({protocol}) and the server's certificate was \
                 verified."
            ),
            _ => "The connection is not encrypted: allowed only for a server on this \
                  computer."
                .to_owned(),
        });
        let keydesk: bool = row.try_get("", "keydesk").unwrap_or(false);
        let team_rights: bool = row.try_get("", "team").unwrap_or(false);
        if !keydesk {
            sentences.push(format!(
                "The database {} holds no Keydesk store yet: its administrator creates it with \
                 `keydesk-server migrate`, run once as a PostgreSQL superuser.",
                team.database
            ));
            return Ok(ConnectionReport {
                ok: false,
                sentences,
                rights: None,
            });
        }
        if !team_rights {
            sentences.push(
                "It is a Keydesk store from before team rights: its administrator updates it \
                 with `keydesk-server migrate`."
                    .to_owned(),
            );
            return Ok(ConnectionReport {
                ok: false,
                sentences,
                rights: None,
            });
        }
    }
    let rights = crate::team::rights_on(&db).await?;
    sentences.push(rights.describe());
    let ok = rights.role.is_some();
    Ok(ConnectionReport {
        ok,
        sentences,
        rights: Some(rights),
    })
}

fn place(team: &TeamStore) -> String {
    format!("{}:{} (database {})", team.host, team.port, team.database)
}

/// A failed open of the team store chosen in Settings, said as *Test connection* says it.
pub fn explain(err: Error, team: &TeamStore) -> Error {
    match err {
        Error::Connect { store, cause } => Error::Connect {
            cause: why_not(&cause, team, &place(team)),
            store,
        },
        other => other,
    }
}

fn failed(sentence: String) -> ConnectionReport {
    ConnectionReport {
        ok: false,
        sentences: vec![sentence],
        rights: None,
    }
}

/// The driver's complaint as what is wrong and what to do.
fn why_not(cause: &str, team: &TeamStore, place: &str) -> String {
    let has = |needle: &str| cause.contains(needle);
    if has("password authentication failed") || has("no password was provided") {
        format!(
            "The server refused the password for {}: type it again, or ask your Keydesk \
             administrator to set a new one.",
            team.user
        )
    } else if has("does not exist") && has("database") {
        format!(
            "There is no database {} on {}:{}: check its name with your administrator.",
            team.database, team.host, team.port
        )
    } else if has("role") && has("does not exist") {
        format!(
            "The server has no login {}: check the user name with your administrator.",
            team.user
        )
    } else if has("certificate") || has("UnknownIssuer") || has("NotValidForName") {
        format!(
            "The server's certificate could not be verified ({cause}): choose the team's CA \
             certificate file, or check that the server name matches its certificate."
        )
    } else if has("Connection refused")
        || has("timed out")
        || has("failed to lookup")
        || has("No route")
        || has("Name or service not known")
    {
        format!(
            "No PostgreSQL server answered at {place}: check the server's name and port, and \
             that it accepts connections from this computer ({cause})."
        )
    } else if has("does not support TLS") || has("server does not support SSL") {
        format!(
            "The server at {place} does not offer TLS: ask its administrator to turn TLS on \
             (a team store is never reached unencrypted over a network)."
        )
    } else {
        format!("Could not connect to {place}: {cause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> TeamStore {
        TeamStore {
            host: " db.example.com ".into(),
            port: 5432,
            database: "keydesk".into(),
            user: "tess".into(),
            tls: TlsMode::VerifyFull,
            ca_file: None,
        }
    }

    #[test]
    fn the_url_carries_every_field_and_verify_full_by_default() {
        let team = team().validate().unwrap();
        assert_eq!(
            team.url(Some("p@ss word")),
            "postgres://tess:p%40ss%20word@db.example.com:5432/keydesk?sslmode=verify-full"
        );
        assert_eq!(team.keyring_key(), "tess@db.example.com:5432/keydesk");
    }

    #[test]
    fn each_field_breaks_its_own_rule() {
        let field = |t: TeamStore| t.validate().unwrap_err().field();
        assert_eq!(
            field(TeamStore {
                host: " ".into(),
                ..team()
            }),
            Some("team_host")
        );
        assert_eq!(
            field(TeamStore {
                port: 70000,
                ..team()
            }),
            Some("team_port")
        );
        assert_eq!(
            field(TeamStore {
                user: "a b".into(),
                ..team()
            }),
            Some("team_user")
        );
        assert_eq!(
            field(TeamStore {
                ca_file: Some("/no/such/ca.pem".into()),
                ..team()
            }),
            Some("team_ca_file")
        );
    }
}
