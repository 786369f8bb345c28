//! Events from Rust to the page, typed. The page opens one channel at start
//! (`subscribe_page_events`); Rust sends on it. No `window.eval`, no event permission: the
//! channel rides on the app's own command. The next issues send through it too (a secret
//! expiring, the team store changed by another technician).

use std::sync::Mutex;

use keydesk_core::changes::{Happened, SECRET_USED};
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
    Changed {
        account_id: Option<i32>,
        credential_id: Option<i32>,
        action: &'static str,
        entry: Option<Happened>,
    },
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
        let page = |change: Result<keydesk_core::changes::Change, ()>| match change {
            Ok(change) => PageEvent::Changed {
                account_id: change.account_id,
                credential_id: change.credential_id,
                action: change.action,
                entry: change.entry,
            },
            // Too far behind to say what: everything shown is read again.
            Err(()) => PageEvent::Changed {
                account_id: None,
                credential_id: None,
                action: keydesk_core::changes::CHANGED_ELSEWHERE,
                entry: None,
            },
        };
        loop {
            let first = match changes.recv().await {
                Ok(change) => Ok(change),
                Err(RecvError::Lagged(_)) => Err(()),
                Err(RecvError::Closed) => break,
            };
            let mut badge = !matches!(&first, Ok(c) if c.action == SECRET_USED);
            app.state::<PageEvents>().send(page(first));
            // The rest of the burst (an import's rows), then the badge once.
            loop {
                let next = match changes.try_recv() {
                    Ok(change) => Ok(change),
                    Err(TryRecvError::Lagged(_)) => Err(()),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                };
                badge |= !matches!(&next, Ok(c) if c.action == SECRET_USED);
                app.state::<PageEvents>().send(page(next));
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
