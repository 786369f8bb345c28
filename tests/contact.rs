//! Editing contact and billing information end to end, in the real webview.

use keydesk_e2e::{App, Key};

#[test]
fn contact_and_billing_edits_survive_a_restart() {
    let (_dir, app) = App::demo();

    app.click("#contact-block-edit");
    assert_eq!(
        app.focused_id(),
        "contact-block-form-company_name",
        "focus on the first field"
    );
    app.fill("#contact-block-form-email", "adula@alexcompany.example");
    app.fill("#contact-block-form-city", "Boulder");
    app.fill("#contact-block-form-postal_code", "80302");
    app.click("#contact-block-form-submit");
    app.wait_text(
        "#contact-block [data-field='email']",
        "adula@alexcompany.example",
    );

    app.click("#billing-block-edit");
    app.fill("#billing-block-form-billing_name", "Jane Roe");
    app.fill("#billing-block-form-phone", "+44 20 7946 0958");
    app.press(Key::ENTER);
    app.wait_text("#billing-block [data-field='billing_name']", "Jane Roe");
    assert_eq!(
        app.text("#billing-block [data-field='phone']"),
        "+44 20 7946 0958"
    );

    let app = app.restart();
    app.wait_text(
        "#contact-block [data-field='email']",
        "adula@alexcompany.example",
    );
    assert_eq!(
        app.text("#contact-block [data-field='address']"),
        "1550 Wewatta Street\nBoulder, CO 80302\nUnited States of America"
    );
    assert_eq!(
        app.text("#billing-block [data-field='billing_name']"),
        "Jane Roe"
    );
    assert_eq!(
        app.text("#billing-block [data-field='phone']"),
        "+44 20 7946 0958"
    );
}

#[test]
fn an_invalid_email_is_shown_beside_it_keeps_what_was_typed_and_saves_nothing() {
    let (_dir, app) = App::demo();

    app.click("#contact-block-edit");
    app.fill("#contact-block-form-name", "Alexandra");
    app.fill("#contact-block-form-username", "alexandra");
    app.fill("#contact-block-form-email", "alex-at-alexcompany");
    app.click("#contact-block-form-submit");

    app.wait_text(
        "#contact-block-form-email-error",
        "Email address: must be an email address such as name@example.com",
    );
    assert_eq!(
        app.focused_id(),
        "contact-block-form-email",
        "focus moves to the field"
    );
    assert!(app.is_visible("#contact-block-form-email-error"));
    assert_eq!(
        app.value("#contact-block-form-name"),
        "Alexandra",
        "typed values kept"
    );
    assert_eq!(app.value("#contact-block-form-username"), "alexandra");
    assert_eq!(
        app.value("#contact-block-form-email"),
        "alex-at-alexcompany"
    );

    // Escape cancels; what is stored is unchanged, also after a restart.
    app.press(Key::ESCAPE);
    app.wait_text("#contact-block [data-field='name']", "Alex");
    let app = app.restart();
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert_eq!(
        app.text("#contact-block [data-field='username']"),
        "alexcnw"
    );
    assert_eq!(
        app.text("#contact-block [data-field='email']"),
        "alex@alexcompany.example"
    );
}

#[test]
fn the_source_consoles_phone_numbers_save_with_a_quiet_warning() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert!(!app.exists("#contact-block [data-warning='phone']"));

    // Impossible input is refused, naming the field; nothing is saved.
    app.click("#contact-block-edit");
    app.fill("#contact-block-form-phone", "123");
    app.click("#contact-block-form-submit");
    app.wait_for("the phone error", |app| {
        !app.text("#contact-block-form-phone-error").is_empty()
    });
    let error = app.text("#contact-block-form-phone-error");
    assert!(
        error.starts_with("Phone number: must be a phone number"),
        "{error}"
    );

    // The console's own contact number: possible, not in use in the US — saved as typed.
    app.fill("#contact-block-form-phone", "1231231234");
    app.click("#contact-block-form-submit");
    app.wait_text(
        "#contact-block [data-warning='phone']",
        "not a number in use in the United States — saved as typed",
    );
    assert!(app
        .text("#contact-block [data-field='phone']")
        .starts_with("1231231234"));

    app.click("#billing-block-edit");
    app.fill("#billing-block-form-phone", "555-555-5555");
    app.click("#billing-block-form-submit");
    app.wait_text(
        "#billing-block [data-warning='phone']",
        "not a number in use in the United States — saved as typed",
    );

    let app = app.restart();
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert!(app
        .text("#billing-block [data-field='phone']")
        .starts_with("555-555-5555"));
    assert!(app.is_visible("#contact-block [data-warning='phone']"));
}
