//! Credentials health (issue 16): the page of secrets needing attention, the ribbon's badge,
//! and the expiry dates exported as iCalendar or CSV.

use chrono::Duration;
use keydesk_core::expiry_export;
use keydesk_core::files::{self, Exported};
use keydesk_core::health::{self, HealthPage};
use tauri::State;

use crate::commands::transfer::confirm_overwrite;
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

/// Writes the expiry dates of every live secret to `path` (chosen with the OS's save dialog or
/// typed): iCalendar for a `.ics` name, CSV for a `.csv` one. Never a secret or its hint.
#[tauri::command]
pub async fn export_expiries(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<Exported, WireError> {
    let path = files::checked_path(&path, &["ics", "csv"])?;
    confirm_overwrite(&app, &state.data_dir, &path).await?;
    let store = state.store().await?;
    let expiries = expiry_export::live_expiries(store).await?;
    let is_ics = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ics"));
    let (text, count) = if is_ics {
        (
            expiry_export::to_ics(&expiries, warning(&state), store.now()),
            expiries.iter().filter(|e| e.ends_at.is_some()).count(),
        )
    } else {
        (expiry_export::to_csv(&expiries), expiries.len())
    };
    // Rows: the secrets in the file (for iCalendar, those with an end).
    let exported = files::export_to(&path, &text, count)?;
    tracing::info!(count, "secret expiry dates exported");
    Ok(exported)
}
