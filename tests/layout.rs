//! Long unbroken values never break the layout: with 200-character words in every field, in
//! every page state, the page is never wider than the window — at 1,280 px and at the smallest
//! window the app allows — and a click at the centre of every visible button lands on it.

use keydesk_e2e::{screenshot, App, Key};
use serde_json::{json, Value};

const CONTROL: &str = "\u{E009}";
const RELEASE: &str = "\u{E000}";

/// A word of `len` characters with no break opportunity; `W` is the widest letter.
fn word(tag: &str, len: usize) -> String {
    format!("{tag}{}", "W".repeat(len - tag.len()))
}

/// The longest email address the rule accepts that is still one unbroken word (196 characters).
fn long_email(tag: &str) -> String {
    format!(
        "{}@{}.{}.com",
        word(tag, 64),
        "d".repeat(63),
        "e".repeat(63)
    )
}

/// The smallest window tauri.conf.json allows.
fn minimum_size() -> (u64, u64) {
    let config: Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
    let window = &config["app"]["windows"][0];
    (
        window["minWidth"].as_u64().expect("a minimum width"),
        window["minHeight"].as_u64().expect("a minimum height"),
    )
}

/// Every visible button (inside `arguments[0]` if given, else in the open dialog when there is
/// one, since the rest is inert then), scrolled into view: a click at its centre must land on
/// it. Returns the ones it would miss.
const UNCLICKABLE: &str = r#"
  const name = (e) => e ? `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + String(e.className).split(' ').join('.') : ''} "${(e.textContent || '').trim().slice(0, 30)}"` : 'nothing';
  document.getElementById('toast').hidden = true;
  const scope = document.querySelector(arguments[0] || 'dialog[open]') || document;
  const missed = [];
  for (const button of scope.querySelectorAll('button, summary')) {
    if (button.getClientRects().length === 0 || button.closest('[hidden]')) continue;
    button.scrollIntoView({ block: 'center', inline: 'center' });
    const r = button.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    if (r.left < 0 || r.right > window.innerWidth || !hit || !button.contains(hit)) {
      missed.push(`${name(button)} at ${Math.round(x)},${Math.round(y)} hits ${name(hit)}`);
    }
  }
  return missed;
"#;

fn resize(app: &App, width: u64, height: u64) {
    app.set_window_rect(json!({"x": 0, "y": 0, "width": width, "height": height}));
    app.wait_for(&format!("a {width} × {height} window"), |a| {
        a.exec("return [window.innerWidth, window.innerHeight]", json!([]))
            == json!([width, height])
    });
}

/// Checks the page as it is now at both widths, and leaves the window at 1,280 px.
fn check(app: &App, state: &str) {
    check_within(app, state, "");
}

/// `check` with only the buttons inside `scope` (a CSS selector) tried for clicks.
fn check_within(app: &App, state: &str, scope: &str) {
    let (min_width, min_height) = minimum_size();
    for (width, height) in [(min_width, min_height), (1280, 800)] {
        resize(app, width, height);
        let widths = app.exec(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            json!([]),
        );
        assert!(
            widths[0].as_u64() <= widths[1].as_u64(),
            "{state} at {width} × {height}: the page is {} px wide in a {} px window",
            widths[0],
            widths[1]
        );
        let missed = app.exec(UNCLICKABLE, json!([scope]));
        assert_eq!(
            missed,
            json!([]),
            "{state} at {width} × {height}: clicks that miss their button"
        );
    }
}

/// Opens a dialog with `open`, checks it, and closes it with Escape.
fn check_dialog(app: &App, state: &str, dialog: &str, open: impl Fn(&App)) {
    open(app);
    app.find(&format!("{dialog}[open]"));
    check(app, state);
    app.press(Key::ESCAPE);
    app.wait_for(&format!("{dialog} to close"), |a| !a.exists(dialog));
}

#[test]
fn two_hundred_character_words_never_widen_the_page_or_hide_a_button() {
    let dir = tempfile::tempdir().unwrap();
    // The data folder's path is shown in Settings and About: make it a long word too.
    let data_dir = dir.path().join(word("folder", 200));
    let app = App::launch(&data_dir, &[]);
    app.wait_text("#welcome-title", "Welcome to Keydesk");
    check(&app, "the welcome panel");

    let company = word("Company", 200);
    let others = [word("Second", 200), word("Third", 200)];
    let contact = json!({
        "company_name": company,
        "name": word("Name", 200),
        "street": word("Street", 200),
        "city": word("City", 100),
        "region": word("Region", 100),
        "postal_code": "1234567890123456",
        "country": "JP",
        "phone": "+1 303 555 0134 ext. 1234567",
        "username": word("user", 64),
        "email": long_email("contact"),
    });
    let billing = json!({
        "billing_name": word("Billing", 200),
        "street_line1": word("Lineone", 200),
        "street_line2": word("Linetwo", 200),
        "city": word("City", 100),
        "region": word("Region", 100),
        "postal_code": "1234567890123456",
        "country": "JP",
        "phone": "1231231234",
        "email": long_email("billing"),
    });
    let made = app.exec_async(
        "const [contact, billing, others, done] = arguments;
         const invoke = window.__TAURI__.core.invoke;
         (async () => {
           await invoke('create_account', {contact, billing});
           for (const company_name of others) await invoke('create_account', {contact: {...contact, company_name}});
           return 'made';
         })().then(done, (e) => done(JSON.stringify(e)));",
        json!([contact, billing, others]),
        std::time::Duration::from_secs(15),
    );
    assert_eq!(made, json!("made"));
    let app = app.reload();
    app.find("#page-heading");
    check(&app, "the contact page");
    let (min_width, min_height) = minimum_size();
    resize(&app, min_width, min_height);
    app.exec("window.scrollTo(0, 0)", json!([]));
    // Two frames: the scroll is painted before the picture is taken.
    app.exec_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()))",
        json!([]),
        std::time::Duration::from_secs(5),
    );
    screenshot("long-company-name-at-minimum-size");

    app.click("#crumb-home");
    app.find("#account-list");
    check(&app, "Home");
    app.click("#account-list button");
    app.find("#contact-block-edit");

    app.edit_expecting_error("contact-block", "email", &word("notanemail", 200));
    check(&app, "the contact form with an error");
    app.click("#contact-block-form-cancel");

    app.edit_expecting_error("billing-block", "phone", "12");
    check(&app, "the billing form with an error");
    app.click("#billing-block-form-cancel");

    app.fill("#generate-form-name", &word("Name", 200));
    app.fill("#generate-form-email", &long_email("credential"));
    app.fill("#generate-form-application", &word("Application", 200));
    app.click("#generate-form-submit");
    app.find("#new-secret-panel");
    check(&app, "credentials with a new secret");

    check_dialog(&app, "the renew dialog", "#renew-dialog", |a| {
        a.click(".credential .renew")
    });
    check_dialog(&app, "the delete dialog", "#delete-dialog", |a| {
        a.click(".credential .delete")
    });
    check_dialog(&app, "the test dialog", "#test-dialog", |a| {
        a.click("#test-credentials-button");
        a.fill("#test-client-id", &word("client", 200));
    });
    check_dialog(&app, "the switcher", "#switcher", |a| {
        a.press(&format!("{CONTROL}k{RELEASE}"));
        a.find("#switcher-search");
        a.press("Name");
        a.wait_for("matches", |a| {
            a.text("#switcher-status").starts_with("3 accounts")
        });
    });
    check_dialog(
        &app,
        "the delete account dialog",
        "#delete-account-dialog",
        |a| a.click("#delete-account"),
    );

    app.click("#preferences-button");
    app.find("#menu-settings");
    check_within(&app, "the Preferences menu", "#preferences-list");
    app.click("#menu-settings");
    app.find("#settings-dialog[open]");
    check(&app, "Settings");
    app.press(Key::ESCAPE);
    app.wait_for("Settings to close", |a| !a.exists("#settings-dialog"));
    app.click("#preferences-button");
    app.click("#menu-about");
    app.find("#about-dialog[open]");
    check(&app, "About");
    app.press(Key::ESCAPE);
    app.wait_for("About to close", |a| !a.exists("#about-dialog"));

    // A toast that names the company.
    resize(&app, min_width, min_height);
    app.click("#pin-account");
    app.wait_for("the toast", |a| a.text("#toast").ends_with(" pinned"));
    let widths = app.exec(
        "return [document.documentElement.scrollWidth, window.innerWidth]",
        json!([]),
    );
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "a toast naming the company widens the page: {widths}"
    );

    app.click("#add-account-button");
    app.find("#add-account-form");
    check(&app, "Add account");
}
