//! What the page says about a secret is what the token endpoint does: credentials made on the
//! page get tokens from a real keydesk-server on the same store; a grace period keeps the old
//! secret working and the page shows when it was last used; renew "now" and delete end it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use keydesk_e2e::{screenshot, server_binary, App};
use serde_json::{json, Value};

struct Server {
    child: Child,
    base: String,
    http: ureq::Agent,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// keydesk-server on a free loopback port over the app's data folder.
    fn start(data_dir: &std::path::Path) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(server_binary())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("KEYDESK_DATA_DIR", data_dir)
            .env_remove("KEYDESK_DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .expect("keydesk-server starts");
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while server
            .http
            .get(format!(
                "{}/.well-known/oauth-authorization-server",
                server.base
            ))
            .call()
            .is_err()
        {
            assert!(Instant::now() < deadline, "keydesk-server did not answer");
            sleep(Duration::from_millis(100));
        }
        server
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let mut response = self
            .http
            .post(format!("{}{path}", self.base))
            .send_form(form.iter().copied())
            .unwrap();
        let status = response.status().as_u16();
        let body = response.body_mut().read_json().unwrap_or(Value::Null);
        (status, body)
    }

    /// A token for the pair (client_secret_post), or the refusal's status.
    fn token(&self, client_id: &str, secret: &str) -> Result<String, u16> {
        let (status, body) = self.post(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ],
        );
        match status {
            200 => Ok(body["access_token"].as_str().unwrap().to_owned()),
            other => Err(other),
        }
    }

    fn active(&self, (client_id, secret): (&str, &str), token: &str) -> bool {
        let (status, body) = self.post(
            "/oauth2/introspect",
            &[
                ("token", token),
                ("client_id", client_id),
                ("client_secret", secret),
            ],
        );
        assert_eq!(status, 200, "{body}");
        body["active"] == json!(true)
    }
}

#[test]
fn what_the_page_says_about_a_secret_is_what_the_token_endpoint_does() {
    let (dir, app) = App::demo();
    let server = Server::start(dir.path());

    app.find("#credentials-section #credentials");
    let (client_id, first) = app.generate_credentials(false);
    let first_token = server.token(&client_id, &first).expect("a token");
    assert!(server.active((&client_id, &first), &first_token));

    // Renew with a 1-hour grace: both secrets get tokens, and the page says which was used.
    app.renew_credentials("1h");
    let second = app.value("#new-secret");
    assert_ne!(second, first);
    server
        .token(&client_id, &first)
        .expect("the old secret within its grace");
    server.token(&client_id, &second).expect("the new secret");
    let app = app.reload();
    app.find("#credentials-section .credential .secrets li");
    let lines = app.exec(
        "return [...document.querySelectorAll('.credential .secrets li')].map((li) => li.textContent)",
        json!([]),
    );
    let lines: Vec<&str> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with("· last used just now")
            && lines[0].contains(&second[second.len() - 4..]),
        "{lines:?}"
    );
    assert!(
        lines[1].contains(&first[first.len() - 4..])
            && lines[1].contains("valid until")
            && lines[1].ends_with("· last used just now"),
        "{lines:?}"
    );

    app.exec(
        "document.getElementById('credentials-section').scrollIntoView()",
        json!([]),
    );
    screenshot("credentials-last-used");

    // Renew "now": the grace-period secret and its token end at once.
    app.renew_credentials("now");
    let third = app.value("#new-secret");
    assert_eq!(server.token(&client_id, &first), Err(401));
    assert_eq!(server.token(&client_id, &second), Err(401));
    assert!(!server.active((&client_id, &third), &first_token));
    let third_token = server.token(&client_id, &third).expect("the newest secret");

    // Delete: every secret refused, every token inactive.
    app.click(".credential .delete");
    app.click("#delete-dialog-yes");
    app.wait_text("#credentials h3", "No API credentials yet");
    assert_eq!(server.token(&client_id, &third), Err(401));
    let (status, body) = server.post(
        "/oauth2/introspect",
        &[
            ("token", third_token.as_str()),
            ("client_id", client_id.as_str()),
            ("client_secret", third.as_str()),
        ],
    );
    assert_eq!(status, 401, "the deleted client cannot even ask: {body}");
}

/// HTTP Basic's `user:password` in base64 (RFC 7617), as curl's `-u` sends it.
fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

/// POSTs a client-credentials request with HTTP Basic to `url` on a fresh connection.
fn token_by_basic(url: &str, client_id: &str, secret: &str) -> Result<(u16, Value), ureq::Error> {
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut response = http
        .post(url)
        .header(
            "Authorization",
            format!("Basic {}", basic(client_id, secret)),
        )
        .send_form([("grant_type", "client_credentials")])?;
    let status = response.status().as_u16();
    Ok((
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    ))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn save_endpoint_setting(app: &App, on: bool, port: u16) {
    app.exec(
        "document.getElementById('preferences-button').click()",
        json!([]),
    );
    app.click("#menu-settings");
    app.find("#settings-form");
    app.exec(
        "document.getElementById('settings-form-token_endpoint').value = arguments[0]",
        json!([on.to_string()]),
    );
    app.fill("#settings-form-token_endpoint_port", &port.to_string());
    app.click("#settings-form-submit");
}

#[test]
fn the_app_runs_the_token_endpoint_for_this_computer_when_settings_say_so() {
    let (_dir, app) = App::demo();
    app.find("#credentials-section #credentials");
    let (client_id, secret) = app.generate_credentials(false);
    assert!(
        !app.exists("#token-endpoint-url"),
        "off by default: no endpoint shown"
    );

    let port = free_port();
    save_endpoint_setting(&app, true, port);
    app.wait_for("the settings dialog to close", |a| {
        !a.exists("#settings-dialog")
    });
    let url = format!("http://127.0.0.1:{port}/oauth2/token");
    app.wait_text("#token-endpoint-url", &url);
    let example = app.text("#token-endpoint-curl");
    assert_eq!(
        example,
        format!("curl -u '<client id>:<your secret>' -d grant_type=client_credentials {url}")
    );
    assert!(!example.contains(&secret), "never the secret itself");

    // The URL the page shows hands out tokens for the credentials the page made.
    let (status, body) = token_by_basic(&url, &client_id, &secret).expect("it answers");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], json!("Bearer"));
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    let (status, body) = token_by_basic(&url, &client_id, "wrong").unwrap();
    assert_eq!((status, &body["error"]), (401, &json!("invalid_client")));

    // A port another program holds: said by the field, nothing saved, the endpoint stays.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    save_endpoint_setting(&app, true, taken_port);
    app.wait_text(
        "#settings-form-token_endpoint_port-error",
        &format!(
            "Token endpoint port: port {taken_port} is in use by another program; choose another port"
        ),
    );
    app.click("#settings-form-cancel");
    assert_eq!(app.text("#token-endpoint-url"), url);
    assert_eq!(token_by_basic(&url, &client_id, &secret).unwrap().0, 200);
    drop(taken);

    // Off: the page stops showing it and the port refuses connections.
    save_endpoint_setting(&app, false, port);
    app.wait_for("the settings dialog to close", |a| {
        !a.exists("#settings-dialog")
    });
    app.wait_for("the endpoint to leave the page", |a| {
        !a.exists("#token-endpoint-url")
    });
    match token_by_basic(&url, &client_id, &secret) {
        Err(ureq::Error::Io(err)) => {
            assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}")
        }
        other => panic!("expected connection refused, got {other:?}"),
    }
}

#[test]
fn a_token_endpoint_left_on_starts_with_the_app_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    std::fs::write(
        dir.path().join("settings.json"),
        json!({ "token_endpoint": true, "token_endpoint_port": port }).to_string(),
    )
    .unwrap();

    // Another program holds the port: the section says so, by port.
    let app = App::launch(dir.path(), &["--demo"]);
    app.wait_text(
        "#token-endpoint-error",
        &format!(
            "The token endpoint for this computer is not running: port {port} is in use by \
             another program; choose another port."
        ),
    );
    assert!(!app.exists("#token-endpoint-url"));

    // Freed: the next launch starts it.
    drop(taken);
    let app = app.restart();
    app.wait_text(
        "#token-endpoint-url",
        &format!("http://127.0.0.1:{port}/oauth2/token"),
    );
    assert!(!app.exists("#token-endpoint-error"));
}

/// Issue 25 item 1 (a): the app open on an account, keydesk-server — another process — issues a
/// token on the same SQLite store, and the secret's line says "last used just now" without a
/// click (the app watches the file's `data_version` each second). The new secret shown once
/// is still there after the redraw.
#[test]
fn a_token_issued_by_another_process_shows_on_the_open_page_without_a_click() {
    let (dir, app) = App::demo();
    let server = Server::start(dir.path());
    app.find("#credentials-section #credentials");
    let (client_id, secret) = app.generate_credentials(false);
    let last_used = ".credential .secrets li .last-used";
    assert!(
        app.text(last_used).contains("never used"),
        "{}",
        app.text(last_used)
    );

    let asked = Instant::now();
    server.token(&client_id, &secret).expect("a token");
    app.wait_for("the line to follow the other process", |a| {
        a.text(last_used).contains("last used just now")
    });
    println!(
        "token issued by keydesk-server → the open page says so after {:?}",
        asked.elapsed()
    );
    assert_eq!(
        app.value("#new-secret"),
        secret,
        "the secret shown once stays until the person leaves the page"
    );
}
