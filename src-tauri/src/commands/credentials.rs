use keydesk_core::credentials::{
    self, CredentialForm, Grace, Issued, Lifetime, RenewLifetime, Verification,
};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::secrets::Secret;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use tauri::{AppHandle, State};

use crate::clipboard;
use crate::state::AppState;
use crate::WireError;

/// A new credential or secret as it crosses to the webview: the only response that ever
/// carries a secret. The plaintext is wiped when this value is dropped after serialising.
pub struct IssuedResponse(Issued);

impl Serialize for IssuedResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Issued", 3)?;
        s.serialize_field("credential", &self.0.credential)?;
        s.serialize_field("secret", self.0.secret.expose())?;
        s.serialize_field("keyring", &self.0.keyring)?;
        s.end()
    }
}

#[derive(Debug, Serialize)]
pub struct Deleted {
    /// Set when the keyring entry could not be removed (the credential is deleted anyway).
    pub keyring_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Copied {
    /// When a secret was copied: seconds until the clipboard is cleared.
    pub clears_in_seconds: Option<u64>,
}

#[tauri::command]
pub async fn generate_credentials(
    state: State<'_, AppState>,
    account_id: i32,
    form: CredentialForm,
    lifetime: Option<Lifetime>,
    store_in_keyring: bool,
) -> Result<IssuedResponse, WireError> {
    // Not given: the default of Settings, as the dialog would have offered it.
    let lifetime = lifetime.unwrap_or_else(|| state.settings.lock().unwrap().default_lifetime);
    let issued = credentials::generate(
        &state.keydesk().await?,
        &GenerateRequest::new(account_id, &form)
            .lifetime(lifetime)
            .store_in_keyring(store_in_keyring),
    )
    .await?;
    Ok(IssuedResponse(issued))
}

#[tauri::command]
pub async fn renew_secret(
    state: State<'_, AppState>,
    credential_id: i32,
    grace: Grace,
    lifetime: Option<Lifetime>,
    store_in_keyring: bool,
) -> Result<IssuedResponse, WireError> {
    // Not given: the current secret's lifetime again ("Keep the current lifetime").
    let lifetime = lifetime.map_or(RenewLifetime::Current, RenewLifetime::Choose);
    let issued = credentials::renew(
        &state.keydesk().await?,
        &RenewRequest::new(credential_id, grace)
            .lifetime(lifetime)
            .store_in_keyring(store_in_keyring),
    )
    .await?;
    Ok(IssuedResponse(issued))
}

#[tauri::command]
pub async fn delete_credentials(
    state: State<'_, AppState>,
    credential_id: i32,
) -> Result<Deleted, WireError> {
    let keyring_error = credentials::delete(&state.keydesk().await?, credential_id).await?;
    Ok(Deleted { keyring_error })
}

#[tauri::command]
pub async fn verify_credentials(
    state: State<'_, AppState>,
    client_id: String,
    secret: String,
) -> Result<Verification, WireError> {
    let secret = Secret::new(secret);
    Ok(credentials::verify(state.store().await?, &client_id, secret.expose()).await?)
}

#[tauri::command]
pub async fn copy_client_id(
    app: AppHandle,
    state: State<'_, AppState>,
    credential_id: i32,
) -> Result<Copied, WireError> {
    let listed = credentials::client_id(state.store().await?, credential_id).await?;
    clipboard::copy_text(&app, &listed)?;
    Ok(Copied {
        clears_in_seconds: None,
    })
}

/// Copies the secret shown once on the page (it is already in the webview).
#[tauri::command]
pub async fn copy_secret(app: AppHandle, secret: String) -> Result<Copied, WireError> {
    let delay = clipboard::copy_secret(&app, Secret::new(secret))?;
    Ok(Copied {
        clears_in_seconds: Some(delay.as_secs()),
    })
}

/// Copies the secret from the OS keyring without it ever entering the webview.
#[tauri::command]
pub async fn copy_secret_from_keyring(
    app: AppHandle,
    state: State<'_, AppState>,
    credential_id: i32,
) -> Result<Copied, WireError> {
    let secret = credentials::secret_from_keyring(&state.keydesk().await?, credential_id).await?;
    let delay = clipboard::copy_secret(&app, secret)?;
    Ok(Copied {
        clears_in_seconds: Some(delay.as_secs()),
    })
}
