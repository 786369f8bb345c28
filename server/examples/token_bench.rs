//! Token endpoint throughput beside its floor, on one SQLite store, for `cargo xtask bench`:
//! `cargo run --release -p keydesk-server --example token_bench -- [--seconds N] [--clients N]`.
//!
//! Both servers run in this process on 127.0.0.1 over the same store: keydesk-server's router,
//! and a floor — an axum handler that reads the Client ID from HTTP Basic and does the same
//! single indexed SELECT (a Client ID's secrets) and nothing else. Each gets `clients` blocking
//! HTTP clients (threads, keep-alive) sending valid client-credentials requests for `seconds`;
//! the floor first, then Keydesk. Prints one JSON line. Bounded: at most 60 s and 200 clients.

use keydesk_core::credentials::GenerateRequest;
use keydesk_core::Keydesk;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm};
use keydesk_core::entities::{credential, credential_secret};
use keydesk_core::vault::Vault;
use keydesk_core::{Store, StoreLocation};
use keydesk_server::limit::Limits;
use keydesk_server::Config;
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use serde_json::{json, Value};

/// How many credentials the clients share (each client uses one).
const CREDENTIALS: usize = 5;

fn main() {
    let mut seconds = 10u64;
    let mut clients = 50usize;
    let mut database_url = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let number = value.as_deref().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), number) {
            ("--seconds", Some(n)) if (1..=60).contains(&n) => seconds = n,
            ("--clients", Some(n)) if (1..=200).contains(&n) => clients = n as usize,
            ("--database-url", _) if value.is_some() => database_url = value,
            _ => {
                eprintln!(
                    "usage: token_bench [--seconds 1..=60] [--clients 1..=200] [--database-url URL]"
                );
                std::process::exit(2);
            }
        }
    }
    let run_for = Duration::from_secs(seconds);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let location = match &database_url {
        Some(url) => StoreLocation::Url(url.clone()),
        None => StoreLocation::SqliteFile(dir.path().join("keydesk.sqlite3")),
    };
    let (store, pairs) = rt.block_on(prepare(location));

    let floor = rt.block_on(spawn_floor(store.clone()));
    let keydesk = rt.block_on(spawn_keydesk(store));
    let floor_run = load(floor.clone(), &pairs, clients, run_for);
    let keydesk_run = load(keydesk.clone(), &pairs, clients, run_for);
    // Closed-loop clients send as fast as answers come, so their latency is only throughput
    // seen from the other side (50 clients / answers per second). What a platform feels is the
    // latency at a given load: Keydesk paced at the rate the goal asks for (half the floor's).
    let rate = (floor_run["per_second"].as_f64().unwrap_or(0.0) / 2.0).max(1.0);
    // The floor paced at the same rate: what the clients and the machine alone add to a
    // latency (50 threads and the server share 2 cores).
    let floor_paced = paced(floor, &pairs, clients, rate, run_for);
    let paced_run = paced(keydesk, &pairs, clients, rate, run_for);
    let report = json!({
        "store": if database_url.is_some() { "postgresql" } else { "sqlite" },
        "paced": paced_run,
        "floor_paced": floor_paced,
        "clients": clients,
        "seconds": seconds,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "floor": floor_run,
        "keydesk": keydesk_run,
    });
    println!("{report}");
}

async fn prepare(location: StoreLocation) -> (Store, Vec<(String, String)>) {
    let store = Store::open(location).await.expect("the store opens");
    let contact = ContactForm {
        company_name: "Bench".into(),
        name: "B".into(),
        ..Default::default()
    };
    let account_id = create_account(&store, &contact, &BillingForm::default())
        .await
        .expect("an account")
        .id;
    let vault = Vault::default();
    let mut pairs = Vec::new();
    for i in 0..CREDENTIALS {
        let form = CredentialForm {
            name: "bench".into(),
            email: format!("bench{i}@example.com"),
            application: "bench".into(),
        };
        let issued = credentials::generate(
            &Keydesk::new(&store, &vault),
            &GenerateRequest::new(account_id, &form),
        )
        .await
        .expect("credentials");
        pairs.push((
            issued.credential.client_id.clone(),
            issued.secret.expose().to_owned(),
        ));
    }
    (store, pairs)
}

async fn listen() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    (listener, addr)
}

async fn spawn_keydesk(store: Store) -> String {
    let (listener, addr) = listen().await;
    let mut config = Config::new(&format!("http://{addr}"));
    // Only valid requests are sent; the limiter still counts, as in production.
    config.limits = Limits::default();
    tokio::spawn(keydesk_server::serve(listener, store, config));
    format!("http://{addr}/oauth2/token")
}

async fn spawn_floor(store: Store) -> String {
    let (listener, addr) = listen().await;
    let app = Router::new()
        .route("/oauth2/token", post(floor))
        .with_state(store);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/oauth2/token")
}

/// The floor: the Client ID from HTTP Basic, then the SELECT authentication starts with.
async fn floor(State(store): State<Store>, headers: HeaderMap) -> Response {
    let client_id = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, _)| id.to_owned()));
    let Some(client_id) = client_id else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let found = credential_secret::Entity::find()
        .join(
            JoinType::InnerJoin,
            credential_secret::Relation::Credential.def(),
        )
        .filter(credential::Column::ClientId.eq(client_id))
        .all(store.connection())
        .await;
    match found {
        Ok(rows) if !rows.is_empty() => Json(json!({ "secrets": rows.len() })).into_response(),
        Ok(_) => StatusCode::UNAUTHORIZED.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `clients` threads post valid requests to `url` for `run_for`, flat out: answers/s and
/// latencies.
fn load(url: String, pairs: &[(String, String)], clients: usize, run_for: Duration) -> Value {
    let run = drive(url, pairs, clients, run_for, None);
    json!({
        "per_second": run.ok as f64 / run.elapsed.as_secs_f64(),
        "answers": run.ok,
        "failed": run.failed,
        "p50_ms": run.ms(0.50),
        "p99_ms": run.ms(0.99),
    })
}

/// Requests sent at a fixed `rate` (open loop) by `clients` threads for `run_for`: each
/// request's latency counts from when it was due, so a server that falls behind shows it
/// (no coordinated omission).
fn paced(
    url: String,
    pairs: &[(String, String)],
    clients: usize,
    rate: f64,
    run_for: Duration,
) -> Value {
    let run = drive(url, pairs, clients, run_for, Some(rate));
    json!({
        "rate": rate,
        "answers": run.ok,
        "failed": run.failed,
        "p50_ms": run.ms(0.50),
        "p99_ms": run.ms(0.99),
    })
}

struct Run {
    /// Sorted.
    latencies: Vec<Duration>,
    ok: u64,
    failed: u64,
    elapsed: Duration,
}

impl Run {
    fn ms(&self, quantile: f64) -> f64 {
        let at = ((self.latencies.len() as f64 * quantile) as usize)
            .min(self.latencies.len().saturating_sub(1));
        self.latencies
            .get(at)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }
}

/// The clients: one thread each with a keep-alive connection, valid requests only. Flat out
/// (`rate` None: the next request when the answer came) or paced (request i is due at i/rate,
/// spread over the threads, and timed from when it was due).
fn drive(
    url: String,
    pairs: &[(String, String)],
    clients: usize,
    run_for: Duration,
    rate: Option<f64>,
) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now() + Duration::from_millis(100);
    let due_total = rate.map(|r| (r * run_for.as_secs_f64()) as usize);
    let workers: Vec<_> = (0..clients)
        .map(|n| {
            let (id, secret) = &pairs[n % pairs.len()];
            let auth = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
            let (url, stop) = (url.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                if let Some(wait) = started.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let (mut latencies, mut ok, mut failed) = (Vec::new(), 0u64, 0u64);
                for i in (n..).step_by(clients) {
                    let due = match (rate, due_total) {
                        (Some(rate), Some(total)) => {
                            if i >= total {
                                break;
                            }
                            let due = started + Duration::from_secs_f64(i as f64 / rate);
                            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                                std::thread::sleep(wait);
                            }
                            due
                        }
                        _ if stop.load(Ordering::Relaxed) => break,
                        _ => Instant::now(),
                    };
                    let reply = agent
                        .post(&url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Authorization", &auth)
                        .send("grant_type=client_credentials")
                        .and_then(|mut r| {
                            let status = r.status().as_u16();
                            r.body_mut().read_to_vec().map(|_| status)
                        });
                    latencies.push(due.elapsed());
                    match reply {
                        Ok(200) => ok += 1,
                        _ => failed += 1,
                    }
                }
                (latencies, ok, failed)
            })
        })
        .collect();
    if rate.is_none() {
        std::thread::sleep(run_for + Duration::from_millis(100));
        stop.store(true, Ordering::Relaxed);
    }
    let mut run = Run {
        latencies: Vec::new(),
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
    };
    for worker in workers {
        let (l, o, f) = worker.join().expect("a client thread");
        run.latencies.extend(l);
        run.ok += o;
        run.failed += f;
    }
    run.elapsed = started.elapsed();
    run.latencies.sort();
    run
}
