use keydesk_core::audit;
use keydesk_core::settings::Settings;
use tauri::State;

use crate::state::AppState;
use crate::WireError;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings.lock().unwrap().clone()
}

#[tauri::command]
pub async fn update_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<Settings, WireError> {
    let saved = settings.save(&state.data_dir)?;
    *state.settings.lock().unwrap() = saved.clone();
    if let Some(log) = &state.log {
        log.set_level(saved.log_level);
    }
    // The activity names the new name from the next change on.
    if let Ok(store) = state.store().await {
        store.set_actor(Some(audit::actor(&saved.technician_name)));
    }
    Ok(saved)
}
