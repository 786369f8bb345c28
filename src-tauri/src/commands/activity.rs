use keydesk_core::audit::{self, ActivityEntry};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

/// How many events the page shows.
const SHOWN: u64 = 50;

#[tauri::command]
pub async fn list_activity(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<Vec<ActivityEntry>, WireError> {
    Ok(audit::list_activity(state.store().await?, account_id, SHOWN).await?)
}
