use keydesk_core::accounts::{self, AccountSummary, AccountView};
use keydesk_core::validation::{BillingForm, ContactForm};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountSummary>, WireError> {
    Ok(accounts::list_accounts(state.store()?).await?)
}

#[tauri::command]
pub async fn create_account(
    state: State<'_, AppState>,
    contact: ContactForm,
    billing: Option<BillingForm>,
) -> Result<AccountView, WireError> {
    Ok(accounts::create_account(state.store()?, &contact, &billing.unwrap_or_default()).await?)
}

#[tauri::command]
pub async fn get_account(
    state: State<'_, AppState>,
    account_id: i32,
) -> Result<AccountView, WireError> {
    Ok(accounts::get_account(state.store()?, account_id).await?)
}
