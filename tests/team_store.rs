//! Two Keydesk instances on one PostgreSQL store (a team sharing it): a renewal in one is seen
//! by the other on reload, and a stale edit in the other is a conflict. Runs when
//! `KEYDESK_E2E_POSTGRES_URL` names a server (`cargo xtask test` starts one).

use std::process::Command;

use keydesk_e2e::App;

/// A fresh database on the test server, as a URL for KEYDESK_DATABASE_URL.
fn fresh_database(admin_url: &str) -> String {
    let name = format!(
        "keydesk_e2e_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let status = Command::new("psql")
        .args([admin_url, "-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql");
    assert!(status.success());
    format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)
}

#[test]
fn two_instances_share_renewals_and_refuse_stale_edits() {
    let Ok(admin_url) = std::env::var("KEYDESK_E2E_POSTGRES_URL") else {
        eprintln!(
            "KEYDESK_E2E_POSTGRES_URL is not set: cargo xtask test runs this against a real server"
        );
        return;
    };
    let url = fresh_database(&admin_url);
    let env = [("KEYDESK_DATABASE_URL", url.as_str())];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let a = App::launch_with_env(dir_a.path(), &["--demo", "--yes"], &env);
    a.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    a.fill("#generate-form-name", "alexcnw");
    a.fill("#generate-form-email", "whatevermail@yeah.com");
    a.fill("#generate-form-application", "esareit");
    a.click("#generate-form-submit");
    a.find("#new-secret-panel");
    let client_id = a.text("#new-secret-client-id");

    let b = App::launch_with_env(dir_b.path(), &[], &env);
    b.wait_text(".credential .client-id", &client_id);
    let hint_before = b.text(".secrets li .hint");

    // B is typing in the contact form when A renews: B's page shows the new secret line
    // without a reload (PostgreSQL NOTIFY, issue 25), and B's typing is left alone.
    b.click("#contact-block-edit");
    b.fill("#contact-block-form-name", "Typed in B");
    a.click(".credential .renew");
    a.click("#renew-dialog-yes");
    a.wait_for("the renewal", |app| !app.exists("#renew-dialog"));
    let renewed = a.value("#new-secret");
    let new_hint = format!("••••••••{}", &renewed[39..]);
    let renewed_at = std::time::Instant::now();
    b.wait_text(".secrets li .hint", &new_hint);
    println!(
        "A's renewal → B's open page shows it after {:?}, no reload",
        renewed_at.elapsed()
    );
    assert_ne!(hint_before, new_hint);
    assert_eq!(
        b.value("#contact-block-form-name"),
        "Typed in B",
        "the form being edited is not redrawn"
    );
    // And after a reload, the same.
    let b = b.reload();
    b.wait_text(".secrets li .hint", &new_hint);

    // B starts editing; A saves first; B's save is a conflict that keeps B's typing.
    b.click("#contact-block-edit");
    b.fill("#contact-block-form-name", "Alex from B");
    a.click("#contact-block-edit");
    a.fill("#contact-block-form-name", "Alex from A");
    a.click("#contact-block-form-submit");
    a.wait_text("#contact-block [data-field='name']", "Alex from A");
    b.click("#contact-block-form-submit");
    b.wait_for("the conflict", |app| {
        app.is_visible("#contact-block-form-error")
    });
    assert!(b
        .text("#contact-block-form-error")
        .contains("Name is now “Alex from A”"));
    assert_eq!(b.value("#contact-block-form-name"), "Alex from B");
}
