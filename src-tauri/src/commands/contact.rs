use keydesk_core::accounts::{self, AccountView};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::validation::countries;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;
use crate::WireError;

#[tauri::command]
pub async fn update_contact(
    state: State<'_, AppState>,
    account_id: i32,
    version: i32,
    form: ContactForm,
) -> Result<AccountView, WireError> {
    Ok(accounts::update_contact(state.store().await?, account_id, version, &form).await?)
}

#[tauri::command]
pub async fn update_billing(
    state: State<'_, AppState>,
    account_id: i32,
    version: i32,
    form: BillingForm,
) -> Result<AccountView, WireError> {
    Ok(accounts::update_billing(state.store().await?, account_id, version, &form).await?)
}

#[derive(Debug, Serialize)]
pub struct CountryOption {
    pub code: String,
    pub name: String,
}

/// The ISO 3166 countries for the country pickers, by name.
#[tauri::command]
pub fn list_countries() -> Vec<CountryOption> {
    countries()
        .into_iter()
        .map(|(code, name)| CountryOption { code, name })
        .collect()
}
