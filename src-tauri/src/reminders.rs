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
        let transport = keydesk_core::alerts::Courier::new()
            .with_smtp_passwords(keydesk_core::alerts::SmtpPasswords::Keyring);
        // The first look is said at info (once a run, not every minute): what a person reading
        // the log, or a test, waits for to know the reminders due at start-up were handled.
        let looked = check(&app, &transport).await;
        tracing::info!("reminders looked at on start: {looked}");
        loop {
            tokio::time::sleep(EVERY).await;
            let looked = check(&app, &transport).await;
            tracing::debug!("reminders looked at: {looked}");
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

/// Shows the reminders that are due, sends the alerts due on this computer's store, and
/// refreshes the page's badge; says what it did.
async fn check(app: &AppHandle, transport: &keydesk_core::alerts::Courier) -> String {
    let looked = show_due(app).await;
    send_alerts(app, transport).await;
    app.state::<PageEvents>().send(PageEvent::HealthChanged);
    looked
}

/// Alerts to the channels of this computer's store while Keydesk runs (issue 28). A team store's
/// are sent by keydesk-server, which runs all the time; an app there leaves them to it.
async fn send_alerts(app: &AppHandle, transport: &keydesk_core::alerts::Courier) {
    let state = app.state::<AppState>();
    let Ok(store) = state.store().await else {
        return;
    };
    if store.is_team() {
        return;
    }
    let warning = chrono::Duration::days(i64::from(state.settings.lock().unwrap().warning_days));
    match keydesk_core::alerts::deliver_due(store, transport, warning).await {
        Ok(round) if round == Default::default() => {}
        Ok(round) => tracing::info!(
            delivered = round.delivered,
            retrying = round.retrying,
            failed = round.failed,
            "alerts sent"
        ),
        Err(err) => tracing::warn!("alerts not sent: {err}"),
    }
}

async fn show_due(app: &AppHandle) -> String {
    let state = app.state::<AppState>();
    let store = match state.store().await {
        Ok(store) => store,
        Err(err) => return format!("the store is not open ({})", err.message),
    };
    let (wanted, warning) = {
        let settings = state.settings.lock().unwrap();
        (
            settings.reminders,
            chrono::Duration::days(i64::from(settings.warning_days)),
        )
    };
    if !wanted {
        return "reminders are off in Settings".into();
    }
    let due = match keydesk_core::reminders::due_reminders(store, warning).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!("reminders not checked: {err}");
            return "not checked".into();
        }
    };
    let mut shown = 0;
    for reminder in &due {
        let result = app
            .notification()
            .builder()
            .title(reminder.summary())
            .body(notification_body(reminder))
            .extra("account_id", reminder.names.account_id)
            .show();
        match result {
            Ok(()) => {
                shown += 1;
                tracing::info!(
                    secret_id = reminder.names.secret_id,
                    threshold = reminder.threshold.code(),
                    "reminder shown"
                );
            }
            Err(err) => tracing::warn!("reminder not shown: {err}"),
        }
    }
    format!("{shown} of {} due shown", due.len())
}
