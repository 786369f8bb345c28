use keydesk_core::bulk::{self, BulkTarget};
use keydesk_core::selection::Selection;
use tauri::State;

use crate::state::AppState;
use crate::WireError;

/// The accounts a bulk action would touch: those chosen, every account with `tag`, or (neither)
/// every account, as core's `Selection` reads the page's fields.
#[tauri::command]
pub async fn bulk_targets(
    state: State<'_, AppState>,
    account_ids: Option<Vec<i32>>,
    tag: Option<String>,
) -> Result<Vec<BulkTarget>, WireError> {
    let store = state.store().await?;
    let ids = Selection::from_fields(tag, account_ids)
        .account_ids(store)
        .await?;
    Ok(bulk::bulk_targets(store, &ids).await?)
}
