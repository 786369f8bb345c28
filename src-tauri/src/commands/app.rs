use keydesk_core::credentials::{Grace, Lifetime};
use keydesk_core::settings::Settings;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::events::{PageEvent, PageEvents};
use crate::state::AppState;
use crate::WireError;

#[derive(Debug, Serialize)]
pub struct AppStatus {
    pub version: &'static str,
    pub data_dir: String,
    pub database: String,
    pub log_dir: String,
    /// Set when the store could not be opened; the page then shows only this.
    pub startup_error: Option<WireError>,
    /// The store is a team's, chosen in Settings: when it cannot be opened the page offers the
    /// way back to this computer's store.
    pub team_store: bool,
    /// The store clock's time, so "in 105 days" counts from the same now as the store's rules
    /// (the system's time, except in a debug build's test run).
    pub now: chrono::DateTime<chrono::Utc>,
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, WireError> {
    let store = state.store().await;
    Ok(AppStatus {
        now: store
            .as_ref()
            .map_or_else(|_| chrono::Utc::now(), |s| s.now()),
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.data_dir.display().to_string(),
        database: state.database.clone(),
        log_dir: state.log_dir.display().to_string(),
        team_store: state.team_store_chosen(),
        startup_error: store.err(),
    })
}

/// The page calls this once it has drawn real data. With `KEYDESK_REPORT_READY` set it prints
/// `ready`, which `cargo xtask bench` times from launch (a bare Tauri app gives the same signal).
#[tauri::command]
pub fn page_ready() {
    if std::env::var_os("KEYDESK_REPORT_READY").is_some() {
        println!("ready");
    }
}

/// Quits Keydesk (Ctrl+Q), as closing the window does: through the exit request, where a
/// secret still on the clipboard is cleared.
#[tauri::command]
pub fn quit(app: AppHandle) {
    tracing::info!("quit from the keyboard");
    app.exit(0);
}

/// The folders the About dialog and Settings show.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    Data,
    Logs,
}

/// Opens the data or log folder in the file manager (from Rust: the webview has no opener
/// permission).
#[tauri::command]
pub fn open_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    folder: Folder,
) -> Result<(), WireError> {
    use tauri_plugin_opener::OpenerExt;
    let path = match folder {
        Folder::Data => &state.data_dir,
        Folder::Logs => &state.log_dir,
    };
    let _ = std::fs::create_dir_all(path);
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|err| WireError {
            code: "open_folder",
            message: format!("{} could not be opened: {err}", path.display()),
            field: None,
        })
}

/// What the page would otherwise copy by hand: the Renew grace choices with their labels and
/// the settings' defaults.
#[derive(Debug, Serialize)]
pub struct PageConstants {
    /// `[code, label]`, in the order offered.
    pub grace_choices: Vec<(Grace, &'static str)>,
    /// `[code, label, days]` of "Expires: …" in Generate and Renew (days: null for never), so
    /// the page can offer only what a team's lifetime policy allows.
    pub lifetime_choices: Vec<(Lifetime, &'static str, Option<i64>)>,
    pub default_settings: Settings,
}

#[tauri::command]
pub fn page_constants() -> PageConstants {
    PageConstants {
        grace_choices: Grace::ALL.iter().map(|g| (*g, g.label())).collect(),
        lifetime_choices: Lifetime::ALL
            .iter()
            .map(|l| (*l, l.label(), l.duration().map(|d| d.num_days())))
            .collect(),
        default_settings: Settings::default(),
    }
}

/// The page's channel for events from Rust (see `crate::events`).
#[tauri::command]
pub fn subscribe_page_events(events: State<'_, PageEvents>, channel: Channel<PageEvent>) {
    events.attach(channel);
}
