//! Settings → Alerts (issue 28) in the real window: a Slack channel and a webhook added, a test
//! alert answered by a receiver on this machine, the webhook's signing key shown once; weeks
//! later (the debug build's `KEYDESK_NOW`) Keydesk, open on this computer's store, sends the
//! "7 days" alert to both — signed as the key says — and the Health page says so.

use keydesk_e2e::App;
use keydesk_test_support::receiver::Receiver;

const T0: &str = "2027-01-04T09:00:00Z";
/// 24 days on: six days left of a 30-day secret.
const LATER: &str = "2027-01-28T09:00:00Z";

fn add_channel(app: &App, kind: &str, name: &str, url: &str) {
    app.select("#alert-form-kind", kind);
    app.fill("#alert-form-name", name);
    app.fill("#alert-form-url", url);
    app.click("#alert-form-submit");
    app.wait_for("the channel in the list", |a| {
        a.text("#alert-channels").contains(name)
    });
}

#[test]
fn channels_get_a_test_alert_and_the_expiry_alert_once_while_keydesk_runs() {
    let slack = Receiver::start(&[200]);
    let hook = Receiver::start(&[200]);
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch_with_env(dir.path(), &["--demo"], &[("KEYDESK_NOW", T0)]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    app.fill("#generate-form-name", "alexcnw");
    app.fill("#generate-form-email", "whatevermail@yeah.com");
    app.fill("#generate-form-application", "esareit");
    app.select("#generate-lifetime", "30d");
    app.click("#generate-form-submit");
    app.find("#new-secret-panel");
    let client_id = app.text("#new-secret-client-id");

    app.click("#preferences-button");
    app.click("#menu-settings");
    app.find("#alerts-settings");
    assert!(app.exists("#alert-channels-empty"));
    add_channel(&app, "slack", "#ops-alerts", &slack.url);
    assert!(
        !app.exists("#alert-signing-key"),
        "a Slack channel has no key"
    );
    app.click(".alert-channel .test-alert");
    app.wait_for("the test's answer", |a| {
        a.text(".alert-channel .test-answer").contains("200 OK")
    });
    assert_eq!(slack.received().len(), 1);
    assert!(slack.received()[0].json()["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("test alert"));

    // E-mail asks for its SMTP server and addresses instead of a URL.
    app.select("#alert-form-kind", "email");
    assert!(app.is_visible("#alert-form-smtp_host") && !app.is_visible("#alert-form-url"));
    app.select("#alert-form-kind", "webhook");
    assert!(!app.is_visible("#alert-form-smtp_host") && app.is_visible("#alert-form-url"));
    add_channel(&app, "webhook", "PSA", &hook.url);
    let key = app.value("#alert-signing-key");
    assert_eq!(key.len(), 43, "256 random bits: {key:?}");
    keydesk_e2e::screenshot("settings-alerts");
    drop(app);

    // Weeks later, Keydesk open: the "7 days" alert goes to both channels, once each.
    let app = App::launch_with_env(dir.path(), &[], &[("KEYDESK_NOW", LATER)]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    let deadline = std::time::Instant::now() + keydesk_e2e::WAIT;
    while hook.received().is_empty() || slack.received().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "no alert arrived");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let alert = &hook.received()[0];
    let body = alert.json();
    assert_eq!(body["threshold"], "7d");
    assert_eq!(body["credential"]["client_id"], client_id.as_str());
    assert_eq!(
        alert.header("X-Keydesk-Signature").unwrap(),
        format!("sha256={}", hmac_hex(&key, &alert.body))
    );
    app.click("#health-button");
    app.wait_for("the channels' states", |a| {
        a.text("#health-alert-states")
            .contains("PSA: last delivered")
    });
    keydesk_e2e::screenshot("health-alert-states");
    assert!(app
        .text("#health-alert-states")
        .contains("#ops-alerts: last delivered"));
    assert_eq!(hook.received().len(), 1, "once");
}

/// What a receiver computes with the key (the README's lines, in Rust).
fn hmac_hex(key: &str, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
