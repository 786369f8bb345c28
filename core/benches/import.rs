//! Importing a CSV file of 10,000 accounts (preview, then commit: every row through the
//! form's rules and write path, with tags) into an empty store, on SQLite and, when
//! `KEYDESK_BENCH_POSTGRES_URL` names a server, on PostgreSQL. Goal: ≤ 3 s on 2 cores.
//!
//!     cargo bench -p keydesk-core --bench import

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use keydesk_core::account_csv::{commit_import, preview_import};
use keydesk_core::{Store, StoreLocation};
use sea_orm::{ConnectionTrait, Database};

const ROWS: usize = 10_000;

/// A file as a person would bring it: both blocks' main columns and a few tags per row.
fn file() -> String {
    let mut csv = String::from(
        "company_name,name,street,city,region,postal_code,country,phone,username,email,\
         billing_name,billing_email,tags\n",
    );
    for i in 0..ROWS {
        csv.push_str(&format!(
            "Company {i},Person {i},{i} Main Street,Denver,CO,80202,US,(303) 555-{:04},user{i},\
             p{i}@example.com,Billing {i},billing{i}@example.com,tier-{} region-{} all\n",
            i % 10_000,
            i % 3,
            i % 7
        ));
    }
    csv
}

fn import(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let csv = file();
    let mut group = c.benchmark_group("import 10k accounts");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(20));
    let mut fresh_sqlite = 0;
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("sqlite", |b| {
        b.iter_batched(
            || {
                fresh_sqlite += 1;
                let path = dir.path().join(format!("import-{fresh_sqlite}.sqlite3"));
                rt.block_on(Store::open(StoreLocation::SqliteFile(path)))
                    .unwrap()
            },
            |store| {
                rt.block_on(async {
                    let preview = preview_import(&store, "bench.csv", csv.as_bytes())
                        .await
                        .unwrap();
                    assert_eq!(preview.create, ROWS);
                    commit_import(&store, &preview).await.unwrap();
                });
                store
            },
            BatchSize::PerIteration,
        )
    });
    if let Ok(admin_url) = std::env::var("KEYDESK_BENCH_POSTGRES_URL") {
        let base = admin_url.rsplit_once('/').unwrap().0.to_owned();
        let mut fresh = 0;
        group.bench_function("postgres", |b| {
            b.iter_batched(
                || {
                    fresh += 1;
                    let name = format!("keydesk_import_{}_{fresh}", std::process::id());
                    rt.block_on(async {
                        let admin = Database::connect(&admin_url).await.unwrap();
                        admin
                            .execute_unprepared(&format!("CREATE DATABASE {name}"))
                            .await
                            .unwrap();
                        admin.close().await.unwrap();
                        Store::open(StoreLocation::Url(format!("{base}/{name}")))
                            .await
                            .unwrap()
                    })
                },
                |store| {
                    rt.block_on(async {
                        let preview = preview_import(&store, "bench.csv", csv.as_bytes())
                            .await
                            .unwrap();
                        commit_import(&store, &preview).await.unwrap();
                    });
                    store
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
