use keydesk_core::validation::countries;
use serde::Serialize;

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
