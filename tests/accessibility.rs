//! axe-core (4.14.1, vendored from npm in tests/harness/axe.min.js with its licence) audits
//! every page state in the real webview, in the light and the dark theme: no violation of the
//! WCAG 2.0 A/AA and 2.1 AA rules. The states are those of the walk every page test shares
//! (tests/harness/walk.rs), which also fails on a program placeholder shown or an error raised.

use std::time::Duration;

use keydesk_e2e::walk::{self, Words};
use keydesk_e2e::{App, Key};
use serde_json::{json, Value};

const AXE: &str = include_str!("harness/axe.min.js");
const RELEASE: &str = "\u{E000}";

/// Runs axe on the page as it is, in both themes; panics with every violation found.
fn audit(app: &App, state: &str) {
    if app.exec("return typeof window.axe", json!([])) != json!("object") {
        // Execute Script runs its body as a function: axe's UMD wrapper puts `axe` on window.
        app.exec(AXE, json!([]));
    }
    let mut found = Vec::new();
    for theme in ["light", "dark"] {
        let violations = app.exec_async(
            "const [theme, done] = arguments;
             document.documentElement.dataset.theme = theme;
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] }, resultTypes: ['violations'] })
               .then((r) => done(r.violations.map((v) => ({ rule: v.id, help: v.help,
                 nodes: v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary}`) }))),
                 (e) => done([{ rule: 'axe failed', help: String(e), nodes: [] }]));",
            json!([theme]),
            Duration::from_secs(60),
        );
        for v in violations.as_array().unwrap_or(&Vec::new()) {
            found.push(format!("{state}, {theme} theme: {}", pretty(v)));
        }
    }
    app.exec("delete document.documentElement.dataset.theme", json!([]));
    assert!(found.is_empty(), "axe violations:\n{}", found.join("\n"));
}

fn pretty(v: &Value) -> String {
    format!(
        "{} ({}): {}",
        v["rule"].as_str().unwrap_or_default(),
        v["help"].as_str().unwrap_or_default(),
        v["nodes"]
    )
}

/// Every state of the shared walk (tests/harness/walk.rs), audited.
#[test]
fn every_page_state_passes_axe_in_both_themes() {
    let dir = tempfile::tempdir().unwrap();
    walk::every_page_state(dir.path(), Words::Plain, |app, state| {
        audit(app, state.name)
    });
}

#[test]
fn the_keyring_failure_with_its_details_passes_axe() {
    let dir = tempfile::tempdir().unwrap();
    let no_bus = [(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/keydesk-no-bus",
    )];
    let app = App::launch_with_env(dir.path(), &["--demo"], &no_bus);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    app.fill("#generate-form-name", "alexcnw");
    app.fill("#generate-form-email", "whatevermail@yeah.com");
    app.fill("#generate-form-application", "esareit");
    app.click("#generate-keyring");
    app.click("#generate-form-submit");
    app.find("#new-secret-keyring-details");
    app.click("#new-secret-keyring-details summary");
    audit(&app, "a secret the keyring could not store, details open");
}

const SHIFT: &str = "\u{E008}";
const SPACE: &str = "\u{E00D}";

fn focused_matches(app: &App, css: &str) -> bool {
    app.exec(
        "return !!document.activeElement && document.activeElement.matches(arguments[0])",
        json!([css]),
    ) == json!(true)
}

/// Presses Tab until the element matching `css` has focus (as a person would), at most 60 times.
fn tab_to(app: &App, css: &str) {
    for _ in 0..60 {
        if focused_matches(app, css) {
            return;
        }
        app.press(Key::TAB);
    }
    panic!("Tab never reached {css}");
}

fn wait_toast(app: &App, starts: &str) {
    app.wait_for(&format!("the toast “{starts}…”"), |a| {
        a.text("#toast").starts_with(starts)
    });
}

/// The console's whole procedure with the keyboard alone: Tab, Shift+Tab, Enter, Space, arrows
/// and Escape — no clicks.
#[test]
fn the_console_procedure_by_keyboard_alone() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");

    // Preferences → View/Edit Contact Information, by the menu button's arrows.
    tab_to(&app, "#preferences-button");
    app.press(Key::ARROW_DOWN);
    assert_eq!(app.focused_id(), "menu-contact-information");
    app.press(Key::ARROW_DOWN);
    assert_eq!(app.focused_id(), "menu-transfer");
    app.press(Key::ARROW_DOWN);
    assert_eq!(app.focused_id(), "menu-settings");
    app.press(Key::ARROW_UP);
    app.press(Key::ARROW_UP);
    assert_eq!(app.focused_id(), "menu-contact-information");
    app.press(Key::ENTER);
    app.find("#credentials-section #credentials");

    // Generate.
    tab_to(&app, "#generate-form-name");
    app.press("alexcnw");
    app.press(Key::TAB);
    app.press("whatevermail@yeah.com");
    app.press(Key::TAB);
    app.press("esareit");
    app.press(Key::ENTER);
    app.find("#new-secret-panel");
    assert_eq!(
        app.focused_id(),
        "new-secret-copy",
        "Copy is where focus lands"
    );
    let first = app.value("#new-secret");
    app.press(Key::ENTER);
    wait_toast(&app, "Client Secret copied");

    // Renew: No first (Escape would answer the same), then Yes.
    tab_to(&app, ".credential .renew");
    app.press(Key::ENTER);
    app.find("#renew-dialog[open]");
    assert_eq!(app.focused_id(), "renew-dialog-no");
    app.press(Key::ENTER);
    app.wait_for("the renew dialog to close", |a| !a.exists("#renew-dialog"));
    assert!(
        focused_matches(&app, ".credential .renew"),
        "focus returns to Renew"
    );
    assert_eq!(app.value("#new-secret"), first, "No changed nothing");
    app.press(SPACE);
    app.find("#renew-dialog[open]");
    // Shift+Tab from No reaches the keyring checkbox; Tab twice comes back past No to Yes.
    app.press(&format!("{SHIFT}{}{RELEASE}", Key::TAB));
    assert_eq!(app.focused_id(), "renew-keyring");
    app.press(Key::TAB);
    app.press(Key::TAB);
    assert_eq!(app.focused_id(), "renew-dialog-yes");
    app.press(Key::ENTER);
    app.wait_for("the renewed secret", |a| {
        !a.exists("#renew-dialog") && a.value("#new-secret") != first
    });
    assert_eq!(app.text("#new-secret-title"), "New Client Secret");
    tab_to(&app, "#new-secret-copy");
    app.press(SPACE);
    wait_toast(&app, "Client Secret copied");

    // Delete: Escape first, then Yes.
    tab_to(&app, ".credential .delete");
    app.press(Key::ENTER);
    app.find("#delete-dialog[open]");
    app.press(Key::ESCAPE);
    app.wait_for("the delete dialog to close", |a| {
        !a.exists("#delete-dialog")
    });
    assert!(focused_matches(&app, ".credential .delete"));
    app.press(Key::ENTER);
    app.find("#delete-dialog[open]");
    app.press(Key::TAB);
    assert_eq!(app.focused_id(), "delete-dialog-yes");
    app.press(Key::ENTER);
    app.wait_text("#credentials h3", "No API credentials yet");
}
