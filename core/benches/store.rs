//! Keydesk's store operations beside their floors: the same writes or reads done directly with
//! single SQL statements on the same database, no ORM entities, no extra reads. On SQLite and,
//! when `KEYDESK_BENCH_POSTGRES_URL` names a server, PostgreSQL.
//!
//!     cargo bench -p keydesk-core --bench store

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;

use criterion::{criterion_group, criterion_main, Criterion};
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, GenerateRequest, Grace, RenewRequest};
use keydesk_core::entities::{account_search, audit_event, credential, credential_secret};
use keydesk_core::search::search_accounts;
use keydesk_core::vault::Vault;
use keydesk_core::{demo, secrets, Keydesk, Store};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait};

static UNIQUE: AtomicU64 = AtomicU64::new(0);

fn next() -> u64 {
    UNIQUE.fetch_add(1, Ordering::Relaxed)
}

/// Generate's writes: the credential, its first secret, the audit event.
async fn generate_floor(store: &Store, account_id: i32) {
    let db = store.connection();
    let secret = secrets::new_secret().unwrap();
    let client_id = secrets::new_client_id().unwrap();
    let email = format!("floor{}@example.com", next());
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    let insert = Query::insert()
        .into_table(credential::Entity)
        .columns([
            credential::Column::AccountId,
            credential::Column::ClientId,
            credential::Column::Name,
            credential::Column::Email,
            credential::Column::EmailKey,
            credential::Column::Application,
            credential::Column::KeyringStored,
            credential::Column::CreatedAt,
            credential::Column::UpdatedAt,
            credential::Column::Version,
        ])
        .values_panic([
            account_id.into(),
            client_id.clone().into(),
            "n".into(),
            email.clone().into(),
            email.into(),
            "app".into(),
            false.into(),
            now.into(),
            now.into(),
            1.into(),
        ])
        .returning_col(credential::Column::Id)
        .to_owned();
    let row: QueryResult = txn.query_one(&insert).await.unwrap().unwrap();
    let id: i32 = row.try_get_by_index(0).unwrap();
    insert_secret_floor(&txn, id, secret.expose()).await;
    insert_event_floor(&txn, account_id, id).await;
    txn.commit().await.unwrap();
}

async fn insert_secret_floor<C: ConnectionTrait>(db: &C, credential_id: i32, secret: &str) {
    let insert = Query::insert()
        .into_table(credential_secret::Entity)
        .columns([
            credential_secret::Column::CredentialId,
            credential_secret::Column::Digest,
            credential_secret::Column::Hint,
            credential_secret::Column::CreatedAt,
        ])
        .values_panic([
            credential_id.into(),
            secrets::digest(secret).into(),
            secrets::hint(secret).into(),
            Utc::now().into(),
        ])
        .to_owned();
    db.execute(&insert).await.unwrap();
}

async fn insert_event_floor<C: ConnectionTrait>(db: &C, account_id: i32, credential_id: i32) {
    let insert = Query::insert()
        .into_table(audit_event::Entity)
        .columns([
            audit_event::Column::AccountId,
            audit_event::Column::CredentialId,
            audit_event::Column::Action,
            audit_event::Column::Detail,
            audit_event::Column::At,
        ])
        .values_panic([
            account_id.into(),
            credential_id.into(),
            "floor".into(),
            "".into(),
            Utc::now().into(),
        ])
        .to_owned();
    db.execute(&insert).await.unwrap();
}

/// Renew's writes: bump the credential, end the old secret, insert the new one, the event.
async fn renew_floor(store: &Store, account_id: i32, credential_id: i32) {
    let secret = secrets::new_secret().unwrap();
    let now = Utc::now();
    let txn = store.connection().begin().await.unwrap();
    let bump = Query::update()
        .table(credential::Entity)
        .value(
            credential::Column::Version,
            Expr::col(credential::Column::Version).add(1),
        )
        .value(credential::Column::UpdatedAt, now)
        .and_where(Expr::col(credential::Column::Id).eq(credential_id))
        .to_owned();
    txn.execute(&bump).await.unwrap();
    let end = Query::update()
        .table(credential_secret::Entity)
        .value(credential_secret::Column::ExpiresAt, now)
        .and_where(Expr::col(credential_secret::Column::CredentialId).eq(credential_id))
        .and_where(Expr::col(credential_secret::Column::ExpiresAt).is_null())
        .to_owned();
    txn.execute(&end).await.unwrap();
    insert_secret_floor(&txn, credential_id, secret.expose()).await;
    insert_event_floor(&txn, account_id, credential_id).await;
    txn.commit().await.unwrap();
}

/// Verify's reads: the credential by Client ID, its live digests, one comparison.
async fn verify_floor(store: &Store, client_id: &str, secret: &str) -> bool {
    let db = store.connection();
    let find = Query::select()
        .column(credential::Column::Id)
        .from(credential::Entity)
        .and_where(Expr::col(credential::Column::ClientId).eq(client_id))
        .to_owned();
    let id: i32 = db
        .query_one(&find)
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    let digests = Query::select()
        .column(credential_secret::Column::Digest)
        .from(credential_secret::Entity)
        .and_where(Expr::col(credential_secret::Column::CredentialId).eq(id))
        .and_where(Expr::col(credential_secret::Column::ExpiresAt).is_null())
        .to_owned();
    db.query_all(&digests)
        .await
        .unwrap()
        .iter()
        .any(|row| secrets::matches(secret, &row.try_get_by_index::<String>(0).unwrap()))
}

/// Search's index: the account ids whose terms start with the word, one page.
async fn search_floor(store: &Store, word: &str) -> usize {
    let query = Query::select()
        .column(account_search::Column::AccountId)
        .from(account_search::Entity)
        .and_where(Expr::col(account_search::Column::Term).gte(word))
        .and_where(Expr::col(account_search::Column::Term).lt(format!("{word}{}", char::MAX)))
        .limit(50)
        .to_owned();
    store.connection().query_all(&query).await.unwrap().len()
}

fn bench_store(c: &mut Criterion, backend: &str, store: &Store, rt: &tokio::runtime::Runtime) {
    let vault = Vault::new("keydesk-bench-unused");
    let contact = ContactForm {
        company_name: "Bench".into(),
        name: "B".into(),
        ..Default::default()
    };
    let account_id = rt
        .block_on(create_account(store, &contact, &BillingForm::default()))
        .unwrap()
        .id;
    let form = CredentialForm {
        name: "n".into(),
        email: format!("bench{}@example.com", next()),
        application: "app".into(),
    };
    let issued = rt
        .block_on(credentials::generate(
            &Keydesk::new(store, &vault),
            &GenerateRequest::new(account_id, &form),
        ))
        .unwrap();
    let (credential_id, client_id) = (issued.credential.id, issued.credential.client_id.clone());
    let secret = issued.secret.expose().to_string();
    rt.block_on(demo::seed_accounts(store, 10_000)).unwrap();

    let mut group = c.benchmark_group(format!("store/{backend}"));
    group.bench_function("generate/keydesk", |b| {
        b.iter(|| {
            let form = CredentialForm {
                name: "n".into(),
                email: format!("g{}@example.com", next()),
                application: "app".into(),
            };
            rt.block_on(credentials::generate(
                &Keydesk::new(store, &vault),
                &GenerateRequest::new(account_id, &form),
            ))
            .unwrap()
        })
    });
    group.bench_function("generate/floor", |b| {
        b.iter(|| rt.block_on(generate_floor(store, account_id)))
    });
    // Renewals pile up expired secrets on one credential; both sides renew the same one.
    group.bench_function("renew/keydesk", |b| {
        b.iter(|| {
            rt.block_on(credentials::renew(
                &Keydesk::new(store, &vault),
                &RenewRequest::new(credential_id, Grace::Now),
            ))
            .unwrap()
        })
    });
    group.bench_function("renew/floor", |b| {
        b.iter(|| rt.block_on(renew_floor(store, account_id, credential_id)))
    });
    let current = rt
        .block_on(credentials::renew(
            &Keydesk::new(store, &vault),
            &RenewRequest::new(credential_id, Grace::Now),
        ))
        .unwrap();
    let current = current.secret.expose().to_string();
    drop(secret);
    group.bench_function("verify/keydesk", |b| {
        b.iter(|| {
            assert!(
                rt.block_on(credentials::verify(store, &client_id, &current))
                    .unwrap()
                    .valid
            )
        })
    });
    group.bench_function("verify/floor", |b| {
        b.iter(|| assert!(rt.block_on(verify_floor(store, &client_id, &current))))
    });
    group.bench_function("search/keydesk", |b| {
        b.iter(|| {
            rt.block_on(search_accounts(store, "summit", 0, 50))
                .unwrap()
        })
    });
    group.bench_function("search/floor", |b| {
        b.iter(|| rt.block_on(search_floor(store, "summit")))
    });
    group.finish();
}

fn store(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for backend in common::backends() {
        let location = common::fresh_location(&rt, backend, dir.path(), "store_bench");
        let store = rt.block_on(Store::open(location)).unwrap();
        bench_store(c, backend, &store, &rt);
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = store
}
criterion_main!(benches);
