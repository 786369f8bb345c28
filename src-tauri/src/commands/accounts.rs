use keydesk_core::accounts::{self, AccountView, DeletionImpact};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::search::{self, AccountHit, SearchPage};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

#[tauri::command]
pub async fn create_account(
    state: State<'_, AppState>,
    contact: ContactForm,
    billing: Option<BillingForm>,
) -> Result<AccountView, WireError> {
    Ok(
        accounts::create_account(state.store().await?, &contact, &billing.unwrap_or_default())
            .await?,
    )
}

#[tauri::command]
pub async fn get_account(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<AccountView, WireError> {
    Ok(accounts::get_account(state.store().await?, account_id).await?)
}

/// Opens an account and remembers it as the most recent (it reopens at the next start).
#[tauri::command]
pub async fn open_account(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<AccountView, WireError> {
    Ok(accounts::open_account(state.store().await?, account_id).await?)
}

#[tauri::command]
pub async fn last_opened_account(state: State<'_, AppState>) -> Result<Option<i32>, WireError> {
    Ok(accounts::last_opened_account(state.store().await?).await?)
}

#[tauri::command]
pub async fn search_accounts(
    state: State<'_, AppState>,
    query: String,
    offset: u64,
    limit: u64,
) -> Result<SearchPage, WireError> {
    Ok(search::search_accounts(state.store().await?, &query, offset, limit).await?)
}

#[tauri::command]
pub async fn recent_accounts(state: State<'_, AppState>) -> Result<Vec<AccountHit>, WireError> {
    Ok(search::recent_accounts(state.store().await?, 5).await?)
}

#[tauri::command]
pub async fn set_pinned(
    state: State<'_, AppState>,
    account_id: i32,
    pinned: bool,
) -> Result<(), WireError> {
    Ok(accounts::set_pinned(state.store().await?, account_id, pinned).await?)
}

#[tauri::command]
pub async fn account_deletion_impact(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<DeletionImpact, WireError> {
    Ok(accounts::deletion_impact(state.store().await?, account_id).await?)
}

/// Returns the OS keyring's complaints, if any entry could not be removed.
#[tauri::command]
pub async fn delete_account(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<Vec<String>, WireError> {
    Ok(accounts::delete_account(&state.keydesk().await?, account_id).await?)
}
