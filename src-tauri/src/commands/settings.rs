use keydesk_core::settings::Settings;
use tauri::State;

use crate::state::AppState;
use crate::WireError;

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings.lock().unwrap().clone()
}

#[tauri::command]
pub fn update_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<Settings, WireError> {
    let saved = settings.save(&state.data_dir)?;
    *state.settings.lock().unwrap() = saved.clone();
    if let Some(log) = &state.log {
        log.set_level(saved.log_level);
    }
    Ok(saved)
}
