//! Preferences people expect to set: how long a copied secret stays on the clipboard, the
//! default grace period of Renew, the theme and the log level. Kept per user in the data folder as JSON
//! (never a secret in it), so a shared team store does not impose one person's choices.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::credentials::{Grace, Lifetime};
use crate::logging::LogLevel;
use crate::private_files;
use crate::team_store::TeamStore;
use crate::{Error, Result};

pub const SETTINGS_FILE: &str = "settings.json";
pub const CLIPBOARD_CLEAR_RANGE: std::ops::RangeInclusive<u32> = 1..=3600;
/// Ports the app's own token endpoint may listen on: not the privileged ones.
pub const TOKEN_ENDPOINT_PORT_RANGE: std::ops::RangeInclusive<u32> = 1024..=65535;
/// keydesk-server's default port, so a tried integration moves to a team server unchanged.
pub const DEFAULT_TOKEN_ENDPOINT_PORT: u32 = 8477;
/// Days before a secret's end that it counts as expiring (health view, badge, first reminder).
pub const WARNING_DAYS_RANGE: std::ops::RangeInclusive<u32> = 1..=365;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Seconds before a copied secret is cleared from the clipboard (if it is still there).
    pub clipboard_clear_seconds: u32,
    /// What the Renew dialog offers first for "Old secret stops working".
    pub default_grace: Grace,
    pub theme: Theme,
    /// How much goes to the log files (never a secret, at any level).
    pub log_level: LogLevel,
    /// "Your name", as the activity names who made a change; empty: the OS user's name.
    pub technician_name: String,
    /// Runs the OAuth 2.0 token endpoint inside the app, on 127.0.0.1 only, for one person
    /// trying an integration (a team runs keydesk-server instead).
    pub token_endpoint: bool,
    /// Its port (kept while it is off). A u32 so a number out of range gets a field error
    /// rather than failing to arrive.
    pub token_endpoint_port: u32,
    /// What Generate and Renew offer first for "Expires".
    pub default_lifetime: Lifetime,
    /// How many days before its end a secret counts as expiring.
    pub warning_days: u32,
    /// Desktop notifications before a secret lapses and when it has.
    pub reminders: bool,
    /// A team's PostgreSQL store to open instead of this computer's (issue 26): where it is,
    /// never its password (that is in the OS keyring). Changed only by *Use this store*.
    pub team_store: Option<TeamStore>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clipboard_clear_seconds: 30,
            default_grace: Grace::Now,
            theme: Theme::System,
            log_level: LogLevel::Info,
            technician_name: String::new(),
            token_endpoint: false,
            token_endpoint_port: DEFAULT_TOKEN_ENDPOINT_PORT,
            default_lifetime: Lifetime::OneYear,
            warning_days: 30,
            reminders: true,
            team_store: None,
        }
    }
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(SETTINGS_FILE)
}

impl Settings {
    pub fn validate(&self) -> Result<Settings> {
        if !CLIPBOARD_CLEAR_RANGE.contains(&self.clipboard_clear_seconds) {
            return Err(Error::invalid(
                "clipboard_clear_seconds",
                "Clear copied secrets after",
                format!(
                    "must be from {} to {} seconds",
                    CLIPBOARD_CLEAR_RANGE.start(),
                    CLIPBOARD_CLEAR_RANGE.end()
                ),
            ));
        }
        if !TOKEN_ENDPOINT_PORT_RANGE.contains(&self.token_endpoint_port) {
            return Err(Error::invalid(
                "token_endpoint_port",
                "Token endpoint port",
                format!(
                    "must be from {} to {}",
                    TOKEN_ENDPOINT_PORT_RANGE.start(),
                    TOKEN_ENDPOINT_PORT_RANGE.end()
                ),
            ));
        }
        if !WARNING_DAYS_RANGE.contains(&self.warning_days) {
            return Err(Error::invalid(
                "warning_days",
                "Warn before a secret expires",
                format!(
                    "must be from {} to {} days",
                    WARNING_DAYS_RANGE.start(),
                    WARNING_DAYS_RANGE.end()
                ),
            ));
        }
        Ok(Settings {
            technician_name: crate::validation::text(
                "technician_name",
                "Your name",
                &self.technician_name,
                crate::validation::MAX_NAME,
                false,
            )?,
            ..self.clone()
        })
    }

    /// The port the token endpoint should listen on, when it should run.
    pub fn token_endpoint_port(&self) -> Option<u16> {
        self.token_endpoint
            .then(|| u16::try_from(self.token_endpoint_port).ok())
            .flatten()
    }

    /// The saved settings; defaults when there are none or the file cannot be read as them
    /// (a broken preferences file must not keep Keydesk from starting).
    pub fn load(data_dir: &Path) -> Settings {
        std::fs::read(path(data_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Settings>(&bytes).ok())
            .and_then(|s| s.validate().ok())
            .unwrap_or_default()
    }

    /// Validates and saves, replacing the file in one step (write beside, then rename).
    pub fn save(&self, data_dir: &Path) -> Result<Settings> {
        let valid = self.validate()?;
        let io = |e: std::io::Error| Error::DataDir {
            path: data_dir.to_owned(),
            cause: e.to_string(),
        };
        private_files::private_dir(data_dir).map_err(io)?;
        let partial = data_dir.join(format!("{SETTINGS_FILE}.partial"));
        // Made private before a byte is written; truncated in case a crash left one behind.
        let mut file = private_files::create_private_file(&partial).map_err(io)?;
        file.set_len(0).map_err(io)?;
        file.write_all(&serde_json::to_vec_pretty(&valid).expect("settings serialise"))
            .map_err(io)?;
        drop(file);
        std::fs::rename(&partial, path(data_dir)).map_err(io)?;
        Ok(valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_saved_values_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let chosen = Settings {
            clipboard_clear_seconds: 10,
            default_grace: Grace::OneDay,
            theme: Theme::Dark,
            log_level: LogLevel::Debug,
            technician_name: "Dana Tech".into(),
            token_endpoint: true,
            token_endpoint_port: 9000,
            default_lifetime: Lifetime::Days90,
            warning_days: 14,
            reminders: false,
            team_store: Some(TeamStore {
                host: "db.example.com".into(),
                port: 5432,
                database: "keydesk".into(),
                user: "dana".into(),
                tls: crate::team_store::TlsMode::VerifyFull,
                ca_file: None,
            }),
        };
        chosen.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()), chosen);
    }

    #[test]
    fn out_of_range_delay_is_refused_by_name_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let err = Settings {
            clipboard_clear_seconds: 0,
            ..Settings::default()
        }
        .save(dir.path())
        .unwrap_err();
        assert_eq!(err.field(), Some("clipboard_clear_seconds"));
        assert_eq!(
            err.to_string(),
            "Clear copied secrets after: must be from 1 to 3600 seconds"
        );
        assert!(!dir.path().join(SETTINGS_FILE).exists());
    }

    #[test]
    fn the_token_endpoint_is_off_by_default_and_its_port_is_checked_by_name() {
        assert_eq!(Settings::default().token_endpoint_port(), None);
        for port in [0, 80, 65536] {
            let err = Settings {
                token_endpoint: true,
                token_endpoint_port: port,
                ..Settings::default()
            }
            .validate()
            .unwrap_err();
            assert_eq!(err.field(), Some("token_endpoint_port"));
            assert_eq!(
                err.to_string(),
                "Token endpoint port: must be from 1024 to 65535"
            );
        }
        let on = Settings {
            token_endpoint: true,
            ..Settings::default()
        };
        assert_eq!(on.validate().unwrap().token_endpoint_port(), Some(8477));
    }

    #[test]
    fn a_broken_file_falls_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), b"{ not json").unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
    }
}
