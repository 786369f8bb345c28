//! Everything Keydesk does while it runs without being asked, started from one place (issue 25
//! item 5): telling the page what changed (and, on SQLite, what other processes wrote), the
//! in-app token endpoint if it was left on, the OS keyring sweep, the daily backup, and the
//! reminders. Each loop lives as long as the app; what each one does is core's.

use keydesk_core::Keydesk;
use std::time::Duration;

use keydesk_core::{backup, credentials, StoreLocation};
use tauri::{AppHandle, Manager};

use crate::events::{self, PageEvent, PageEvents};
use crate::state::AppState;
use crate::token_endpoint::TokenEndpoint;

/// How often the app looks whether today's automatic backup is due.
const DAILY_CHECK: Duration = Duration::from_secs(3600);
/// The first look waits until start-up is long over.
const FIRST_BACKUP_CHECK: Duration = Duration::from_secs(20);

/// Starts every background loop; called once from the app's setup.
pub fn start(app: &AppHandle) {
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<AppState>();
        let Ok(store) = state.store().await else {
            return;
        };
        // Every change reaches the page, wherever it was made.
        events::forward_changes(handle.clone(), store).await;
        // Settings → "Token endpoint for this computer", if it was left on.
        let wanted = state.settings.lock().unwrap().token_endpoint_port();
        let endpoint = handle.state::<TokenEndpoint>();
        endpoint.apply(store, wanted, None).await;
        if wanted.is_some() {
            handle
                .state::<PageEvents>()
                .send(PageEvent::TokenEndpointChanged);
        }
    });
    sweep_keyring(app.clone());
    daily_backup(app.clone());
    crate::reminders::start(app.clone());
}

/// Removes replaced secrets from this computer's OS keyring: what an earlier run could not
/// remove, a secret renewed or deleted on another computer. At start (a slow keyring must not
/// hold up the first page, so beside it) and every `KEYRING_SWEEP_EVERY` — never inside a
/// renewal. The card of each credential concerned says so until it is gone.
fn sweep_keyring(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Ok(store) = state.store().await else {
            return;
        };
        loop {
            for complaint in
                credentials::remove_stale_keyring_entries(&Keydesk::new(store, &state.vault)).await
            {
                tracing::warn!("{complaint}");
            }
            tokio::time::sleep(credentials::KEYRING_SWEEP_EVERY).await;
        }
    });
}

/// Takes today's automatic backup once the store is open, then looks again every hour. A
/// PostgreSQL store has none: its database server backs it up.
fn daily_backup(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_BACKUP_CHECK).await;
        loop {
            let state = app.state::<AppState>();
            if let Ok(store) = state.store().await {
                if matches!(store.location(), StoreLocation::Url(_)) {
                    return;
                }
                if let Err(err) = backup::daily_backup(store, &state.data_dir).await {
                    tracing::warn!("the daily backup failed: {err}");
                }
            }
            tokio::time::sleep(DAILY_CHECK).await;
        }
    });
}
