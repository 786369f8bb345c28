//! The account switcher end to end: many accounts, keyboard only, pins and the last account,
//! deleting an account, and a stale save.

use keydesk_e2e::{App, Key};
use serde_json::json;

const CONTROL: &str = "\u{E009}";
const RELEASE: &str = "\u{E000}";

fn heading(app: &App) -> String {
    app.text("#page-heading")
}

/// Ctrl+K from wherever the focus is, as a person would press it.
fn open_switcher(app: &App) {
    app.press(&format!("{CONTROL}k{RELEASE}"));
    app.find("#switcher-search");
    assert_eq!(app.focused_id(), "switcher-search");
}

fn shown_companies(app: &App) -> Vec<String> {
    let names = app.exec(
        "return [...document.querySelectorAll('#switcher-results [role=option] .company')].map(e => e.textContent)",
        json!([]),
    );
    serde_json::from_value(names).unwrap()
}

#[test]
fn keyboard_search_among_thousands_and_the_last_account_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo", "--demo-accounts", "3000"]);
    // Never opened before: the first account by company name is shown.
    app.wait_text(
        "#page-heading",
        "Contact information: Acme Analytics 1 (Alex)",
    );

    open_switcher(&app);
    app.wait_for("the first page", |a| {
        a.text("#switcher-status")
            .starts_with("3001 accounts, showing 50")
    });
    let rendered = app.exec(
        "return document.querySelectorAll('#switcher-results [role=option]').length",
        json!([]),
    );
    assert!(
        rendered.as_u64().unwrap() <= 55,
        "one page in the DOM, not thousands: {rendered}"
    );

    // Typing narrows the list.
    app.press("summit 12");
    app.wait_for("the narrowed list", |a| {
        a.text("#switcher-status").ends_with("accounts")
            || a.text("#switcher-status").ends_with("account")
    });
    let narrowed = shown_companies(&app);
    assert!(!narrowed.is_empty() && narrowed.len() < 50, "{narrowed:?}");
    assert!(
        narrowed
            .iter()
            .all(|c| c.starts_with("Summit") && c.contains("12")),
        "{narrowed:?}"
    );

    // Arrow down to the second match, Enter opens it.
    app.press(Key::ARROW_DOWN);
    app.press(Key::ENTER);
    let chosen = &narrowed[1];
    app.wait_for("the chosen account", |a| {
        a.exists("#page-heading")
            && heading(a).starts_with(&format!("Contact information: {chosen} ("))
    });
    assert!(!app.exists("#switcher"), "the switcher closed");
    assert_eq!(app.text("#current-account"), *chosen);

    // The last account reopens after a restart, and is first among the recent ones.
    let app = app.restart();
    app.wait_for("the last account", |a| {
        heading(a).starts_with(&format!("Contact information: {chosen} ("))
    });
    open_switcher(&app);
    app.wait_for("recent accounts", |a| a.exists("#switcher-results .group"));
    assert!(app
        .text("#switcher-results .group")
        .eq_ignore_ascii_case("Recent"));
    assert_eq!(shown_companies(&app)[0], *chosen);
    app.press(Key::ESCAPE);
    app.wait_for("the switcher to close", |a| !a.exists("#switcher"));
}

#[test]
fn a_pinned_account_comes_first_and_a_deleted_one_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo-accounts", "40"]);
    app.wait_for("an account page", |a| a.exists("#page-heading"));

    // Open the last account by name, pin it: it now leads the list.
    open_switcher(&app);
    app.press("zenith");
    app.wait_for("Zenith accounts", |a| {
        shown_companies(a)
            .first()
            .is_some_and(|c| c.starts_with("Zenith"))
    });
    app.press(Key::ENTER);
    app.wait_for("Zenith's page", |a| {
        heading(a).starts_with("Contact information: Zenith")
    });
    let zenith = app.text("#current-account");
    app.click("#pin-account");
    app.wait_text("#pin-account", "★ Pinned");
    open_switcher(&app);
    app.wait_for("all accounts", |a| {
        a.text("#switcher-status").starts_with("40 accounts")
    });
    let all = app.exec(
        "return [...document.querySelectorAll('#switcher-results [id^=switcher-option-all] .company')].map(e => e.textContent)",
        json!([]),
    );
    assert_eq!(all[0], json!(zenith), "pinned first: {all}");
    app.press(Key::ESCAPE);

    // Delete it: the confirmation names it and what goes with it.
    app.click("#delete-account");
    let text = app.text("#delete-account-dialog-text");
    assert!(
        text.starts_with(&format!("Delete the account {zenith}? ")),
        "{text}"
    );
    assert!(text.contains("0 sets of API credentials"), "{text}");
    app.click("#delete-account-dialog-yes");
    app.wait_for("Home", |a| a.exists("#account-list"));
    assert!(app.text("#account-count").starts_with("39 accounts"));
    open_switcher(&app);
    app.press(&zenith);
    app.wait_for("no match", |a| {
        a.text("#switcher-status").starts_with("No account matches")
    });
}

#[test]
fn a_stale_save_shows_the_conflict_and_keeps_the_typed_values() {
    let (_dir, app) = App::demo();
    app.click("#contact-block-edit");
    app.fill("#contact-block-form-name", "Alex Mine");
    app.fill("#contact-block-form-username", "mine");

    // Meanwhile another window saves a different name.
    let saved = app.exec(
        "const done = arguments[0];
         const invoke = window.__TAURI__.core.invoke;
         invoke('get_account', {accountId: 1})
           .then(a => invoke('update_contact', {accountId: 1, version: a.contact.version, form: {...a.contact, name: 'Alex Theirs'}}))
           .then(() => done('saved'), e => done(JSON.stringify(e)));",
        json!([]),
    );
    assert_eq!(saved, json!(null), "the script runs asynchronously");
    app.wait_for("the other save", |a| {
        a.exec("return window.__TAURI__.core.invoke('get_account', {accountId: 1}).then(a => a.contact.name)", json!([]))
            == json!("Alex Theirs")
    });

    app.click("#contact-block-form-submit");
    app.wait_for("the conflict", |a| {
        a.is_visible("#contact-block-form-error")
    });
    let message = app.text("#contact-block-form-error");
    assert!(message.contains("Name is now “Alex Theirs”"), "{message}");
    assert!(
        message.contains("Your changes are still in the form"),
        "{message}"
    );
    assert_eq!(app.value("#contact-block-form-name"), "Alex Mine");
    assert_eq!(app.value("#contact-block-form-username"), "mine");

    // Saving again applies what the user typed, knowingly.
    app.click("#contact-block-form-submit");
    app.wait_text("#contact-block [data-field='name']", "Alex Mine");
    assert_eq!(app.text("#contact-block [data-field='username']"), "mine");
}

/// A fast typist's Ctrl+K, `zebra`, Enter arrives before the search for `zebra` answers, while
/// the list still shows the recent accounts: Enter must wait for the answer to `zebra`.
#[test]
fn type_then_enter_opens_what_was_typed_not_the_recent_account() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &[]);
    app.wait_text("#welcome-title", "Welcome to Keydesk");
    let made = app.exec_async(
        "const done = arguments[arguments.length - 1];
         const invoke = window.__TAURI__.core.invoke;
         (async () => {
           const zebra = await invoke('create_account', {contact: {company_name: 'Zebra Unique', name: 'Zed'}});
           const alpha = await invoke('create_account', {contact: {company_name: 'Alpha Last', name: 'Al'}});
           await invoke('open_account', {accountId: zebra.id});
           await invoke('open_account', {accountId: alpha.id});
           return 'made';
         })().then(done, (e) => done(JSON.stringify(e)));",
        json!([]),
        std::time::Duration::from_secs(15),
    );
    assert_eq!(made, json!("made"));
    let app = app.reload();
    app.wait_text("#page-heading", "Contact information: Alpha Last (Al)");

    for round in 1..=20 {
        // Marks the page on screen, to tell it from the one Enter opens (even if it is the same).
        app.exec(
            "document.getElementById('page-heading').dataset.before = 'enter'",
            json!([]),
        );
        open_switcher(&app);
        // One WebDriver call: the keys arrive at typing speed, Enter right after the last letter.
        app.press(&format!("zebra{}", Key::ENTER));
        app.wait_for("the page Enter opened", |a| {
            !a.exists("#switcher") && a.exists("#page-heading:not([data-before])")
        });
        assert_eq!(
            heading(&app),
            "Contact information: Zebra Unique (Zed)",
            "round {round}"
        );
        // Alpha Last becomes the recent account again, waiting for its row this time.
        open_switcher(&app);
        app.press("alpha");
        app.wait_for("Alpha's row", |a| shown_companies(a) == ["Alpha Last"]);
        app.press(Key::ENTER);
        app.wait_text("#page-heading", "Contact information: Alpha Last (Al)");
    }

    // Enter on text nothing matches opens nothing and says so.
    open_switcher(&app);
    app.press(&format!("nothing-like-this{}", Key::ENTER));
    app.wait_for("no match", |a| {
        a.text("#switcher-status").starts_with("No account matches")
    });
    assert!(app.exists("#switcher"));
    assert_eq!(heading(&app), "Contact information: Alpha Last (Al)");
}
