//! Credentials health (issue 16): the page of secrets needing attention, the ribbon's badge,
//! and the expiry dates exported as iCalendar or CSV.

use std::path::PathBuf;

use chrono::Duration;
use keydesk_core::health::{self, HealthPage};
use keydesk_core::{expiry_export, Error};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;
use crate::WireError;

/// At most this many rows a page: the page asks for the next one.
const MAX_PAGE: u64 = 200;

pub fn warning(state: &AppState) -> Duration {
    Duration::days(i64::from(state.settings.lock().unwrap().warning_days))
}

#[tauri::command]
pub async fn credentials_health(
    state: State<'_, AppState>,
    offset: u64,
    limit: u64,
) -> Result<HealthPage, WireError> {
    let page = health::health(
        state.store().await?,
        warning(&state),
        offset,
        limit.clamp(1, MAX_PAGE),
    )
    .await?;
    Ok(page)
}

/// The ribbon's count: secrets expired or expiring within the warning window.
#[tauri::command]
pub async fn health_badge(state: State<'_, AppState>) -> Result<u64, WireError> {
    Ok(health::urgent_count(state.store().await?, warning(&state)).await?)
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Ics,
    Csv,
}

#[derive(Debug, Serialize)]
pub struct Exported {
    pub path: String,
    /// Secrets in the file (for iCalendar: those with an end).
    pub count: usize,
}

/// Writes the expiry dates of every live secret into the Downloads folder (the data folder
/// when there is none) and says where. Never a secret or its hint in either file.
#[tauri::command]
pub async fn export_expiries(
    app: AppHandle,
    state: State<'_, AppState>,
    format: ExportFormat,
) -> Result<Exported, WireError> {
    let store = state.store().await?;
    let expiries = expiry_export::live_expiries(store).await?;
    let now = store.now();
    let (text, extension, count) = match format {
        ExportFormat::Ics => (
            expiry_export::to_ics(&expiries, warning(&state), now),
            "ics",
            expiries.iter().filter(|e| e.ends_at.is_some()).count(),
        ),
        ExportFormat::Csv => (expiry_export::to_csv(&expiries), "csv", expiries.len()),
    };
    let folder: PathBuf = app
        .path()
        .download_dir()
        .ok()
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| state.data_dir.clone());
    let path = folder.join(format!(
        "keydesk-secret-expiries-{}.{extension}",
        now.format("%Y-%m-%d")
    ));
    std::fs::write(&path, text).map_err(|e| {
        WireError::from(Error::DataDir {
            path: path.clone(),
            cause: e.to_string(),
        })
    })?;
    tracing::info!(count, "secret expiry dates exported");
    Ok(Exported {
        path: path.display().to_string(),
        count,
    })
}
