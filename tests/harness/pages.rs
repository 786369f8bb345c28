//! The page's steps that several tests take (open the demo's account, edit a block expecting
//! an error, generate and renew credentials), beside the WebDriver plumbing of `lib.rs`: a test
//! reads as what a person does; the harness knows how WebDriver does it.

use serde_json::json;

use crate::App;

impl App {
    /// Starts Keydesk on the example account (`--demo`) in a fresh data folder, and waits for
    /// its page: the preamble most tests share. Keep the folder alive as long as the app.
    pub fn demo() -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        let app = App::launch(dir.path(), &["--demo"]);
        app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
        (dir, app)
    }

    /// Opens `block`'s form (its Edit button), types `value` into `field`, submits, and waits
    /// for the error shown beside that field.
    pub fn edit_expecting_error(&self, block: &str, field: &str, value: &str) {
        self.click(&format!("#{block}-edit"));
        self.fill(&format!("#{block}-form-{field}"), value);
        self.click(&format!("#{block}-form-submit"));
        let error = format!("#{block}-form-{field}-error");
        self.wait_for("the field's error", |a| a.is_visible(&error));
    }

    /// Fills and submits the Generate form on the page shown; returns the Client ID and the
    /// secret shown once.
    pub fn generate_credentials(&self, keyring: bool) -> (String, String) {
        self.fill("#generate-form-name", "alexcnw");
        self.fill("#generate-form-email", "whatevermail@yeah.com");
        self.fill("#generate-form-application", "esareit");
        if keyring {
            self.click("#generate-keyring");
        }
        self.click("#generate-form-submit");
        self.find("#new-secret-panel");
        (
            self.text("#new-secret-client-id"),
            self.value("#new-secret"),
        )
    }

    /// Renews the first credential on the page with `grace` (`now`, `1h`, …); the new secret
    /// is then in `#new-secret`.
    pub fn renew_credentials(&self, grace: &str) {
        self.click(".credential .renew");
        self.find("#renew-dialog");
        self.exec(
            "document.getElementById('renew-grace').value = arguments[0]",
            json!([grace]),
        );
        self.click("#renew-dialog-yes");
        self.wait_for("the renew dialog to close", |a| !a.exists("#renew-dialog"));
        self.find("#new-secret-panel");
    }
}
