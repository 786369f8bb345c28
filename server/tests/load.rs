//! Bounded loopback load: 50 concurrent clients for 10 s (the figure), a mix of valid and invalid token
//! requests and introspections, against a running server over a real store. Every answer must
//! be the right one; latency percentiles and tokens/s are printed, not asserted (speed goals
//! belong to benchmarks).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keydesk_server::limit::Limits;

mod common;
use common::{basic, start_with};

const CLIENTS: usize = 50;
const RUN_FOR: Duration = Duration::from_secs(10);

#[test]
fn fifty_concurrent_clients_get_only_right_answers() {
    // Invalid attempts all come from 127.0.0.1: the rate limit is tested elsewhere.
    let s = start_with(Limits {
        per_address: u32::MAX,
        per_client_id: u32::MAX,
        ..Limits::default()
    });
    let pairs: Vec<(String, String)> = (0..5)
        .map(|i| {
            let c = s.credentials(&format!("load{i}@example.com"));
            (c.credential.client_id.clone(), c.secret.expose().to_owned())
        })
        .collect();
    let pairs = Arc::new(pairs);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let pairs = Arc::clone(&pairs);
            let stop = Arc::clone(&stop);
            let url = s.url("/oauth2/token");
            let introspect_url = s.url("/oauth2/introspect");
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut latencies = Vec::new();
                let (mut tokens, mut wrong, mut errors) = (0u64, Vec::new(), 0u64);
                let mut i = n;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let (id, secret) = &pairs[i % pairs.len()];
                    let valid = i % 3 != 0;
                    let auth = if valid {
                        basic(id, secret)
                    } else {
                        basic(id, "wrong-secret")
                    };
                    let t = Instant::now();
                    let reply = agent
                        .post(&url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Authorization", &auth)
                        .send("grant_type=client_credentials");
                    latencies.push(t.elapsed());
                    let Ok(mut reply) = reply else {
                        errors += 1;
                        continue;
                    };
                    let status = reply.status().as_u16();
                    let body: serde_json::Value = reply.body_mut().read_json().unwrap_or_default();
                    match (valid, status) {
                        (true, 200) if body["access_token"].is_string() => {
                            tokens += 1;
                            if i % 10 == 1 {
                                // Now and then, check the token is what it says.
                                let token = body["access_token"].as_str().unwrap();
                                let facts: serde_json::Value = agent
                                    .post(&introspect_url)
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .header("Authorization", &basic(id, secret))
                                    .send(format!("token={token}"))
                                    .ok()
                                    .and_then(|mut r| r.body_mut().read_json().ok())
                                    .unwrap_or_default();
                                if facts["active"] != true || facts["client_id"] != id.as_str() {
                                    wrong.push(format!("introspection {facts}"));
                                }
                            }
                        }
                        (false, 401) if body["error"] == "invalid_client" => {}
                        _ => wrong.push(format!("valid={valid} → {status} {body}")),
                    }
                }
                (latencies, tokens, wrong, errors)
            })
        })
        .collect();
    std::thread::sleep(RUN_FOR);
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut tokens, mut wrong, mut errors) = (0, Vec::new(), 0);
    for worker in workers {
        let (l, t, w, e) = worker.join().unwrap();
        latencies.extend(l);
        tokens += t;
        wrong.extend(w);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "load: {CLIENTS} clients, {:.1} s, {} requests, {tokens} tokens ({:.0} tokens/s), \
         p50 {:?}, p99 {:?}, {} wrong, {errors} errors",
        elapsed,
        latencies.len(),
        tokens as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        wrong.len(),
    );
    assert!(
        wrong.is_empty(),
        "wrong answers: {:?}",
        &wrong[..wrong.len().min(10)]
    );
    assert_eq!(errors, 0, "transport errors");
    assert!(tokens > 0);
}
