//! Settings → Alerts: adding a channel is the one command here, because a webhook's signing key
//! crosses to the webview (once, in this response); listing, testing and deleting pass straight
//! through (their lines in `list.rs`).

use keydesk_core::alerts::{self, ChannelForm};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

/// A channel just added and its signing key (webhooks), wiped when dropped after serialising.
pub struct AddedChannel(alerts::NewChannel);

impl Serialize for AddedChannel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AddedChannel", 2)?;
        s.serialize_field("channel", &self.0.channel)?;
        s.serialize_field(
            "signing_secret",
            &self.0.signing_secret.as_ref().map(|k| k.expose()),
        )?;
        s.end()
    }
}

/// Adds the channel; an e-mail channel's SMTP password (when given) goes to this computer's OS
/// keyring, where this Keydesk finds it to send — never to the store.
#[tauri::command]
pub async fn add_alert_channel(
    state: State<'_, AppState>,
    form: ChannelForm,
    smtp_password: Option<String>,
) -> Result<AddedChannel, WireError> {
    let password = smtp_password.map(keydesk_core::secrets::Secret::new);
    if let (Some(password), "email") = (&password, form.kind.as_str()) {
        // Checked (and kept) first: a channel is not added that could never log in here.
        let smtp = alerts::Smtp::from_form(&form)?;
        alerts::email::save_password(&smtp, password.expose()).await?;
    }
    Ok(AddedChannel(
        alerts::add_channel(state.store().await?, &form).await?,
    ))
}
