//! Events from Rust to the page, typed. The page opens one channel at start
//! (`subscribe_page_events`); Rust sends on it. No `window.eval`, no event permission: the
//! channel rides on the app's own command. The next issues send through it too (a secret
//! expiring, the team store changed by another technician).

use std::sync::Mutex;

use serde::Serialize;
use tauri::ipc::Channel;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PageEvent {
    /// Someone started Keydesk again; this window came to the front instead.
    SecondLaunch,
    /// The token endpoint for this computer started or could not (at launch, after the store
    /// opened): the API CREDENTIALS section asks `token_endpoint_status` again.
    TokenEndpointChanged,
    /// The reminders timer looked again: the ribbon's health badge asks for its count.
    HealthChanged,
    /// A reminder was clicked: the page opens its account.
    OpenAccount { account_id: i32 },
}

/// The page's channel, once it has opened one. A reload opens a new one and replaces it.
#[derive(Default)]
pub struct PageEvents(Mutex<Option<Channel<PageEvent>>>);

impl PageEvents {
    pub fn attach(&self, channel: Channel<PageEvent>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(channel);
    }

    /// Sends to the page; an event before the page listens (or after it went away) is dropped.
    pub fn send(&self, event: PageEvent) {
        if let Some(channel) = &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            if let Err(err) = channel.send(event) {
                tracing::debug!("page event not delivered: {err}");
            }
        }
    }
}
