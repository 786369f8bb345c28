//! Events from Rust to the page, typed. The page opens one channel at start
//! (`subscribe_page_events`); Rust sends on it. No `window.eval`, no event permission: the
//! channel rides on the app's own command. The next issues send through it too (a secret
//! expiring, the team store changed by another technician).

use std::sync::Mutex;

use keydesk_core::changes::{Change, SECRET_USED};
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
    /// process on the same store (`keydesk_core::changes`): the page redraws what shows it, or
    /// adds `entry` (the activity line a change made here recorded) without asking again.
    /// The change as core published it: `{kind: "changed", account_id, credential_id, action,
    /// entry}`.
    Changed(Change),
    /// The ribbon's health badge after a burst of changes: how many secrets need attention.
    HealthBadge { count: u64 },
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

/// Tells the page every change the store publishes (its own commits and other processes'
/// writes) for as long as Keydesk runs, and after each burst the health badge's count — so the
/// page that acted draws from its answer and these events, with no call of its own (issue 25
/// item 2). Returns once other processes are watched.
pub async fn forward_changes(app: tauri::AppHandle, store: &keydesk_core::Store) {
    use tauri::Manager;
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    let mut changes = store.subscribe_changes();
    // Lives as long as the app: the watcher task is never aborted.
    let _watcher = store.watch_other_processes().await;
    let store = store.clone();
    tauri::async_runtime::spawn(async move {
        // Too far behind to say what: everything shown is read again.
        let lagged = || Change::elsewhere(None, None);
        loop {
            // A change, then the rest of its burst (an import's rows): the badge once after.
            let mut burst = match changes.recv().await {
                Ok(change) => vec![change],
                Err(RecvError::Lagged(_)) => vec![lagged()],
                Err(RecvError::Closed) => break,
            };
            loop {
                match changes.try_recv() {
                    Ok(change) => burst.push(change),
                    Err(TryRecvError::Lagged(_)) => burst.push(lagged()),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            // A token's "last used" alone changes no secret's health.
            let badge = burst.iter().any(|c| c.action != SECRET_USED);
            for change in burst {
                app.state::<PageEvents>().send(PageEvent::Changed(change));
            }
            if !badge {
                continue;
            }
            let warning = crate::commands::health::warning(&app.state::<crate::state::AppState>());
            match keydesk_core::health::urgent_count(&store, warning).await {
                Ok(count) => app
                    .state::<PageEvents>()
                    .send(PageEvent::HealthBadge { count }),
                Err(err) => tracing::debug!("the health badge was not counted: {err}"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ui/main.js reads `kind`, and `followOnContactPage` the change's own fields beside it.
    #[test]
    fn a_change_crosses_to_the_page_flat_beside_its_kind() {
        let event = PageEvent::Changed(Change::elsewhere(Some(3), Some(7)));
        assert_eq!(
            serde_json::to_value(event).unwrap(),
            serde_json::json!({
                "kind": "changed",
                "account_id": 3,
                "credential_id": 7,
                "action": "store.changed_elsewhere",
                "entry": null,
            })
        );
        assert_eq!(
            serde_json::to_value(PageEvent::HealthBadge { count: 2 }).unwrap(),
            serde_json::json!({"kind": "health_badge", "count": 2})
        );
    }
}
