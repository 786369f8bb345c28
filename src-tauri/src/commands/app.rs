use serde::Serialize;
use tauri::State;

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
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, WireError> {
    Ok(AppStatus {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.data_dir.display().to_string(),
        database: state.database.clone(),
        log_dir: state.log_dir.display().to_string(),
        startup_error: state.store().await.err(),
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
