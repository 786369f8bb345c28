use keydesk_core::audit;
use keydesk_core::secrets::Secret;
use keydesk_core::settings::Settings;
use keydesk_core::team_store::{self, ConnectionReport, TeamStore};
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
    // The store is changed only by *Use this store* (it restarts Keydesk); this form keeps it.
    let settings = Settings {
        team_store: state.settings.lock().unwrap().team_store.clone(),
        ..settings
    };
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

/// Settings → Store → *Test connection*: connects as typed (the typed password, else the one
/// kept in the keyring) and says in sentences what it found, or what is wrong and what to do.
/// Changes nothing, here or on the server.
#[tauri::command]
pub async fn test_team_store(
    team: TeamStore,
    password: Option<String>,
) -> Result<ConnectionReport, WireError> {
    let password = password.filter(|p| !p.is_empty()).map(Secret::new);
    Ok(team_store::test_connection(&team, password.as_ref().map(Secret::expose)).await?)
}

/// Settings → Store → *Use this store*: the password into the OS keyring, the server into
/// settings.json, and Keydesk restarts onto it. `None`: back to this computer's store, as it
/// was left.
#[tauri::command]
pub async fn use_store(
    app: AppHandle,
    state: State<'_, AppState>,
    team: Option<TeamStore>,
    password: Option<String>,
) -> Result<(), WireError> {
    let team = team.map(|t| t.validate()).transpose()?;
    let password = password.filter(|p| !p.is_empty()).map(Secret::new);
    if let (Some(team), Some(password)) = (&team, &password) {
        team_store::save_password(team, password.expose()).await?;
    }
    let mut settings = state.settings.lock().unwrap().clone();
    settings.team_store = team;
    let saved = settings.save(&state.data_dir)?;
    *state.settings.lock().unwrap() = saved;
    tracing::info!("the store was changed in Settings; restarting");
    // Let the answer reach the page first.
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        app.request_restart();
    });
    Ok(())
}
