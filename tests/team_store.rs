//! Two Keydesk instances on one PostgreSQL store (a team sharing it): a renewal in one is seen
//! by the other on reload, and a stale edit in the other is a conflict. Runs when
//! `KEYDESK_E2E_POSTGRES_URL` names a server (`cargo xtask test` starts one).

use std::process::Command;
use std::time::{Duration, Instant};

use keydesk_e2e::{app_binary, fresh_database, keydesk_processes, postgres_server, App, Key};

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

/// Issue 26: a viewer scoped to `#eu` connects to the team store from Settings under their
/// own login role (the password typed once, then found in the keyring): they see only the
/// `#eu` account, their name and scope in the ribbon, the tag's lifetime policy, and no action
/// that writes (no Generate, Renew, Delete, Edit or tag entry) — the database would refuse
/// them anyway. The password is in no file of either data folder.
#[test]
fn a_viewer_sees_only_their_tagged_accounts_and_no_action_that_writes() {
    let Some(admin_url) = postgres_server() else {
        return;
    };
    let url = fresh_database(&admin_url);
    let dir_admin = tempfile::tempdir().unwrap();
    let admin = App::launch_with_env(
        dir_admin.path(),
        &["--demo", "--demo-accounts", "3", "--yes"],
        &[("KEYDESK_DATABASE_URL", url.as_str())],
    );
    admin.wait_for("the first account's page", |app| {
        app.text("#page-heading")
            .starts_with("Contact information: ")
    });
    let heading = admin.text("#page-heading");
    let company = heading
        .trim_start_matches("Contact information: ")
        .rsplit_once(" (")
        .unwrap()
        .0
        .to_owned();
    admin.fill("#generate-form-name", "alexcnw");
    admin.fill("#generate-form-email", "whatevermail@yeah.com");
    admin.fill("#generate-form-application", "esareit");
    admin.click("#generate-form-submit");
    admin.find("#new-secret-panel");
    let client_id = admin.text("#new-secret-client-id");

    let psql = |sql: &str| {
        let out = Command::new("psql")
            .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-qtAc", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    psql(&format!(
        "INSERT INTO account_tags (account_id, tag)
           SELECT account_id, 'eu' FROM contact_information WHERE company_name = '{company}';"
    ));

    // The admin adds Vic on Preferences → Team: a viewer of #eu, a password shown once; and a
    // 90-day policy on #eu.
    let viewer = format!("vic_{}", std::process::id());
    admin.click("#preferences-button");
    admin.click("#menu-team");
    admin.wait_text("#page-heading", "Team");
    admin.click("#team-add");
    admin.fill("#technician-form-login", &viewer);
    admin.fill("#technician-form-display_name", "Vic Viewer");
    admin.select("#technician-form-role", "viewer");
    admin.fill("#technician-form-tags", "#eu");
    admin.click("#technician-form-submit");
    admin.find("#new-technician-password");
    keydesk_e2e::screenshot("team-technician-added");
    let password = admin.value("#new-technician-password");
    assert!(password.len() >= 40, "a generated password: {password:?}");
    assert!(admin
        .text("#new-technician-summary")
        .contains(&format!("can log in as {viewer}: Viewer, #eu")));
    admin.click("#new-technician-done");
    admin.wait_for("the technician's row", |app| {
        app.exists(&format!("#technicians tr[data-login='{viewer}']"))
    });
    assert_eq!(
        admin.text(&format!(
            "#technicians tr[data-login='{viewer}'] .customers"
        )),
        "#eu"
    );
    assert!(!admin.exists("#new-technician-password"), "shown once");
    admin.fill("#policy-form-tag", "#eu");
    admin.fill("#policy-form-max_days", "90");
    admin.click("#policy-form-submit");
    admin.wait_for("the policy", |app| {
        app.exists("#policies li[data-tag='eu']")
    });
    keydesk_e2e::screenshot("team-page");
    // The server checks Vic's password (SCRAM), as a team's would: not trusted like the
    // test's superuser (see xtask's pg_hba.conf).
    psql(&format!(
        "DO $$ BEGIN CREATE ROLE keydesk_scram_checked NOLOGIN;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         GRANT keydesk_scram_checked TO {viewer};"
    ));
    let accounts: usize = psql("SELECT count(*) FROM accounts").parse().unwrap();
    assert!(
        accounts > 1,
        "the store holds accounts outside the viewer's scope"
    );

    // Vic connects from Settings (no environment variable): the password typed once, kept in
    // the OS keyring; Test connection says who they are there; Use this store restarts.
    let (_, rest) = url.split_once("://").unwrap();
    let (_, host_and_db) = rest.split_once('@').unwrap();
    let (host_port, database) = host_and_db.split_once('/').unwrap();
    let (host, port) = host_port.split_once(':').unwrap();
    let dir_viewer = tempfile::tempdir().unwrap();
    let local = App::launch(dir_viewer.path(), &[]);
    local.find("#welcome-add-account");
    local.click("#preferences-button");
    local.click("#menu-settings");
    local.click("#store-kind-team");
    local.fill("#team-host", host);
    local.fill("#team-port", port);
    local.fill("#team-database", database);
    local.fill("#team-user", &viewer);
    local.fill("#team-password", "not-vics-password");
    local.exec(
        "const tls = document.getElementById('team-tls'); tls.value = 'off'; \
         tls.dispatchEvent(new Event('change', { bubbles: true }));",
        serde_json::json!([]),
    );
    local.click("#team-store-test");
    local.wait_for("the wrong password's answer", |app| {
        app.text("#team-store-report")
            .contains("The server refused the password")
    });
    local.fill("#team-password", &password);
    local.click("#team-store-test");
    local.wait_for("the connection test", |app| {
        app.text("#team-store-report").contains("is a viewer here")
    });
    keydesk_e2e::screenshot("settings-store-test-connection");
    let report = local.text("#team-store-report");
    assert!(report.contains("Connected to PostgreSQL"), "{report}");
    assert!(report.contains("Vic Viewer"), "{report}");
    let before = keydesk_processes(dir_viewer.path());
    local.click("#team-store-use");
    let deadline = Instant::now() + keydesk_e2e::WAIT;
    let restarted = loop {
        let now = keydesk_processes(dir_viewer.path());
        if let Some(pid) = now.iter().find(|pid| !before.contains(pid)) {
            break *pid;
        }
        assert!(Instant::now() < deadline, "no restarted Keydesk: {now:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    // End the process WebDriver does not know, then open the folder again: the team store,
    // its password found in the keyring.
    let _ = Command::new("kill").arg(restarted.to_string()).status();
    drop(local);
    while keydesk_processes(dir_viewer.path()).contains(&restarted) {
        assert!(
            Instant::now() < deadline,
            "the restarted Keydesk did not end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let vic = App::launch(dir_viewer.path(), &[]);
    vic.wait_text("#page-heading", &heading);
    vic.wait_text(".credential .client-id", &client_id);
    assert_eq!(vic.text("#team-identity"), "Vic Viewer · viewer · #eu");
    for action in [
        ".credential .renew",
        ".credential .delete",
        "#contact-block-edit",
        "#delete-account",
        "#tag-input",
        "#add-account-button",
        "#pin-account",
    ] {
        assert!(!vic.is_visible(action), "a viewer is offered {action}");
    }
    assert!(vic.is_visible("#credentials-read-only"));
    keydesk_e2e::screenshot("team-store-viewer");
    assert_eq!(
        vic.text("#lifetime-policy"),
        "Accounts tagged #eu: secrets live at most 90 days (the team’s policy)."
    );
    // The admin's page still offers them, with only the lifetimes the policy allows: the
    // current secret's year is not among them, nor "keep the current lifetime".
    let admin = admin.reload();
    admin.wait_text(
        "#lifetime-policy",
        "Accounts tagged #eu: secrets live at most 90 days (the team’s policy).",
    );
    admin.click(".credential .renew");
    admin.find("#renew-lifetime");
    let offered = admin.exec(
        "return [...document.querySelectorAll('#renew-lifetime option')].map((o) => o.value)",
        serde_json::json!([]),
    );
    assert_eq!(offered, serde_json::json!(["30d", "90d"]));
    admin.press(Key::ESCAPE);
    // Every account the viewer can find: the one tagged #eu.
    vic.click("#accounts-button");
    vic.wait_for("the switcher's list", |app| {
        app.exists("#switcher-results [role=option]")
    });
    let listed = vic.exec(
        "return new Set([...document.querySelectorAll('#switcher-results [role=option]')]
           .map((option) => option.dataset.accountId)).size",
        serde_json::json!([]),
    );
    assert_eq!(listed, 1, "of {accounts} accounts");

    // The password is in no file of either data folder (settings.json names the server only).
    for dir in [dir_admin.path(), dir_viewer.path()] {
        for file in walk(dir) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            assert!(
                !bytes
                    .windows(password.len())
                    .any(|w| w == password.as_bytes()),
                "{} holds the password",
                file.display()
            );
        }
    }
    let settings = std::fs::read_to_string(dir_viewer.path().join("settings.json")).unwrap();
    assert!(settings.contains(&viewer), "{settings}");

    // Alert channels are the team admins' (issue 28): Vic reads that, and is offered no form.
    vic.press(Key::ESCAPE);
    vic.click("#preferences-button");
    vic.click("#menu-settings");
    vic.find("#alerts-settings");
    assert!(vic.is_visible("#alerts-admin-note"));
    assert!(
        !vic.is_visible("#alert-form"),
        "a viewer is offered the channel form"
    );
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Issue 26: a team store chosen in Settings that cannot be opened (here: nothing listens on
/// its port) does not lock the person out — the window says why and offers this computer's
/// store, which opens as it was left.
#[test]
fn a_team_store_that_cannot_be_opened_offers_this_computers_store_back() {
    let dir = tempfile::tempdir().unwrap();
    // This computer's store first, with its account.
    let app = App::launch(dir.path(), &["--demo"]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    drop(app);
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = nowhere.local_addr().unwrap().port();
    drop(nowhere);
    let settings = dir.path().join("settings.json");
    let mut chosen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap_or("{}".into()))
            .unwrap_or_else(|_| serde_json::json!({}));
    chosen["team_store"] = serde_json::json!({
        "host": "127.0.0.1", "port": port, "database": "keydesk", "user": "tess", "tls": "off"
    });
    std::fs::write(&settings, chosen.to_string()).unwrap();

    let app = App::launch_unready(dir.path(), &[]);
    // The driver retries a refused connection for its connect timeout (10 s) before it gives up.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !app.exists("#startup-error") {
        assert!(
            Instant::now() < deadline,
            "no error shown for the unreachable store"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    keydesk_e2e::screenshot("team-store-unreachable");
    assert!(
        app.text("#startup-error-message").contains(&format!(
            "No PostgreSQL server answered at 127.0.0.1:{port}"
        )),
        "{}",
        app.text("#startup-error-message")
    );
    let before = keydesk_processes(dir.path());
    app.click("#startup-use-local");
    let deadline = Instant::now() + keydesk_e2e::WAIT;
    let restarted = loop {
        let now = keydesk_processes(dir.path());
        if let Some(pid) = now.iter().find(|pid| !before.contains(pid)) {
            break *pid;
        }
        assert!(Instant::now() < deadline, "no restarted Keydesk: {now:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = Command::new("kill").arg(restarted.to_string()).status();
    drop(app);
    while keydesk_processes(dir.path()).contains(&restarted) {
        assert!(
            Instant::now() < deadline,
            "the restarted Keydesk did not end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let saved = std::fs::read_to_string(&settings).unwrap();
    assert!(saved.contains("\"team_store\": null"), "{saved}");
    let app = App::launch(dir.path(), &[]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
}
