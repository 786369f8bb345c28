//! The credentials health view over 10,000 accounts with 3 sets of credentials each (secrets of
//! every kind: expired, expiring, far off, never; used and unused), on SQLite and, when
//! `KEYDESK_BENCH_POSTGRES_URL` names a server, on PostgreSQL. Issue 16's goal: ≤ 5 ms a page
//! on SQLite.
//!
//!     cargo bench -p keydesk-core --bench health

mod common;

use chrono::Duration;
use criterion::{criterion_group, criterion_main, Criterion};
use keydesk_core::demo::{seed_accounts, seed_credentials};
use keydesk_core::health::{health, urgent_count};
use keydesk_core::{Store, StoreLocation};

const ACCOUNTS: u32 = 10_000;
const WARNING: Duration = Duration::days(30);

async fn seeded(location: StoreLocation) -> Store {
    let store = Store::open(location).await.unwrap();
    seed_accounts(&store, ACCOUNTS).await.unwrap();
    seed_credentials(&store, 3).await.unwrap();
    store
}

fn bench_store(c: &mut Criterion, backend: &str, store: &Store, rt: &tokio::runtime::Runtime) {
    let total = rt.block_on(health(store, WARNING, 0, 1)).unwrap().total;
    let mut group = c.benchmark_group(format!("health 10k accounts/{backend}"));
    group.bench_function("first page of 50", |b| {
        b.iter(|| rt.block_on(health(store, WARNING, 0, 50)).unwrap())
    });
    // The last page: every group counted, the slice read from deep in the index.
    group.bench_function("last page of 50", |b| {
        b.iter(|| {
            rt.block_on(health(store, WARNING, total.saturating_sub(50), 50))
                .unwrap()
        })
    });
    group.bench_function("ribbon badge", |b| {
        b.iter(|| rt.block_on(urgent_count(store, WARNING)).unwrap())
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for backend in common::backends() {
        let location = common::fresh_location(&rt, backend, dir.path(), "health_bench");
        let store = rt.block_on(seeded(location));
        bench_store(c, backend, &store, &rt);
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
