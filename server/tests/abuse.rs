//! Security review, round 2 (issue 24): the token endpoint under abuse — web pages and other
//! hosts on the loopback endpoint, and IPv4 clients of a dual-stack listener.

mod common;

use common::*;

fn wrong_secret_head(host: &str, client_id: &str, extra: &[&str]) -> Vec<String> {
    let mut head = vec![
        format!("Host: {host}"),
        format!("Authorization: {}", basic(client_id, "a-guess")),
    ];
    head.extend(extra.iter().map(|l| (*l).to_owned()));
    head
}

#[test]
fn web_pages_and_other_hosts_get_403_from_the_loopback_endpoint_and_spend_no_limit() {
    let s = start();
    let c = s.credentials("page@example.com");
    let id = c.credential.client_id.as_str();
    let host = format!("127.0.0.1:{}", s.addr.port());
    let grant = "grant_type=client_credentials";
    // What a page in the person's browser can send without a preflight, and DNS rebinding.
    let rebound = format!("rebound.attacker.example:{}", s.addr.port());
    let cases: Vec<Vec<String>> = vec![
        wrong_secret_head(&host, id, &["Origin: https://attacker.example"]),
        wrong_secret_head(&host, id, &["Origin: null"]),
        wrong_secret_head(&host, id, &["Sec-Fetch-Site: cross-site"]),
        wrong_secret_head(&host, id, &["Sec-Fetch-Site: same-site"]),
        wrong_secret_head(&rebound, id, &[]),
        wrong_secret_head(&rebound, id, &["Sec-Fetch-Site: same-origin"]),
        wrong_secret_head("127.0.0.1", id, &[]),
        wrong_secret_head("localhost:1", id, &[]),
        wrong_secret_head(&host, id, &["Origin: http://127.0.0.1"]),
        wrong_secret_head(
            &host,
            id,
            &["Sec-Fetch-Site: cross-site", "Origin: https://a.example"],
        ),
        wrong_secret_head(&rebound, id, &["Origin: http://rebound.attacker.example"]),
    ];
    assert_eq!(cases.len(), 11);
    for head in &cases {
        let reply = raw_post([127, 0, 0, 1], s.addr, head, grant);
        assert_eq!(reply.status, 403, "{head:?} → {reply:?}");
        assert_eq!(reply.json()["error"], "access_denied", "{reply:?}");
        assert!(
            reply.header("Access-Control-Allow-Origin").is_none(),
            "{reply:?}"
        );
    }
    // Eleven refused requests cost the real client nothing: eleven counted failures would have
    // shut this address out (429).
    let real = raw_post(
        [127, 0, 0, 1],
        s.addr,
        &[
            format!("Host: {host}"),
            format!("Authorization: {}", basic(id, c.secret.expose())),
        ],
        grant,
    );
    assert_eq!(real.status, 200, "{real:?}");
    assert!(real.header("Access-Control-Allow-Origin").is_none());
    // The ordinary client (ureq names 127.0.0.1:PORT) and `localhost` are served.
    s.token(id, c.secret.expose());
    let by_name = raw_post(
        [127, 0, 0, 1],
        s.addr,
        &[
            format!("Host: localhost:{}", s.addr.port()),
            format!("Authorization: {}", basic(id, c.secret.expose())),
            "Sec-Fetch-Site: none".to_owned(),
        ],
        grant,
    );
    assert_eq!(by_name.status, 200, "{by_name:?}");
    let metadata = s.get("/.well-known/oauth-authorization-server");
    assert_eq!(metadata.status, 200);
    assert!(metadata.header("Access-Control-Allow-Origin").is_none());
}

#[test]
fn ipv4_clients_of_a_dual_stack_listener_are_limited_apart() {
    let s = start_dual_stack();
    let c = s.credentials("dual@example.com");
    let id = c.credential.client_id.as_str();
    let host = format!("127.0.0.1:{}", s.addr.port());
    let grant = "grant_type=client_credentials";
    // Not loopback ([::]): no Host rule; the limit is what is tested.
    for n in 0..10 {
        let reply = raw_post(
            [127, 0, 0, 1],
            s.addr,
            &wrong_secret_head(&host, id, &[]),
            grant,
        );
        assert_eq!(reply.status, 401, "failure {n}: {reply:?}");
    }
    let right = |from: [u8; 4]| {
        raw_post(
            from,
            s.addr,
            &[
                format!("Host: {host}"),
                format!("Authorization: {}", basic(id, c.secret.expose())),
            ],
            grant,
        )
    };
    assert_eq!(
        right([127, 0, 0, 1]).status,
        429,
        "the failing client is shut out"
    );
    let other = right([127, 0, 0, 2]);
    assert_eq!(other.status, 200, "another IPv4 client is not: {other:?}");
}
