//! Reminders before a secret lapses (issue 16): at start-up and then on a timer, the shell asks
//! core which reminders are due (core claims each in the store, so it is shown once, whichever
//! instance and whenever) and shows them as desktop notifications. The page's badge is
//! refreshed with each round, so it follows the clock without a reload.

use std::time::Duration;

use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::events::{PageEvent, PageEvents};
use crate::state::AppState;

/// How often a running Keydesk looks. A threshold is a day or more apart from the next, so a
/// minute late is on time.
const EVERY: Duration = Duration::from_secs(60);

pub fn start(app: AppHandle) {
    // A click on a reminder (where the notification service reports it) opens its account.
    let handle = app.clone();
    let _ = app.notification().on_action(move |performed| {
        let account_id = performed
            .notification()
            .and_then(|n| n.extra().get("account_id"))
            .and_then(|v| v.as_i64())
            .and_then(|id| i32::try_from(id).ok());
        if let (Some(account_id), "tap") = (account_id, performed.action_id()) {
            crate::show_main_window(&handle);
            handle
                .state::<PageEvents>()
                .send(PageEvent::OpenAccount { account_id });
        }
    });
    tauri::async_runtime::spawn(async move {
        loop {
            check(&app).await;
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// The body as the platform's notification server reads it: markup on Linux and the BSDs
/// (freedesktop notifications), plain text elsewhere.
fn notification_body(reminder: &keydesk_core::reminders::Reminder) -> String {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        keydesk_core::reminders::escape_markup(&reminder.body())
    } else {
        reminder.body()
    }
}

async fn check(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(store) = state.store().await else {
        return;
    };
    let (wanted, warning) = {
        let settings = state.settings.lock().unwrap();
        (
            settings.reminders,
            chrono::Duration::days(i64::from(settings.warning_days)),
        )
    };
    if wanted {
        match keydesk_core::reminders::due_reminders(store, warning).await {
            Ok(due) => {
                for reminder in due {
                    let shown = app
                        .notification()
                        .builder()
                        .title(reminder.summary())
                        .body(notification_body(&reminder))
                        .extra("account_id", reminder.account_id)
                        .show();
                    match shown {
                        Ok(()) => tracing::info!(
                            secret_id = reminder.secret_id,
                            threshold = reminder.threshold.code(),
                            "reminder shown"
                        ),
                        Err(err) => tracing::warn!("reminder not shown: {err}"),
                    }
                }
            }
            Err(err) => tracing::warn!("reminders not checked: {err}"),
        }
    }
    app.state::<PageEvents>().send(PageEvent::HealthChanged);
}
