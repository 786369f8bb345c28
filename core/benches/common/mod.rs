//! What the core benches share: criterion's settings and the stores they run on.

#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::Criterion;
use keydesk_core::StoreLocation;

/// Short runs keep a fresh `cargo xtask bench` under 15 minutes; 30 samples still give a stable
/// median for operations of a millisecond or a few.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
}

/// The backends a run measures: SQLite, and PostgreSQL when `KEYDESK_BENCH_POSTGRES_URL` names
/// a server (`cargo xtask bench` starts one).
pub fn backends() -> Vec<&'static str> {
    let mut backends = vec!["sqlite"];
    if std::env::var_os("KEYDESK_BENCH_POSTGRES_URL").is_some() {
        backends.push("postgres");
    }
    backends
}

/// A new, empty place for a store of `backend`: a new SQLite file in `dir`, or a new database
/// on the PostgreSQL server (`label` names the bench in the database's name).
pub fn fresh_location(
    rt: &tokio::runtime::Runtime,
    backend: &str,
    dir: &Path,
    label: &str,
) -> StoreLocation {
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let n = MADE.fetch_add(1, Ordering::Relaxed);
    let name = format!("keydesk_{label}_{}_{n}", std::process::id());
    match backend {
        "sqlite" => StoreLocation::SqliteFile(dir.join(format!("{name}.sqlite3"))),
        "postgres" => {
            let admin_url = std::env::var("KEYDESK_BENCH_POSTGRES_URL")
                .expect("KEYDESK_BENCH_POSTGRES_URL names the PostgreSQL server");
            StoreLocation::Url(rt.block_on(keydesk_test_support::new_database(&admin_url, &name)))
        }
        other => panic!("no backend {other}"),
    }
}
