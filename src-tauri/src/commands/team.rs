//! Preferences → Team: adding a technician is the one command here, because a password crosses
//! to the webview (once, in this response) and may be kept in this computer's keyring; listing,
//! changing and disabling pass straight through (their lines in `list.rs`).

use keydesk_core::team::{self, TechnicianForm};
use keydesk_core::team_store;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

/// A technician just added, with their password: wiped when dropped after serialising.
pub struct AddedResponse {
    added: team::NewTechnician,
    /// Where the password was kept, or why it could not be (it is shown anyway).
    keyring: Option<Result<String, String>>,
}

impl Serialize for AddedResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AddedTechnician", 4)?;
        s.serialize_field("technician", &self.added.technician)?;
        s.serialize_field("password", self.added.password.expose())?;
        s.serialize_field(
            "keyring",
            &self.keyring.as_ref().and_then(|k| k.as_ref().ok()),
        )?;
        s.serialize_field(
            "keyring_error",
            &self.keyring.as_ref().and_then(|k| k.as_ref().err()),
        )?;
        s.end()
    }
}

#[tauri::command]
pub async fn add_technician(
    state: State<'_, AppState>,
    form: TechnicianForm,
    keep_in_keyring: bool,
) -> Result<AddedResponse, WireError> {
    let store = state.store().await?;
    let added = team::add_technician(store, &form).await?;
    let keyring =
        match keep_in_keyring.then(|| team_store::as_login(store, &added.technician.login)) {
            None => None,
            Some(None) => Some(Err("this store is not a team's server".to_owned())),
            Some(Some(team)) => Some(
                team_store::save_password(&team, added.password.expose())
                    .await
                    .map(|()| team.keyring_key())
                    .map_err(|e| e.to_string()),
            ),
        };
    Ok(AddedResponse { added, keyring })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire shape ui/team.js reads.
    #[test]
    fn an_added_technician_crosses_with_the_password_once() {
        let response = AddedResponse {
            added: team::NewTechnician {
                technician: team::Technician {
                    login: "vic".into(),
                    display_name: "Vic Viewer".into(),
                    role: Some(team::Role::Viewer),
                    all_accounts: false,
                    tags: vec!["eu".into()],
                    can_log_in: true,
                    last_activity: None,
                },
                password: keydesk_core::secrets::Secret::new("pw".into()),
            },
            keyring: Some(Err("no keyring".into())),
        };
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            serde_json::json!({
                "technician": {
                    "login": "vic", "display_name": "Vic Viewer", "role": "viewer",
                    "all_accounts": false, "tags": ["eu"], "can_log_in": true,
                    "last_activity": null
                },
                "password": "pw",
                "keyring": null,
                "keyring_error": "no keyring"
            })
        );
    }
}
