//! Searching 10,000 accounts as the switcher does, on SQLite and, when
//! `KEYDESK_BENCH_POSTGRES_URL` names a server, on PostgreSQL.
//!
//!     cargo bench -p keydesk-core --bench search

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use keydesk_core::demo::seed_accounts;
use keydesk_core::search::search_accounts;
use keydesk_core::{Store, StoreLocation};

const ACCOUNTS: u32 = 10_000;

async fn seeded(location: StoreLocation) -> Store {
    let store = Store::open(location).await.unwrap();
    seed_accounts(&store, ACCOUNTS).await.unwrap();
    store
}

fn bench_store(c: &mut Criterion, backend: &str, store: &Store, rt: &tokio::runtime::Runtime) {
    let mut group = c.benchmark_group(format!("search 10k accounts/{backend}"));
    for (name, query) in [
        ("first page, no query", ""),
        ("one word", "summit"),
        ("two words", "summit 12"),
        ("no match", "zzzz"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(search_accounts(store, query, 0, 50)).unwrap())
        });
    }
    group.finish();
}

fn search(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for backend in common::backends() {
        let location = common::fresh_location(&rt, backend, dir.path(), "search_bench");
        let store = rt.block_on(seeded(location));
        bench_store(c, backend, &store, &rt);
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = search
}
criterion_main!(benches);
