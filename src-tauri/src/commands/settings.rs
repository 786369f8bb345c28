use keydesk_core::audit;
use keydesk_core::settings::Settings;
use tauri::{AppHandle, State};

use crate::state::AppState;
use crate::token_endpoint::{EndpointStatus, TokenEndpoint};
use crate::WireError;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings.lock().unwrap().clone()
}

/// Validates, binds the token endpoint's port if it is to run on a new one (a taken port is a
/// field error and nothing is saved), saves, then starts or stops the endpoint to match.
#[tauri::command]
pub async fn update_settings(
    state: State<'_, AppState>,
    endpoint: State<'_, TokenEndpoint>,
    settings: Settings,
) -> Result<Settings, WireError> {
    let wanted = settings.validate()?.token_endpoint_port();
    let listener = endpoint.prepare(wanted).await?;
    let saved = settings.save(&state.data_dir)?;
    *state.settings.lock().unwrap() = saved.clone();
    if let Some(log) = &state.log {
        log.set_level(saved.log_level);
    }
    if let Ok(store) = state.store().await {
        // The activity names the new name from the next change on.
        store.set_actor(Some(audit::actor(&saved.technician_name)));
        endpoint.apply(store, wanted, listener).await;
    }
    Ok(saved)
}

/// The token endpoint's URL and a `curl` example while it runs, or why it does not.
#[tauri::command]
pub fn token_endpoint_status(endpoint: State<'_, TokenEndpoint>) -> EndpointStatus {
    endpoint.status()
}

/// Copies the `curl` example (placeholders only: not a secret, so no clearing).
#[tauri::command]
pub fn copy_token_endpoint_example(
    app: AppHandle,
    endpoint: State<'_, TokenEndpoint>,
) -> Result<(), WireError> {
    let example = endpoint.status().curl_example.ok_or(WireError {
        code: "token_endpoint_off",
        message: "The token endpoint is off; turn it on in Settings.".to_owned(),
        field: None,
    })?;
    crate::clipboard::copy_text(&app, &example)
}
