use std::path::PathBuf;

use std::sync::Mutex;

use keydesk_core::settings::Settings;
use keydesk_core::vault::Vault;
use keydesk_core::{accounts, demo, Store, StoreLocation};

use crate::cli::Options;
use crate::WireError;

/// What the commands share. A store that failed to open is kept as its error, so the window
/// can show the cause (naming the file) instead of the app panicking or vanishing.
pub struct AppState {
    pub store: Result<Store, WireError>,
    pub data_dir: PathBuf,
    pub database: String,
    pub vault: Vault,
    pub settings: Mutex<Settings>,
}

impl AppState {
    pub fn start(os_data_dir: PathBuf, options: &Options) -> AppState {
        let data_dir = StoreLocation::data_dir(os_data_dir);
        let location = StoreLocation::resolve(&data_dir);
        let database = location.describe();
        let store = tauri::async_runtime::block_on(async {
            let store = Store::open(location).await?;
            if options.demo {
                demo::seed_demo(&store).await?;
            }
            // Once: a restart with the same option does not add them again.
            if options.demo_accounts > 0
                && accounts::count_accounts(&store).await? < u64::from(options.demo_accounts)
            {
                demo::seed_accounts(&store, options.demo_accounts).await?;
            }
            Ok::<_, keydesk_core::Error>(store)
        })
        .map_err(|err| {
            eprintln!("keydesk: {err}");
            WireError::from(err)
        });
        AppState {
            store,
            settings: Mutex::new(Settings::load(&data_dir)),
            data_dir,
            database,
            vault: Vault::default(),
        }
    }

    pub fn store(&self) -> Result<&Store, WireError> {
        self.store.as_ref().map_err(Clone::clone)
    }
}
