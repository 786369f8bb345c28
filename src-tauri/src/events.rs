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
    /// Something the page may show changed — here, in another window's command, or in another
    /// process on the same store (`keydesk_core::changes`): the page redraws what shows it.
    Changed {
        account_id: Option<i32>,
        credential_id: Option<i32>,
        action: &'static str,
    },
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

/// Tells the page every change the store publishes (its own commits and, on SQLite, other
/// processes' writes) for as long as Keydesk runs.
pub fn forward_changes(app: tauri::AppHandle, store: &keydesk_core::Store) {
    use tauri::Manager;
    use tokio::sync::broadcast::error::RecvError;
    let mut changes = store.subscribe_changes();
    // Lives as long as the app: the watcher task is never aborted.
    let _watcher = store.watch_other_processes();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match changes.recv().await {
                Ok(change) => PageEvent::Changed {
                    account_id: change.account_id,
                    credential_id: change.credential_id,
                    action: change.action,
                },
                // Too far behind to say what: everything shown is read again.
                Err(RecvError::Lagged(_)) => PageEvent::Changed {
                    account_id: None,
                    credential_id: None,
                    action: keydesk_core::changes::CHANGED_ELSEWHERE,
                },
                Err(RecvError::Closed) => break,
            };
            app.state::<PageEvents>().send(event);
        }
    });
}
