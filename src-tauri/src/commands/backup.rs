//! Backups page: "Back up now" to a chosen file, the daily automatic backups, "Restore from
//! backup…" (checked, staged, applied at the restart that follows). A PostgreSQL store has none
//! of these: its database server backs it up.

use std::time::Duration;

use keydesk_core::backup::{self, BackupCheck, BackupInfo};
use keydesk_core::files;
use keydesk_core::StoreLocation;
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::commands::transfer::confirm_overwrite;
use crate::state::AppState;
use crate::WireError;

const BACKUP_EXTENSIONS: &[&str] = &["sqlite3", "sqlite", "db"];

#[derive(Debug, Serialize)]
pub struct BackupStatus {
    /// The store is a PostgreSQL database: backups are its server's job.
    pub postgres: bool,
    /// The folder of the daily backups.
    pub folder: String,
    /// The daily backups kept, newest first.
    pub daily: Vec<String>,
}

#[tauri::command]
pub async fn backup_status(state: State<'_, AppState>) -> Result<BackupStatus, WireError> {
    let store = state.store().await?;
    let mut daily: Vec<String> = backup::daily_backups(&state.data_dir)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    daily.reverse();
    Ok(BackupStatus {
        postgres: matches!(store.location(), StoreLocation::Url(_)),
        folder: state
            .data_dir
            .join(backup::BACKUP_DIR)
            .display()
            .to_string(),
        daily,
    })
}

#[tauri::command]
pub async fn back_up_now(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<BackupInfo, WireError> {
    let path = files::checked_path(&path, BACKUP_EXTENSIONS)?;
    confirm_overwrite(&app, &state.data_dir, &path).await?;
    Ok(backup::back_up(state.store().await?, &path).await?)
}

/// Checks the backup and says what restoring it would do (`confirmed` false: what the
/// confirmation shows, such as how many secrets renewed or deleted since stay ended); once
/// confirmed, stages it and restarts Keydesk on it (the current store kept aside).
#[tauri::command]
pub async fn restore_backup(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    confirmed: Option<bool>,
) -> Result<BackupCheck, WireError> {
    let path = files::checked_path(&path, BACKUP_EXTENSIONS)?;
    if confirmed != Some(true) {
        return Ok(backup::preview_restore(state.store().await?, &path).await?);
    }
    let check = backup::stage_restore(state.store().await?, &path).await?;
    tracing::info!("restore staged; restarting");
    // Let the answer reach the page first.
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        app.request_restart();
    });
    Ok(check)
}
