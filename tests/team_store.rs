//! Two Keydesk instances on one PostgreSQL store (a team sharing it): a renewal in one is seen
//! by the other on reload, and a stale edit in the other is a conflict. Runs when
//! `KEYDESK_E2E_POSTGRES_URL` names a server (`cargo xtask test` starts one).

use std::process::Command;

use keydesk_e2e::{app_binary, fresh_database, postgres_server, App};

#[test]
fn two_instances_share_renewals_and_refuse_stale_edits() {
    let Some(admin_url) = postgres_server() else {
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

/// Issue 32 item 4: `--demo` on a team store is refused by the binary itself, before it
/// connects: exit code 2, a message naming the database and `--yes`, and the database as it
/// was (no Keydesk tables).
#[test]
fn the_binary_refuses_demo_data_on_a_team_store_and_adds_nothing() {
    let Some(admin_url) = postgres_server() else {
        return;
    };
    let url = fresh_database(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--demo"][..], &["--demo-accounts", "50"]] {
        let out = Command::new(app_binary())
            .args(args)
            .env("KEYDESK_DATABASE_URL", &url)
            .env("KEYDESK_DATA_DIR", dir.path())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        let database = url.rsplit('/').next().unwrap();
        assert!(
            said.contains(&format!(
                "keydesk: {} would add example accounts",
                args.join(" ")
            )),
            "{said}"
        );
        assert!(said.contains(database), "{said}");
        assert!(said.contains("nothing was added"), "{said}");
        assert!(said.contains("--yes"), "{said}");
    }
    let tables = Command::new("psql")
        .args([
            url.as_str(),
            "-tAc",
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&tables.stdout).trim(), "0");
}
