//! /work/shared/spec/token-endpoint.md, row by row, against a running `keydesk-server` on
//! loopback over a real store (SQLite; PostgreSQL when KEYDESK_TEST_POSTGRES_URL is set).

use std::io::{Read, Write};

use keydesk_core::credentials::Grace;
use keydesk_server::limit::Limits;

mod common;
use common::{basic, start, start_configured, start_with, Reply, Running, FORM};

/// Limits high enough that the table's own failures never trip them (the limit has its row).
fn generous() -> Limits {
    Limits {
        per_address: 10_000,
        per_client_id: 10_000,
        ..Limits::default()
    }
}

struct Expect {
    status: u16,
    error: Option<&'static str>,
    basic_challenge: bool,
}

const fn ok() -> Expect {
    Expect {
        status: 200,
        error: None,
        basic_challenge: false,
    }
}

const fn status(status: u16) -> Expect {
    Expect {
        status,
        error: None,
        basic_challenge: false,
    }
}

const fn err(status: u16, error: &'static str) -> Expect {
    Expect {
        status,
        error: Some(error),
        basic_challenge: false,
    }
}

const fn challenged(error: &'static str) -> Expect {
    Expect {
        status: 401,
        error: Some(error),
        basic_challenge: true,
    }
}

/// What every 200 from the token endpoint carries (§5.1, §4.4.3).
fn check_token_success(reply: &Reply) -> Result<(), String> {
    let json = reply.json();
    let token = json["access_token"].as_str().ok_or("no access_token")?;
    if token.len() < 43 {
        return Err(format!("token too short for 256 bits: {token}"));
    }
    if json["token_type"] != "Bearer" {
        return Err(format!("token_type {}", json["token_type"]));
    }
    if json["expires_in"] != 3600 {
        return Err(format!("expires_in {}", json["expires_in"]));
    }
    if json.get("refresh_token").is_some() {
        return Err("a refresh_token was issued".into());
    }
    for (name, value) in [
        ("Cache-Control", "no-store"),
        ("Pragma", "no-cache"),
        ("Content-Type", "application/json"),
    ] {
        if reply.header(name) != Some(value) {
            return Err(format!("{name}: {:?}", reply.header(name)));
        }
    }
    Ok(())
}

fn check(reply: &Reply, expect: &Expect) -> Result<(), String> {
    if reply.status != expect.status {
        return Err(format!(
            "status {} ≠ {}: {}",
            reply.status, expect.status, reply.body
        ));
    }
    if let Some(error) = expect.error {
        let json = reply.json();
        if json["error"] != error {
            return Err(format!("error {} ≠ {error}", json["error"]));
        }
        if !json["error_description"].is_string() && json.get("error_description").is_some() {
            return Err("error_description is not text".into());
        }
        if reply.header("Content-Type") != Some("application/json") {
            return Err(format!("Content-Type {:?}", reply.header("Content-Type")));
        }
    }
    let challenge = reply.header("WWW-Authenticate");
    if expect.basic_challenge != challenge.is_some_and(|c| c.starts_with("Basic")) {
        return Err(format!("WWW-Authenticate {challenge:?}"));
    }
    Ok(())
}

/// Runs each row, then fails listing every row that did not hold.
fn table(rows: Vec<(&str, Reply, Expect)>) {
    let mut failures = Vec::new();
    for (clause, reply, expect) in &rows {
        let mut result = check(reply, expect);
        if result.is_ok()
            && expect.status == 200
            && expect.error.is_none()
            && reply.body.contains("access_token")
        {
            result = check_token_success(reply);
        }
        match result {
            Ok(()) => println!("ok   {clause}"),
            Err(why) => failures.push(format!("{clause}: {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "clauses not held:\n{}",
        failures.join("\n")
    );
}

#[test]
fn rfc_6749_token_endpoint_clauses() {
    let s = start_with(generous());
    let c = s.credentials("clauses@example.com");
    let id = c.credential.client_id.as_str();
    let secret = c.secret.expose();
    let good = basic(id, secret);
    let wrong = basic(id, "not-the-secret");
    let unknown = basic("0123456789abcdef0123456789abcdef", secret);
    let grant = "grant_type=client_credentials";
    let post_auth = format!("{grant}&client_id={id}&client_secret={secret}");
    let t = "/oauth2/token";

    let mut rows = vec![
        (
            "§3.2 GET is not a token request → 405",
            s.get(t),
            status(405),
        ),
        (
            "§3.2 repeated parameter → invalid_request",
            s.form(t, Some(&good), &format!("{grant}&{grant}")),
            err(400, "invalid_request"),
        ),
        (
            "§3.2 a parameter without a value counts as absent",
            s.form(t, Some(&good), &format!("{grant}&scope=")),
            ok(),
        ),
        (
            "§3.2 the body is form-encoded: JSON → invalid_request",
            s.post(
                t,
                &[
                    ("Content-Type", "application/json"),
                    ("Authorization", &good),
                ],
                r#"{"grant_type":"client_credentials"}"#,
            ),
            err(400, "invalid_request"),
        ),
        (
            "§4.4.2 no grant_type → invalid_request",
            s.form(t, Some(&good), ""),
            err(400, "invalid_request"),
        ),
        (
            "§4.4.2 empty grant_type is absent → invalid_request",
            s.form(t, Some(&good), "grant_type="),
            err(400, "invalid_request"),
        ),
        (
            "§4.4.2 grant_type=password → unsupported_grant_type",
            s.form(t, Some(&good), "grant_type=password"),
            err(400, "unsupported_grant_type"),
        ),
        (
            "§4.4.2 grant_type=none → unsupported_grant_type",
            s.form(t, Some(&good), "grant_type=none"),
            err(400, "unsupported_grant_type"),
        ),
        (
            "§3.3 a scope this server does not define → invalid_scope",
            s.form(t, Some(&good), &format!("{grant}&scope=admin")),
            err(400, "invalid_scope"),
        ),
        (
            "§2.3.1 HTTP Basic → 200",
            s.form(t, Some(&good), grant),
            ok(),
        ),
        (
            "§2.3.1 client_secret_post → 200",
            s.form(t, None, &post_auth),
            ok(),
        ),
        (
            "§2.3 Basic and body credentials together → invalid_request",
            s.form(t, Some(&good), &post_auth),
            err(400, "invalid_request"),
        ),
        (
            "§5.2 wrong secret by Basic → 401 invalid_client + WWW-Authenticate",
            s.form(t, Some(&wrong), grant),
            challenged("invalid_client"),
        ),
        (
            "§5.2 unknown Client ID by Basic → the same 401",
            s.form(t, Some(&unknown), grant),
            challenged("invalid_client"),
        ),
        (
            "§5.2 wrong secret in the body → 401 invalid_client (no Basic, no challenge)",
            s.form(
                t,
                None,
                &format!("{grant}&client_id={id}&client_secret=wrong"),
            ),
            err(401, "invalid_client"),
        ),
        (
            "§5.2 no client authentication → 401 invalid_client",
            s.form(t, None, grant),
            challenged("invalid_client"),
        ),
        (
            "§5.2 a malformed Basic header → 401 invalid_client",
            s.form(t, Some("Basic !!!not-base64"), grant),
            challenged("invalid_client"),
        ),
        (
            "bad input: non-UTF-8 body → invalid_request",
            s.form(t, Some(&good), "grant_type=%FF%FE"),
            err(400, "invalid_request"),
        ),
        (
            "bad input: raw non-UTF-8 bytes → invalid_request",
            s.post(
                t,
                &[("Content-Type", FORM), ("Authorization", &good)],
                b"grant_type=\xff\xfe",
            ),
            err(400, "invalid_request"),
        ),
        (
            "bad input: a body over the limit → invalid_request",
            s.form(
                t,
                Some(&good),
                &format!("{grant}&pad={}", "x".repeat(64 * 1024)),
            ),
            err(400, "invalid_request"),
        ),
        (
            "bad input: a long Authorization header → invalid_request",
            s.form(t, Some(&format!("Basic {}", "A".repeat(64 * 1024))), grant),
            err(400, "invalid_request"),
        ),
        (
            "bad input: no Content-Type → invalid_request",
            s.post(t, &[("Authorization", &good)], grant),
            err(400, "invalid_request"),
        ),
    ];

    // Same 401 body for a wrong secret and an unknown Client ID (nothing tells them apart).
    let a = s.form(t, Some(&wrong), grant);
    let b = s.form(t, Some(&unknown), grant);
    assert_eq!(a.body, b.body);

    // App. B: user and password are form-url-decoded after base64. Secrets are URL-safe, so
    // encode characters that need it anyway (%2D is '-', %5F '_') and check they decode.
    let encoded_secret: String = secret
        .chars()
        .map(|ch| match ch {
            '-' => "%2D".to_owned(),
            '_' => "%5F".to_owned(),
            other => other.to_string(),
        })
        .collect();
    let fully_encoded = format!(
        "Basic {}",
        base64_std(&format!("{id}:{}", percent_all(secret)))
    );
    rows.push((
        "App. B: every byte percent-encoded in Basic → decoded → 200",
        s.form(t, Some(&fully_encoded), grant),
        ok(),
    ));
    rows.push((
        "App. B: '+' in Basic is a space, so a secret with '+' for a space is not the secret → 401",
        s.form(
            t,
            Some(&format!("Basic {}", base64_std(&format!("{id}:{secret}+")))),
            grant,
        ),
        challenged("invalid_client"),
    ));
    rows.push((
        "App. B: '-' / '_' sent as %2D / %5F → 200",
        s.form(
            t,
            Some(&format!(
                "Basic {}",
                base64_std(&format!("{id}:{encoded_secret}"))
            )),
            grant,
        ),
        ok(),
    ));
    table(rows);
}

fn base64_std(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn percent_all(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn rfc_7662_introspection_and_rfc_7009_revocation_clauses() {
    let s = start_with(generous());
    let a = s.credentials("a@example.com");
    let b = s.credentials("b@example.com");
    let (a_id, a_secret) = (a.credential.client_id.as_str(), a.secret.expose());
    let (b_id, b_secret) = (b.credential.client_id.as_str(), b.secret.expose());
    let a_auth = basic(a_id, a_secret);
    let a_token = s.token(a_id, a_secret);
    let b_token = s.token(b_id, b_secret);
    let i = "/oauth2/introspect";
    let r = "/oauth2/revoke";

    let rows = vec![
        (
            "7662 missing token → invalid_request",
            s.form(i, Some(&a_auth), "token_type_hint=access_token"),
            err(400, "invalid_request"),
        ),
        (
            "7662 the endpoint requires authorization → 401",
            s.form(i, None, &format!("token={a_token}")),
            challenged("invalid_client"),
        ),
        (
            "7662 wrong credentials → 401",
            s.form(i, Some(&basic(a_id, "wrong")), &format!("token={a_token}")),
            challenged("invalid_client"),
        ),
        ("7662 GET → 405", s.get(i), status(405)),
        (
            "7009 missing token → invalid_request",
            s.form(r, Some(&a_auth), ""),
            err(400, "invalid_request"),
        ),
        (
            "7009 unauthenticated → 401",
            s.form(r, None, &format!("token={a_token}")),
            challenged("invalid_client"),
        ),
        (
            "7009 an unknown token is not an error → 200",
            s.form(r, Some(&a_auth), "token=no-such-token"),
            ok(),
        ),
        (
            "7009 §2.1 another client's token: refused (unauthorized_client), nothing changes",
            s.form(
                r,
                Some(&a_auth),
                &format!("token={b_token}&token_type_hint=access_token"),
            ),
            err(400, "unauthorized_client"),
        ),
    ];
    table(rows);

    // 7662: a live token → active with client_id, token_type, exp, iat matching the token.
    let live = s.introspect((a_id, a_secret), &a_token);
    assert_eq!(live["active"], true);
    assert_eq!(live["client_id"], a_id);
    assert_eq!(live["token_type"], "Bearer");
    let (iat, exp) = (live["iat"].as_i64().unwrap(), live["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 3600);
    assert!((iat - chrono::Utc::now().timestamp()).abs() < 60, "{iat}");
    // Introspected with client_secret_post too.
    let by_post = s.form(
        i,
        None,
        &format!("token={a_token}&client_id={a_id}&client_secret={a_secret}"),
    );
    assert_eq!(by_post.json()["active"], true);

    // 7662 §4: a client learns nothing of another client's token unless its credential is a
    // resource server's (set on the page).
    assert_eq!(
        s.introspect((a_id, a_secret), &b_token),
        serde_json::json!({"active": false})
    );
    s.set_resource_server(a.credential.id, true);
    let as_resource_server = s.introspect((a_id, a_secret), &b_token);
    assert_eq!(as_resource_server["active"], true);
    assert_eq!(as_resource_server["client_id"], b_id);
    s.set_resource_server(a.credential.id, false);
    assert_eq!(
        s.introspect((a_id, a_secret), &b_token),
        serde_json::json!({"active": false})
    );
    // 7009: the other client's token is still active (its owner asks); the client's own is
    // revoked.
    assert_eq!(s.introspect((b_id, b_secret), &b_token)["active"], true);
    let revoked = s.form(r, Some(&a_auth), &format!("token={a_token}"));
    assert_eq!(revoked.status, 200);
    let inactive = s.introspect((b_id, b_secret), &a_token);
    assert_eq!(inactive, serde_json::json!({"active": false}));
    // Unknown → exactly {"active": false}.
    assert_eq!(
        s.introspect((a_id, a_secret), "no-such-token"),
        serde_json::json!({"active": false})
    );
}

#[test]
fn keydesk_lifecycle_renew_now_grace_and_delete_through_the_endpoint() {
    let s = start_with(generous());
    let first = s.credentials("life@example.com");
    let id = first.credential.client_id.clone();
    let s1 = first.secret.expose().to_owned();
    let t1 = s.token(&id, &s1);

    // Renew with a grace period: both secrets get tokens, both tokens are active.
    let second = s.renew(first.credential.id, Grace::OneHour);
    let s2 = second.secret.expose().to_owned();
    let t1b = s.token(&id, &s1);
    let t2 = s.token(&id, &s2);
    for token in [&t1, &t1b, &t2] {
        assert_eq!(s.introspect((&id, &s2), token)["active"], true);
    }

    // Renew "now": the secrets before it are refused at once, their tokens inactive at once.
    let third = s.renew(first.credential.id, Grace::Now);
    let s3 = third.secret.expose().to_owned();
    for old in [&s1, &s2] {
        let refused = s.form(
            "/oauth2/token",
            Some(&basic(&id, old)),
            "grant_type=client_credentials",
        );
        assert_eq!(refused.status, 401, "{refused:?}");
        assert_eq!(refused.json()["error"], "invalid_client");
    }
    for token in [&t1, &t1b, &t2] {
        assert_eq!(
            s.introspect((&id, &s3), token),
            serde_json::json!({"active": false})
        );
    }
    let t3 = s.token(&id, &s3);
    assert_eq!(s.introspect((&id, &s3), &t3)["active"], true);

    // Delete: the Client ID's every secret is refused and every token inactive; a second
    // client sees it from outside.
    let other = s.credentials("other@example.com");
    let (o_id, o_secret) = (
        other.credential.client_id.clone(),
        other.secret.expose().to_owned(),
    );
    s.delete(first.credential.id);
    let refused = s.form(
        "/oauth2/token",
        Some(&basic(&id, &s3)),
        "grant_type=client_credentials",
    );
    assert_eq!(refused.status, 401);
    assert_eq!(
        s.introspect((&o_id, &o_secret), &t3),
        serde_json::json!({"active": false})
    );
}

#[test]
fn rfc_8414_metadata() {
    let s = start();
    let reply = s.get("/.well-known/oauth-authorization-server");
    assert_eq!(reply.status, 200);
    let m = reply.json();
    let issuer = s.base.clone();
    assert_eq!(m["issuer"], issuer.as_str());
    assert_eq!(m["token_endpoint"], format!("{issuer}/oauth2/token"));
    assert_eq!(
        m["introspection_endpoint"],
        format!("{issuer}/oauth2/introspect")
    );
    assert_eq!(m["revocation_endpoint"], format!("{issuer}/oauth2/revoke"));
    assert_eq!(
        m["grant_types_supported"],
        serde_json::json!(["client_credentials"])
    );
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
    // Required by RFC 8414 §2 even without an authorization endpoint; Authlib's validator
    // refuses an empty list as missing. "none" (OAuth 2.0 Multiple Response Type Encoding
    // Practices §4) issues nothing, so it claims no flow this server lacks.
    assert_eq!(m["response_types_supported"], serde_json::json!(["none"]));
    assert!(m.get("authorization_endpoint").is_none());
}

/// The metadata as a widely used client library reads it: Authlib's RFC 8414 validator
/// (Debian's python3-authlib, installed by `cargo xtask test`), over HTTPS as clients get it.
#[test]
fn rfc_8414_metadata_passes_authlibs_validator() {
    if keydesk_test_support::not_on_windows(
        "Authlib's validator runs in this machine's python3, which a Windows build under Wine \
         cannot start; the metadata is the same on every platform",
    ) {
        return;
    }
    let s = common::start_tls();
    let reply = s.get("/.well-known/oauth-authorization-server");
    assert_eq!(reply.status, 200);
    assert!(reply.json()["issuer"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let script = "import json, sys\n\
                  from authlib.oauth2.rfc8414 import AuthorizationServerMetadata\n\
                  AuthorizationServerMetadata(json.load(sys.stdin)).validate()\n\
                  print('valid')\n";
    let mut python = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 runs (apt-get install python3-authlib, or cargo xtask test)");
    python
        .stdin
        .take()
        .unwrap()
        .write_all(reply.body.as_bytes())
        .unwrap();
    let out = python.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        !stderr.contains("No module named 'authlib'"),
        "Authlib is missing: apt-get install python3-authlib (cargo xtask test does)"
    );
    assert!(
        out.status.success() && stdout.trim() == "valid",
        "Authlib refused the metadata: {stderr}\n{}",
        reply.body
    );
}

#[test]
fn brute_force_is_rate_limited_per_address_with_retry_after() {
    let s = start();
    let c = s.credentials("limited@example.com");
    let id = c.credential.client_id.as_str();
    let grant = "grant_type=client_credentials";
    for n in 0..10 {
        let reply = s.form(
            "/oauth2/token",
            Some(&basic(id, &format!("guess{n}"))),
            grant,
        );
        assert_eq!(reply.status, 401, "failure {n}: {reply:?}");
    }
    let limited = s.form("/oauth2/token", Some(&basic(id, "guess10")), grant);
    assert_eq!(limited.status, 429, "{limited:?}");
    let retry: u64 = limited
        .header("Retry-After")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(limited.json()["error"].is_string());
    // While shut out, even the right secret is not tried from this address.
    let right = s.form("/oauth2/token", Some(&basic(id, c.secret.expose())), grant);
    assert_eq!(right.status, 429);
}

/// "Request heads too large for the HTTP parser (hundreds of KiB) get `431`" (README): a 10 MB
/// Authorization header gets exactly that, not a 500, not a silent close, and the server goes on.
#[test]
fn a_10_mb_authorization_header_gets_431_and_the_server_goes_on() {
    let s = start_with(generous());
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // A write the server no longer reads ends after 10 s wherever the close is not seen as a
    // reset (Wine's sockets blocked here for good).
    stream
        .set_write_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let head = format!("POST /oauth2/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic ", s.addr);
    let mut request = head.as_bytes().to_vec();
    request.extend(std::iter::repeat_n(b'A', 10 * 1024 * 1024));
    request.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    // The server answers and closes once its parser's buffer is full (hyper's default, 8 KiB +
    // 100 × 4 KiB), long before the 10 MB are sent: the rest of the write fails, as it should.
    let _ = stream.write_all(&request);
    // The answer arrived before the close; a reset after it may end the read with an error.
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(
        answer.lines().next(),
        Some("HTTP/1.1 431 Request Header Fields Too Large"),
        "the whole answer: {answer:?}"
    );
    println!(
        "10 MB Authorization header → {:?}",
        answer.lines().next().unwrap()
    );
    // And it still serves.
    let c = s.credentials("after@example.com");
    s.token(&c.credential.client_id, c.secret.expose());
}

#[test]
fn tokens_from_the_endpoint_are_kept_as_digests_only() {
    let s: Running = start_with(generous());
    let c = s.credentials("digest@example.com");
    let token = s.token(&c.credential.client_id, c.secret.expose());
    use keydesk_core::entities::access_token;
    use sea_orm::EntityTrait;
    let rows =
        s.rt.block_on(access_token::Entity::find().all(s.store.connection()))
            .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].digest, token);
    assert_eq!(rows[0].digest, keydesk_core::secrets::digest(&token));
}

/// Ten failures with the given extra headers, then whether the right secret is still let in.
fn right_secret_after_ten_failures(
    s: &Running,
    failing: &[(&str, &str)],
    then: &[(&str, &str)],
) -> u16 {
    let c = s.credentials(&format!("proxy{}@example.com", failing.len()));
    let id = c.credential.client_id.as_str();
    for n in 0..10 {
        let auth = basic(id, &format!("guess{n}"));
        let headers = [&[("Content-Type", FORM), ("Authorization", &auth)], failing].concat();
        let reply = s.post("/oauth2/token", &headers, "grant_type=client_credentials");
        assert_eq!(reply.status, 401, "failure {n}: {reply:?}");
    }
    let auth = basic(id, c.secret.expose());
    let headers = [&[("Content-Type", FORM), ("Authorization", &auth)], then].concat();
    s.post("/oauth2/token", &headers, "grant_type=client_credentials")
        .status
}

#[test]
fn behind_a_tls_proxy_the_limit_counts_the_client_the_proxy_names_not_the_proxy() {
    let s = start_configured(|config| config.behind_proxy = true);
    // An attacker behind the proxy fails ten times; the proxy appended its address last (the
    // first entry is what the attacker wrote itself, to frame someone else).
    let attacker = [("X-Forwarded-For", "192.0.2.200, 198.51.100.66")];
    let colleague = [("X-Forwarded-For", "198.51.100.7")];
    assert_eq!(
        right_secret_after_ten_failures(&s, &attacker, &colleague),
        200,
        "another client behind the same proxy is not shut out"
    );
    let framed = [("X-Forwarded-For", "192.0.2.200")];
    let c = s.credentials("framed@example.com");
    let reply = s.post(
        "/oauth2/token",
        &[
            ("Content-Type", FORM),
            (
                "Authorization",
                &basic(&c.credential.client_id, c.secret.expose()),
            ),
            framed[0],
        ],
        "grant_type=client_credentials",
    );
    assert_eq!(
        reply.status, 200,
        "the address the attacker wrote is not blamed"
    );
    let again = s.post(
        "/oauth2/token",
        &[
            ("Content-Type", FORM),
            ("Authorization", &basic(&c.credential.client_id, "wrong")),
            attacker[0],
        ],
        "grant_type=client_credentials",
    );
    assert_eq!(again.status, 429, "the attacker's own address is");
}

#[test]
fn without_a_proxy_x_forwarded_for_is_ignored() {
    let s = start();
    // A client cannot escape its count by writing a new address into the header each time.
    let forged = [("X-Forwarded-For", "203.0.113.1")];
    let fresh = [("X-Forwarded-For", "203.0.113.2")];
    assert_eq!(right_secret_after_ten_failures(&s, &forged, &fresh), 429);
}

#[test]
fn a_client_that_sends_its_request_too_slowly_is_cut_off_and_others_are_served() {
    let s = start_with(generous());
    let c = s.credentials("slow@example.com");
    let started = std::time::Instant::now();
    // Headers that never end, a byte every second (slowloris).
    let mut slow = std::net::TcpStream::connect(s.addr).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .unwrap();
    let _ =
        slow.write_all(format!("POST /oauth2/token HTTP/1.1\r\nHost: {}\r\n", s.addr).as_bytes());
    let mut closed = false;
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if slow.write_all(b"X-a: b\r\n").is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 512];
        match slow.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    assert!(closed, "the slow connection was still open after 30 s");
    println!(
        "a client trickling its headers was cut off after {:?}",
        started.elapsed()
    );
    // A body that never completes is answered with an error, not waited on for ever.
    let mut body = std::net::TcpStream::connect(s.addr).unwrap();
    body.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    body.write_all(
        format!("POST /oauth2/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=", s.addr).as_bytes(),
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = body.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("invalid_request"), "{answer}");
    s.token(&c.credential.client_id, c.secret.expose());
}

/// The header deadline is HTTP/1's (hyper has none for HTTP/2 streams), so HTTP/2 is not
/// spoken at all: not as h2c with prior knowledge on plain HTTP, not through ALPN over TLS.
#[test]
fn only_http_1_1_is_served_so_the_slow_client_deadline_covers_every_connection() {
    let s = start_with(generous());
    let mut h2c = std::net::TcpStream::connect(s.addr).unwrap();
    h2c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // The HTTP/2 connection preface and an empty SETTINGS frame.
    h2c.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    let mut answer = [0u8; 64];
    let read = h2c.read(&mut answer).unwrap_or(0);
    let answer = &answer[..read];
    // An HTTP/2 server answers with its own SETTINGS frame (type 4 at byte 3).
    assert!(
        !(answer.len() >= 9 && answer[3] == 4),
        "HTTP/2 was spoken: {answer:?}"
    );
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 4"),
        "{}",
        String::from_utf8_lossy(answer)
    );

    // Over TLS a client offering h2 and http/1.1 gets http/1.1.
    let tls = common::start_tls();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(tls.ca_pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for item in ureq::tls::parse_pem(&pem) {
        if let ureq::tls::PemItem::Certificate(cert) = item.unwrap() {
            roots
                .add(rustls::pki_types::CertificateDer::from(cert.der().to_vec()))
                .unwrap();
        }
    }
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut socket = std::net::TcpStream::connect(tls.addr).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    while connection.is_handshaking() {
        connection.complete_io(&mut socket).unwrap();
    }
    assert_eq!(
        connection.alpn_protocol(),
        Some(&b"http/1.1"[..]),
        "ALPN chose {:?}",
        connection.alpn_protocol().map(String::from_utf8_lossy)
    );
}
