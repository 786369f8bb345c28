//! Accounts end to end, in the real webview: the empty store, adding an account, the demo,
//! a store that cannot be opened, and hostile text.

use keydesk_e2e::{App, Key};
use serde_json::json;

const BREADCRUMB: &str = "Home > Preferences: View/Edit Contact Information";

#[test]
fn an_empty_store_welcomes_and_add_account_opens_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &[]);

    app.wait_text("#welcome-title", "Welcome to Keydesk");
    assert_eq!(
        app.focused_id(),
        "welcome-add-account",
        "the one action has focus"
    );
    app.press(Key::ENTER);

    app.find("#add-account-form");
    assert_eq!(
        app.focused_id(),
        "add-account-form-company_name",
        "focus on the first field"
    );
    // Company is required: submitting without it names the field and keeps what was typed.
    app.fill("#add-account-form-name", "Hank Scorpio");
    app.click("#add-account-form-submit");
    app.wait_text(
        "#add-account-form-company_name-error",
        "Company name: is required",
    );
    assert_eq!(app.focused_id(), "add-account-form-company_name");
    assert_eq!(app.value("#add-account-form-name"), "Hank Scorpio");

    app.fill("#add-account-form-company_name", "Globex");
    app.press(Key::ENTER);
    app.wait_text(
        "#page-heading",
        "Contact information: Globex (Hank Scorpio)",
    );
    assert_eq!(app.text("#breadcrumb"), BREADCRUMB);
    assert_eq!(app.text("main h1"), "Manage Contact Information");
    assert_eq!(
        app.text("#contact-billing-title"),
        "CONTACT AND BILLING INFORMATION"
    );
    assert_eq!(
        app.text("#contact-block [data-field='company_name']"),
        "Globex"
    );

    // It is in the store: a restart opens it again.
    let app = app.restart();
    app.wait_text(
        "#page-heading",
        "Contact information: Globex (Hank Scorpio)",
    );
}

#[test]
fn demo_shows_the_example_account_and_preferences_menu_reaches_it_by_keyboard() {
    let (_dir, app) = App::demo();
    assert_eq!(
        app.text("#contact-block [data-field='phone']"),
        "+1 303-555-0134"
    );
    assert_eq!(
        app.text("#contact-block [data-field='username']"),
        "alexcnw"
    );
    assert_eq!(
        app.text("#contact-block [data-field='address']"),
        "1550 Wewatta Street\nDenver, CO 24025\nUnited States of America"
    );
    assert_eq!(
        app.text("#billing-block [data-field='billing_name']"),
        "John Doe"
    );
    assert_eq!(
        app.text("#billing-block [data-field='address']"),
        "121 West Walnut Street\nSuite 100\nRobinson, IL 62454\nUnited States of America"
    );
    assert_eq!(
        app.text("#billing-block [data-field='phone']"),
        "+1 618-555-0100"
    );

    // Home, then back through Preferences → View/Edit Contact Information with the keyboard.
    app.click("#crumb-home");
    app.find("#account-list");
    app.exec(
        "document.getElementById('preferences-button').focus()",
        json!([]),
    );
    app.press(Key::ARROW_DOWN);
    assert_eq!(app.focused_id(), "menu-contact-information");
    app.press(Key::ENTER);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert_eq!(app.text("#breadcrumb"), BREADCRUMB);
}

#[test]
fn hostile_company_name_is_shown_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &[]);
    let hostile = "<img src=x onerror=alert(1)>";
    app.click("#welcome-add-account");
    app.fill("#add-account-form-company_name", hostile);
    app.fill("#add-account-form-name", "<b>Mallory</b>");
    app.click("#add-account-form-submit");
    app.wait_text(
        "#page-heading",
        &format!("Contact information: {hostile} (<b>Mallory</b>)"),
    );
    assert_eq!(
        app.text("#contact-block [data-field='company_name']"),
        hostile
    );
    assert_eq!(
        app.exec(
            "return document.querySelectorAll('main img, main b').length",
            json!([])
        ),
        json!(0)
    );
}

#[test]
fn a_file_that_is_not_a_keydesk_database_is_named_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keydesk.sqlite3");
    std::fs::write(&file, "not a database ".repeat(200)).unwrap();
    let app = App::launch_unready(dir.path(), &[]);
    let message = app.text("#startup-error-message");
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(message.contains("is not a Keydesk database"), "{message}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "not a database ".repeat(200),
        "left untouched"
    );
}
