//! Importing a CSV file of 10,000 accounts (preview, then commit: every row through the
//! form's rules and write path, with tags) into an empty store, on SQLite and, when
//! `KEYDESK_BENCH_POSTGRES_URL` names a server, on PostgreSQL. Goal: ≤ 3 s on 2 cores.
//!
//!     cargo bench -p keydesk-core --bench import

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use keydesk_core::account_csv::{commit_import, preview_import};
use keydesk_core::Store;

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
    let dir = tempfile::tempdir().unwrap();
    for backend in common::backends() {
        group.bench_function(backend, |b| {
            b.iter_batched(
                // An empty store each time: a new file, or a new database.
                || {
                    let location = common::fresh_location(&rt, backend, dir.path(), "import");
                    rt.block_on(Store::open(location)).unwrap()
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
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
