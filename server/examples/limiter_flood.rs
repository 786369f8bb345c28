//! The rate limiter under the flood of issue 24, for `cargo xtask bench`:
//! `cargo run --release -p keydesk-server --example limiter_flood`.
//!
//! One address, already shut out, calls `Limiter::attempt` 200,000 times with distinct Client
//! IDs of 31 ASCII characters, an "é" across byte 32 and 8 KiB of text, as fast as one task
//! can; meanwhile a known integration starts and ends 20,000 attempts from its own address.
//! Both sides' `attempt()` latencies are timed one by one. Prints one JSON line.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use keydesk_server::limit::{Limiter, Limits};
use serde_json::json;

const FLOOD: u32 = 200_000;
const INTEGRATION: u32 = 20_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut micros: Vec<f64>) -> serde_json::Value {
    micros.sort_by(f64::total_cmp);
    json!({
        "attempts": micros.len(),
        "p50_us": percentile(&micros, 0.50),
        "p99_us": percentile(&micros, 0.99),
        "max_us": micros.last().copied().unwrap_or(f64::NAN),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let limiter = Arc::new(Limiter::new(Limits::default()));
    let integration: IpAddr = "192.0.2.50".parse().unwrap();
    let known_id = "0123456789abcdef0123456789abcdef";
    limiter
        .attempt(integration, known_id)
        .await
        .unwrap()
        .succeeded();
    let attacker: IpAddr = "198.51.100.1".parse().unwrap();
    for n in 0..10 {
        limiter
            .attempt(attacker, &format!("first-{n}"))
            .await
            .unwrap()
            .failed();
    }
    let flood = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            let prefix = format!("{}é", "a".repeat(31));
            let tail = "x".repeat(8 * 1024);
            let mut id = String::new();
            let mut micros = Vec::with_capacity(FLOOD as usize);
            for i in 0..FLOOD {
                id.clear();
                id.push_str(&prefix);
                id.push_str(&i.to_string());
                id.push_str(&tail);
                let started = Instant::now();
                let refused = limiter.attempt(attacker, &id).await.is_err();
                micros.push(started.elapsed().as_secs_f64() * 1e6);
                assert!(refused, "the attacker is shut out");
            }
            micros
        }
    });
    let known = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            let mut micros = Vec::with_capacity(INTEGRATION as usize);
            for _ in 0..INTEGRATION {
                let started = Instant::now();
                let attempt = limiter.attempt(integration, known_id).await;
                micros.push(started.elapsed().as_secs_f64() * 1e6);
                attempt.expect("a known integration starts").succeeded();
                tokio::task::yield_now().await;
            }
            micros
        }
    });
    let (flood, known) = (flood.await.unwrap(), known.await.unwrap());
    let tracked = limiter.tracked();
    println!(
        "{}",
        json!({
            "flood": summary(flood),
            "integration": summary(known),
            "tracked_keys": tracked.keys,
            "longest_key_bytes": tracked.longest_client_id,
        })
    );
}
