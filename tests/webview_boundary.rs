//! What the page may not do: call a plugin command no capability grants, run inline script
//! (CSP), or turn user text into markup.

use keydesk_e2e::App;
use serde_json::json;

const HOSTILE: &str = "<img src=x onerror=window.__pwned=1><b>bold</b>";

#[test]
fn ungranted_plugin_and_core_commands_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    for (command, args) in [
        ("plugin:clipboard-manager|read_text", json!({})),
        (
            "plugin:clipboard-manager|write_text",
            json!({"text": "from the page"}),
        ),
        ("plugin:window|close", json!({"label": "main"})),
        ("plugin:event|emit", json!({"event": "x"})),
    ] {
        let outcome = app.exec_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(
               () => done('allowed'), (e) => done('refused: ' + e));",
            json!([command, args]),
            std::time::Duration::from_secs(10),
        );
        let outcome = outcome.as_str().unwrap().to_owned();
        assert!(
            outcome.starts_with("refused: ") && outcome.contains("not allowed"),
            "{command}: {outcome}"
        );
    }
    // The app's own commands still work.
    let status = app.exec_async(
        "const done = arguments[arguments.length - 1];
         window.__TAURI__.core.invoke('app_status').then((s) => done(s.version), (e) => done('refused: ' + e));",
        json!([]),
        std::time::Duration::from_secs(10),
    );
    assert_eq!(status, json!(env!("CARGO_PKG_VERSION")));
}

#[test]
fn inline_script_and_inline_handlers_are_blocked_by_the_csp() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    // Beside each blocked piece, its positive control: the CSP's own report that it refused
    // (a `securitypolicyviolation` event), and a listener added from the page's script, which
    // the CSP allows, on the same image: once it has run, the inline handler had its chance.
    app.exec(
        "window.__refused = [];
         document.addEventListener('securitypolicyviolation', (e) => window.__refused.push(e.effectiveDirective));
         const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.append(s);
         const i = document.createElement('img'); i.setAttribute('onerror', 'window.__handler = 1');
         i.addEventListener('error', () => { window.__listener = 1; });
         i.src = 'x:'; document.body.append(i);",
        json!([]),
    );
    app.wait_for(
        "the allowed listener to run and the CSP to report the inline script and handler",
        |a| {
            let seen = a.exec(
                "return [window.__listener ?? null, window.__refused.filter((d) => d.startsWith('script-src')).length]",
                json!([]),
            );
            seen[0] == json!(1) && seen[1].as_u64().unwrap_or(0) >= 2
        },
    );
    assert_eq!(
        app.exec(
            "return [window.__inline ?? null, window.__handler ?? null]",
            json!([])
        ),
        json!([null, null])
    );
}

#[test]
fn hostile_text_in_every_free_text_field_is_shown_as_text() {
    let (_dir, app) = App::demo();

    app.click("#contact-block-edit");
    app.exec(
        "document.getElementById('contact-block-form-country').value = ''",
        json!([]),
    );
    for field in ["company_name", "name", "street", "city", "region"] {
        app.fill(&format!("#contact-block-form-{field}"), HOSTILE);
    }
    // Postal codes are at most 16 characters, and kept upper-case.
    app.fill("#contact-block-form-postal_code", "<b>12</b>");
    app.fill("#contact-block-form-username", "<b>user</b>");
    app.fill("#contact-block-form-phone", "");
    app.click("#contact-block-form-submit");
    app.wait_text("#contact-block [data-field='company_name']", HOSTILE);

    app.click("#billing-block-edit");
    app.exec(
        "document.getElementById('billing-block-form-country').value = ''",
        json!([]),
    );
    for field in [
        "billing_name",
        "street_line1",
        "street_line2",
        "city",
        "region",
    ] {
        app.fill(&format!("#billing-block-form-{field}"), HOSTILE);
    }
    app.fill("#billing-block-form-postal_code", "<b>34</b>");
    app.fill("#billing-block-form-phone", "");
    app.click("#billing-block-form-submit");
    app.wait_text("#billing-block [data-field='billing_name']", HOSTILE);

    app.fill("#generate-form-name", HOSTILE);
    app.fill("#generate-form-email", "ops@example.com");
    app.fill("#generate-form-application", HOSTILE);
    app.click("#generate-form-submit");
    app.find("#new-secret-panel");
    assert_eq!(app.text(".credential .application"), HOSTILE);

    let page = app.text("main");
    assert!(
        page.matches(HOSTILE).count() >= 12,
        "every field shows the literal text"
    );
    assert!(
        page.contains("<B>12</B>") && page.contains("<B>34</B>") && page.contains("<b>user</b>")
    );
    assert_eq!(
        app.exec(
            "return document.querySelectorAll('main img, main b').length",
            json!([])
        ),
        json!(0)
    );
    assert_eq!(
        app.exec("return window.__pwned ?? null", json!([])),
        json!(null)
    );
    assert!(app.text("#page-heading").contains(HOSTILE));
    assert_eq!(app.text("#current-account"), HOSTILE);
}

#[test]
fn wrong_types_through_the_ipc_layer_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    let call = |command: &str, args: serde_json::Value| -> String {
        let outcome = app.exec_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(
               (v) => done('accepted: ' + JSON.stringify(v)),
               (e) => done('refused: ' + (typeof e === 'string' ? e : JSON.stringify(e))));",
            json!([command, args]),
            std::time::Duration::from_secs(10),
        );
        outcome.as_str().unwrap().to_owned()
    };
    let account = call("last_opened_account", json!({}));
    let id: i64 = account.trim_start_matches("accepted: ").parse().unwrap();
    let before = call("get_account", json!({"accountId": id}));
    let huge = "9".repeat(400);
    for (command, args) in [
        (
            "get_account",
            json!({"accountId": "1; DROP TABLE accounts"}),
        ),
        ("get_account", json!({"accountId": huge})),
        ("get_account", json!({})),
        (
            "update_contact",
            json!({"accountId": id, "version": "one", "form": {}}),
        ),
        (
            "update_contact",
            json!({"accountId": id, "version": 1, "form": [1, 2, 3]}),
        ),
        (
            "update_contact",
            json!({"accountId": id, "version": 1, "form": {"company_name": 7}}),
        ),
        (
            "renew_secret",
            json!({"credentialId": 1, "grace": "forever", "storeInKeyring": false}),
        ),
        (
            "update_settings",
            json!({"settings": {"clipboard_clear_seconds": -5}}),
        ),
        (
            "update_settings",
            json!({"settings": {"theme": "<script>"}}),
        ),
        (
            "search_accounts",
            json!({"query": null, "offset": -1, "limit": 10}),
        ),
        ("open_folder", json!({"folder": "/etc"})),
    ] {
        let outcome = call(command, args.clone());
        assert!(
            outcome.starts_with("refused: "),
            "{command} {args}: {outcome}"
        );
        // Tauri names the argument it could not read.
        assert!(
            outcome.contains("invalid") || outcome.contains("missing"),
            "{command}: {outcome}"
        );
    }
    // Nothing changed and the app still answers.
    assert_eq!(call("get_account", json!({"accountId": id})), before);
    assert!(call("app_status", json!({})).starts_with("accepted: "));
}

/// Issue 24 §6: the file dialog is not a boundary — the page can send any path. A path it
/// typed that would replace an existing file outside the data folder is written only once the
/// person says so in Keydesk's own (native) prompt; unanswered, nothing is written. A new file
/// is written at once.
#[test]
fn a_typed_path_never_replaces_a_file_outside_the_data_folder_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let theirs = elsewhere.path().join("theirs.csv");
    std::fs::write(&theirs, "someone's own file\n").unwrap();
    let app = App::launch(dir.path(), &["--demo"]);
    let export = |path: &std::path::Path| {
        app.exec_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('export_accounts', { path: arguments[0] }).then(
               (r) => done('written'), (e) => done('refused: ' + (e.message || JSON.stringify(e))));
             setTimeout(() => done('waiting'), 3000);",
            json!([path.display().to_string()]),
            std::time::Duration::from_secs(10),
        )
    };
    assert_eq!(export(&elsewhere.path().join("new.csv")), json!("written"));
    assert_eq!(export(&theirs), json!("waiting"), "asked, not written");
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "someone's own file\n"
    );
}
