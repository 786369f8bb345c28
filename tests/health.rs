//! Secret lifetimes, credentials health and reminders end to end (issue 16): generate with a
//! 30-day lifetime, look at Keydesk again weeks later (the debug build's `KEYDESK_NOW` stands the
//! store clock there), see the badge, the health page and the account it opens, and a real
//! desktop notification: this test owns `org.freedesktop.Notifications` on its session bus
//! (dbus-run-session) and records every `Notify` call, as a notification daemon would receive it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use keydesk_e2e::{fresh_database, postgres_server, screenshot, App};
use serde_json::json;
use zbus::zvariant::OwnedValue;

/// One `Notify` call as the service received it.
#[derive(Debug, Clone)]
struct Received {
    id: u32,
    app_name: String,
    summary: String,
    body: String,
    actions: Vec<String>,
}

#[derive(Default, Clone)]
struct NotificationServer {
    received: Arc<Mutex<Vec<Received>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().unwrap();
        let id = received.len() as u32 + 1;
        received.push(Received {
            id,
            app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "keydesk-test".into(),
            "keydesk".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// The day a 30-day secret is made, and twenty days later (ten days left: inside a 14-day
/// warning, which `warn_14_days_ahead` sets).
const T0: &str = "2027-01-04T09:00:00Z";
const LATER: &str = "2027-01-24T09:00:00Z";

/// Settings of a data folder: warn 14 days ahead, so a 30-day secret is fine when made and
/// due for a reminder 20 days later.
fn warn_14_days_ahead(data_dir: &std::path::Path) {
    std::fs::write(data_dir.join("settings.json"), r#"{"warning_days": 14}"#).unwrap();
}

/// Generates credentials whose secret lapses in 30 days on the page shown.
fn generate_for_30_days(app: &App) {
    app.fill("#generate-form-name", "alexcnw");
    app.fill("#generate-form-email", "whatevermail@yeah.com");
    app.fill("#generate-form-application", "esareit");
    app.exec(
        "document.getElementById('generate-lifetime').value = '30d'",
        json!([]),
    );
    app.click("#generate-form-submit");
    app.find("#new-secret-panel");
}

/// Settings → Reminders, set to `on` and saved.
fn set_reminders(app: &App, on: bool) {
    app.exec(
        "document.getElementById('preferences-button').click()",
        json!([]),
    );
    app.click("#menu-settings");
    app.find("#settings-form");
    app.exec(
        "document.getElementById('settings-form-reminders').value = arguments[0]",
        json!([on.to_string()]),
    );
    app.click("#settings-form-submit");
    app.wait_for("the settings dialog to close", |a| {
        !a.exists("#settings-dialog")
    });
}

/// Owns `org.freedesktop.Notifications` on the session bus for one test at a time (the tests
/// of this file run in parallel, and one name has one owner): the turn, the connection (the
/// name is given up when it is dropped) and what it received.
fn notification_service() -> (
    MutexGuard<'static, ()>,
    zbus::blocking::Connection,
    Arc<Mutex<Vec<Received>>>,
) {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let server = NotificationServer::default();
    let received = server.received.clone();
    let bus = zbus::blocking::connection::Builder::session()
        .expect("a session bus (run under dbus-run-session)")
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at("/org/freedesktop/Notifications", server)
        .unwrap()
        .build()
        .expect("this test owns org.freedesktop.Notifications on its session bus");
    (turn, bus, received)
}

/// What the app logs once its first look for due reminders is done.
const FIRST_LOOK: &str = "reminders looked at on start";

fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_secret_nearing_its_end_is_counted_listed_and_announced() {
    let (_turn, bus, received) = notification_service();

    let dir = tempfile::tempdir().unwrap();
    warn_14_days_ahead(dir.path());
    let t0 = T0;
    let app = App::launch_with_env(dir.path(), &["--demo"], &[("KEYDESK_NOW", t0)]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert!(
        !app.is_visible("#health-badge"),
        "nothing needs attention yet"
    );

    app.fill("#generate-form-name", "alexcnw");
    app.fill("#generate-form-email", "whatevermail@yeah.com");
    // Markup in a name: a notification server that renders bodies as markup (the freedesktop
    // spec allows <b>, <i>, <a>, <img>; `&` starts an entity) must be given it escaped.
    app.fill("#generate-form-application", "esareit <b>&</b> co");
    assert_eq!(
        app.value("#generate-lifetime"),
        "1y",
        "the default of Settings"
    );
    app.exec(
        "document.getElementById('generate-lifetime').value = '30d'",
        json!([]),
    );
    app.click("#generate-form-submit");
    app.find("#new-secret-panel");
    let client_id = app.text("#new-secret-client-id");
    let secret = app.value("#new-secret");
    let line = app.text(".secrets li .expiry");
    assert!(line.contains("expires 3 Feb 2027"), "{line}");
    assert!(
        received.lock().unwrap().is_empty(),
        "no reminder for a secret 30 days from its end"
    );
    drop(app);

    // Twenty days later: ten days left, inside the 14-day window.
    let later = LATER;
    let app = App::launch_with_env(dir.path(), &[], &[("KEYDESK_NOW", later)]);
    app.wait_for("the badge", |a| a.is_visible("#health-badge"));
    assert_eq!(app.text("#health-badge"), "1");
    wait_until("the reminder", || !received.lock().unwrap().is_empty());
    let shown = received.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].summary, "A client secret expires on 3 Feb 2027");
    assert_eq!(
        shown[0].body,
        format!(
            "Alexcompany — esareit &lt;b&gt;&amp;&lt;/b&gt; co: the secret of Client ID {client_id} expires on 3 Feb 2027 09:00 UTC. Renew it in Keydesk."
        )
    );
    assert!(
        shown[0].actions.iter().any(|a| a == "default"),
        "clicking it is reported: {:?} ({})",
        shown[0].actions,
        shown[0].app_name
    );

    app.click("#health-button");
    app.wait_text("#page-heading", "Credentials health");
    let row = ".health-row[data-attention='expiring']";
    app.find(row);
    assert_eq!(app.text(&format!("{row} .company")), "Alexcompany");
    assert_eq!(
        app.text(&format!("{row} .application")),
        "esareit <b>&</b> co"
    );
    assert_eq!(app.text(&format!("{row} .client-id")), client_id);
    assert!(app.text(&format!("{row} .why")).contains("in 10 days"));

    // The dates go to a file (the OS's save dialog fills the same field): iCalendar by the
    // name's extension, one event for the one secret with an end, never the secret itself.
    let ics = dir.path().join("expiries.ics");
    app.fill("#expiry-path", "expiries.ics");
    app.click("#export-expiries-button");
    app.wait_for("the path's error", |a| {
        a.text("#expiry-path-error")
            .starts_with("File: must be a full path")
    });
    app.fill("#expiry-path", ics.to_str().unwrap());
    app.click("#export-expiries-button");
    app.wait_for("the export", |a| {
        a.text("#expiry-export-result").ends_with("expiries.ics")
    });
    let said = app.text("#expiry-export-result");
    let events: usize = said.split(' ').next().unwrap().parse().unwrap();
    // Unfolded (RFC 5545 §3.1: a long line continues after CRLF and a space).
    let calendar = std::fs::read_to_string(&ics).unwrap().replace("\r\n ", "");
    assert_eq!(calendar.matches("BEGIN:VEVENT").count(), events, "{said}");
    let ours = calendar
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&client_id))
        .expect("an event for the secret made here");
    assert!(ours.contains("DTSTART:20270203T090000Z"), "{ours}");
    assert!(ours.contains("SUMMARY:Client secret expires: Alexcompany — esareit <b>&</b> co"));
    assert!(!calendar.contains(&secret), "no secret in the calendar");
    app.exec(
        "const f = document.getElementById('expiry-format'); f.value = 'csv'; f.dispatchEvent(new Event('change'))",
        json!([]),
    );
    assert!(app.value("#expiry-path").ends_with("expiries.csv"));
    app.click("#export-expiries-button");
    app.wait_for("the CSV export", |a| {
        a.text("#expiry-export-result").ends_with("expiries.csv")
    });
    let csv = std::fs::read_to_string(dir.path().join("expiries.csv")).unwrap();
    assert!(csv.contains(&client_id) && csv.contains("esareit"), "{csv}");
    assert!(!csv.contains(&secret), "no secret in the CSV");
    screenshot("health-page");

    app.click(&format!("{row} .open-account"));
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert!(app
        .text(".secrets li .expiry")
        .contains("expires 3 Feb 2027 · in 10 days"));
    app.exec(
        "document.querySelector('.credential').scrollIntoView({block: 'center'})",
        json!([]),
    );
    screenshot("credentials-expiry");

    // Clicking the notification (the service reports the "default" action) opens the account.
    app.click("#health-button");
    app.wait_text("#page-heading", "Credentials health");
    bus.emit_signal(
        None::<&str>,
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
        "ActionInvoked",
        &(shown[0].id, "default"),
    )
    .unwrap();
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");

    // A restart at the same moment does not remind again: once the restarted app says its
    // first look is done (a notification is sent before that line is written), still one.
    let starts = app.log().matches(FIRST_LOOK).count();
    let app = app.restart();
    app.wait_for("the badge", |a| a.is_visible("#health-badge"));
    app.wait_for_log(FIRST_LOOK, starts + 1);
    assert!(
        app.log()
            .contains("reminders looked at on start: 0 of 0 due shown"),
        "{}",
        app.log()
    );
    assert_eq!(received.lock().unwrap().len(), 1, "shown once");
    drop(app);
}

/// Issue 32 item 4: the off switch in Settings stops reminders (the badge still counts); on
/// again, the next start reminds.
#[test]
fn reminders_switched_off_in_settings_are_not_shown() {
    let (_turn, _bus, received) = notification_service();
    let dir = tempfile::tempdir().unwrap();
    warn_14_days_ahead(dir.path());
    let app = App::launch_with_env(dir.path(), &["--demo"], &[("KEYDESK_NOW", T0)]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    generate_for_30_days(&app);
    set_reminders(&app, false);
    drop(app);

    let app = App::launch_with_env(dir.path(), &[], &[("KEYDESK_NOW", LATER)]);
    app.wait_for("the badge", |a| a.is_visible("#health-badge"));
    assert_eq!(app.text("#health-badge"), "1", "the badge still counts it");
    app.wait_for_log(
        "reminders looked at on start: reminders are off in Settings",
        1,
    );
    assert!(received.lock().unwrap().is_empty(), "a reminder was shown");

    // The positive control: switched on, the next start shows it.
    set_reminders(&app, true);
    let app = app.restart();
    wait_until("the reminder", || !received.lock().unwrap().is_empty());
    app.wait_for_log("reminders looked at on start: 1 of 1 due shown", 1);
    assert_eq!(received.lock().unwrap().len(), 1);
}

/// Issue 32 item 4: two instances on one PostgreSQL store (a team's) start at the moment a
/// reminder is due: between them it is shown once.
#[test]
fn two_instances_on_a_team_store_show_a_reminder_once_between_them() {
    let Some(admin_url) = postgres_server() else {
        return;
    };
    let (_turn, _bus, received) = notification_service();
    let url = fresh_database(&admin_url);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    warn_14_days_ahead(dir_a.path());
    warn_14_days_ahead(dir_b.path());
    let at = |now: &'static str| [("KEYDESK_NOW", now), ("KEYDESK_DATABASE_URL", url.as_str())];
    let a = App::launch_with_env(dir_a.path(), &["--demo", "--yes"], &at(T0));
    a.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    generate_for_30_days(&a);
    drop(a);

    let a = App::launch_with_env(dir_a.path(), &[], &at(LATER));
    let b = App::launch_with_env(dir_b.path(), &[], &at(LATER));
    a.wait_for_log(FIRST_LOOK, 2);
    b.wait_for_log(FIRST_LOOK, 1);
    let shown_by = |app: &App| {
        app.log()
            .matches("reminders looked at on start: 1 of 1 due shown")
            .count()
    };
    assert_eq!(
        shown_by(&a) + shown_by(&b),
        1,
        "A said:\n{}\nB said:\n{}",
        a.log(),
        b.log()
    );
    assert_eq!(received.lock().unwrap().len(), 1, "shown once between them");
}
