//! A team store's row-level security (issue 26 item 7): search, health and renew on PostgreSQL
//! with 10,000 accounts (3 credentials each), 150 tags (one per account) and 50 technicians
//! holding 3 tags each — as the superuser (row-level security bypassed: the queries without
//! it), as a technician granted every account (the policies run and let everything through) and
//! as a technician scoped to 3 tags (about 200 accounts). Goal: with RLS ≤ 1.2× without.
//! PostgreSQL only: runs when `KEYDESK_BENCH_POSTGRES_URL` names a server.
//!
//!     cargo bench -p keydesk-core --bench team

mod common;

use chrono::Duration;
use criterion::{criterion_group, criterion_main, Criterion};
use keydesk_core::credentials::{self, Grace, RenewRequest};
use keydesk_core::demo::{seed_accounts, seed_credentials};
use keydesk_core::health::health;
use keydesk_core::search::search_accounts;
use keydesk_core::vault::Vault;
use keydesk_core::{Keydesk, Store, StoreLocation};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

const ACCOUNTS: u32 = 10_000;
const TECHNICIANS: usize = 50;
const TAGS_EACH: usize = 3;
const WARNING: Duration = Duration::days(30);

/// The store seeded as its superuser, and the logins of two technicians: one granted every
/// account, one scoped to the first three tags.
async fn seeded(url: &str) -> (Store, String, String, i32) {
    let store = Store::open(StoreLocation::Url(url.to_owned()))
        .await
        .unwrap();
    seed_accounts(&store, ACCOUNTS).await.unwrap();
    seed_credentials(&store, 3).await.unwrap();
    let tags = TECHNICIANS * TAGS_EACH;
    let run = std::process::id();
    let mut sql = format!(
        "INSERT INTO account_tags (account_id, tag) SELECT id, 't' || (id % {tags}) FROM accounts;"
    );
    for k in 0..=TECHNICIANS {
        let login = format!("bench_tech_{run}_{k}");
        sql.push_str(&format!(
            "CREATE ROLE {login} LOGIN IN ROLE keydesk_technician;
             INSERT INTO technicians (login, display_name, all_accounts)
               VALUES ('{login}', 'Tech {k}', {});",
            k == TECHNICIANS
        ));
        for t in 0..TAGS_EACH {
            sql.push_str(&format!(
                "INSERT INTO technician_scopes (login, tag) VALUES ('{login}', 't{}');",
                (k * TAGS_EACH + t) % tags
            ));
        }
    }
    sql.push_str("ANALYZE;");
    store.connection().execute_unprepared(&sql).await.unwrap();
    // A credential the scoped technician sees (an account tagged t0, t1 or t2).
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT c.id FROM credentials c JOIN account_tags t ON t.account_id = c.account_id \
             WHERE t.tag = 't1' ORDER BY c.id LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    let credential_id: i32 = row.try_get("", "id").unwrap();
    (
        store,
        format!("bench_tech_{run}_{TECHNICIANS}"),
        format!("bench_tech_{run}_0"),
        credential_id,
    )
}

fn as_login(url: &str, login: &str, rt: &tokio::runtime::Runtime) -> Store {
    let mut url = url::Url::parse(url).unwrap();
    url.set_username(login).unwrap();
    rt.block_on(Store::open(StoreLocation::Url(url.to_string())))
        .unwrap()
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("KEYDESK_BENCH_POSTGRES_URL").is_none() {
        eprintln!("team bench: PostgreSQL only; set KEYDESK_BENCH_POSTGRES_URL");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let StoreLocation::Url(url) = common::fresh_location(&rt, "postgres", dir.path(), "team_bench")
    else {
        unreachable!("a PostgreSQL location");
    };
    let (superuser, every, scoped, credential_id) = rt.block_on(seeded(&url));
    let vault = Vault::new("keydesk-bench-unused");
    let logins = [
        ("without RLS (superuser)", superuser),
        ("RLS, every account", as_login(&url, &every, &rt)),
        ("RLS, 3 of 150 tags", as_login(&url, &scoped, &rt)),
    ];
    for (name, store) in &logins {
        let seen = rt.block_on(search_accounts(store, "", 0, 1)).unwrap().total;
        eprintln!("team bench: {name} sees {seen} accounts");
    }
    for (label, query) in [("search first page", ""), ("search one word", "summit")] {
        let mut group = c.benchmark_group(format!("team 10k/{label}"));
        for (name, store) in &logins {
            group.bench_function(*name, |b| {
                b.iter(|| rt.block_on(search_accounts(store, query, 0, 50)).unwrap())
            });
        }
        group.finish();
    }
    let mut group = c.benchmark_group("team 10k/health first page");
    for (name, store) in &logins {
        group.bench_function(*name, |b| {
            b.iter(|| rt.block_on(health(store, WARNING, 0, 50)).unwrap())
        });
    }
    group.finish();
    // Every login renews the same credential (one in the scoped technician's customers).
    let mut group = c.benchmark_group("team 10k/renew");
    for (name, store) in &logins {
        group.bench_function(*name, |b| {
            b.iter(|| {
                rt.block_on(credentials::renew(
                    &Keydesk::new(store, &vault),
                    &RenewRequest::new(credential_id, Grace::Now),
                ))
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
