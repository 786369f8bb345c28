use keydesk_core::Keydesk;
use std::path::PathBuf;
use std::sync::Mutex;

use keydesk_core::logging::{self, LogControl};
use keydesk_core::settings::Settings;
use keydesk_core::team_store::{self, TeamStore};
use keydesk_core::vault::{self, Vault};
use keydesk_core::{accounts, audit, demo, Store, StoreLocation};
use tokio::sync::OnceCell;

use crate::cli::Options;
use crate::WireError;

/// What the commands share. The store opens in the background while the window and WebKit
/// start (they take far longer), and commands wait for it. A store that failed to open is kept
/// as its error, so the window shows the cause (naming the file) instead of the app vanishing.
pub struct AppState {
    store: OnceCell<Result<Store, WireError>>,
    location: StoreLocation,
    /// The team store chosen in Settings, when that is what `location` is.
    team_store: Option<TeamStore>,
    options: Options,
    pub data_dir: PathBuf,
    pub database: String,
    pub vault: Vault,
    pub settings: Mutex<Settings>,
    /// Where the log files go, and the running logger (None when it could not start).
    pub log_dir: PathBuf,
    pub log: Option<LogControl>,
}

impl AppState {
    pub fn new(os_data_dir: PathBuf, log_dir: PathBuf, options: &Options) -> AppState {
        let data_dir = StoreLocation::data_dir(os_data_dir);
        let settings = Settings::load(&data_dir);
        // KEYDESK_DATABASE_URL first (scripts, tests), then the team store chosen in Settings
        // (its password is read from the keyring when the store opens), then this computer's.
        let (location, team_store) = team_store::chosen(&data_dir, &settings);
        let log = match logging::init(&log_dir, settings.log_level) {
            Ok(control) => Some(control),
            Err(err) => {
                eprintln!("keydesk: no log files: {err}");
                None
            }
        };
        tracing::info!(version = env!("CARGO_PKG_VERSION"), "Keydesk started");
        AppState {
            log_dir,
            log,
            store: OnceCell::new(),
            database: location.describe(),
            location,
            team_store,
            options: options.clone(),
            settings: Mutex::new(settings),
            data_dir,
            vault: Vault::default(),
        }
    }

    /// Whether the store is the team store chosen in Settings.
    pub fn team_store_chosen(&self) -> bool {
        self.team_store.is_some()
    }

    /// The context of actions that touch the store and this computer's keyring.
    pub async fn keydesk(&self) -> Result<Keydesk, WireError> {
        Ok(Keydesk::new(self.store().await?, &self.vault))
    }

    /// The open store, opening it on first use (start-up begins this right away).
    pub async fn store(&self) -> Result<&Store, WireError> {
        self.store
            .get_or_init(|| self.open())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn open(&self) -> Result<Store, WireError> {
        let opened = async {
            // A backup chosen in "Restore from backup…" before the restart takes its place now.
            if let StoreLocation::SqliteFile(file) = &self.location {
                keydesk_core::backup::apply_staged_restore(file).await?;
            }
            let location = match &self.team_store {
                Some(team) => {
                    let password = team_store::saved_password(team).await?;
                    StoreLocation::Url(team.url(password.as_ref().map(|p| p.expose())))
                }
                None => self.location.clone(),
            };
            let opened = Store::open(location)
                .await
                .map_err(|e| match &self.team_store {
                    Some(team) => team_store::explain(e, team),
                    None => e,
                });
            let store = debug_clock(opened?);
            let technician = self.settings.lock().unwrap().technician_name.clone();
            store.set_actor(Some(audit::actor(&technician)));
            // This computer's keyring is its own: which secret it holds is recorded per machine.
            store.set_machine_id(vault::machine_id(&self.data_dir)?);
            // run() refused this already; never seed a shared store unasked all the same.
            if self.options.demo_refusal(&self.location).is_some() {
                return Ok(store);
            }
            if self.options.demo {
                demo::seed_demo(&store).await?;
            }
            // Once: a restart with the same option does not add them again.
            let wanted = self.options.demo_accounts;
            if wanted > 0 && accounts::count_accounts(&store).await? < u64::from(wanted) {
                demo::seed_accounts(&store, wanted).await?;
            }
            Ok::<_, keydesk_core::Error>(store)
        };
        opened.await.map_err(|err| {
            eprintln!("keydesk: {err}");
            WireError::from(err)
        })
    }
}

/// Debug builds only: `KEYDESK_NOW` (see `Store::with_debug_clock`).
fn debug_clock(store: Store) -> Store {
    store.with_debug_clock()
}
