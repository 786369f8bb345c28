use keydesk_core::tags::{self, TagUse};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

#[tauri::command]
pub async fn list_account_tags(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<Vec<String>, WireError> {
    Ok(tags::account_tags(state.store().await?, account_id).await?)
}

/// Every tag in use with its number of accounts: suggestions and the Home filter.
#[tauri::command]
pub async fn list_tags(state: State<'_, AppState>) -> Result<Vec<TagUse>, WireError> {
    Ok(tags::all_tags(state.store().await?).await?)
}

#[tauri::command]
pub async fn add_account_tag(
    state: State<'_, AppState>,
    account_id: i32,
    tag: String,
) -> Result<Vec<String>, WireError> {
    Ok(tags::add_tag(state.store().await?, account_id, &tag).await?)
}

#[tauri::command]
pub async fn remove_account_tag(
    state: State<'_, AppState>,
    account_id: i32,
    tag: String,
) -> Result<Vec<String>, WireError> {
    Ok(tags::remove_tag(state.store().await?, account_id, &tag).await?)
}
