//! PostgreSQL-only behaviour, run when `KEYDESK_TEST_POSTGRES_URL` names a server (as the
//! PostgreSQL pass of `cargo xtask test` does); without one each test says so and returns.

use keydesk_core::{Error, Store, StoreLocation};
use sea_orm::{ConnectionTrait, Database};

fn admin_url() -> Option<String> {
    let url = std::env::var("KEYDESK_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        eprintln!("skipped: KEYDESK_TEST_POSTGRES_URL is not set");
    }
    url
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{database}")
}

/// A database holding only a table this user may not even see through information_schema is
/// not Keydesk's, and nothing is created in it.
#[tokio::test]
async fn a_database_whose_tables_we_cannot_read_is_refused_as_foreign() {
    let Some(admin_url) = admin_url() else {
        return;
    };
    let id = keydesk_core::secrets::new_client_id().unwrap();
    let (database, role) = (
        format!("keydesk_foreign_{id}"),
        format!("keydesk_limited_{id}"),
    );
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE ROLE {role} LOGIN"))
        .await
        .unwrap();
    let owner = Database::connect(with_database(&admin_url, &database))
        .await
        .unwrap();
    // Someone else's table, and rights for our user to create its own beside it.
    owner
        .execute_unprepared(&format!(
            "CREATE TABLE payroll (id int); REVOKE ALL ON payroll FROM PUBLIC; \
             GRANT CREATE, USAGE ON SCHEMA public TO {role}"
        ))
        .await
        .unwrap();

    let mut as_role = url::Url::parse(&with_database(&admin_url, &database)).unwrap();
    as_role.set_username(&role).unwrap();
    as_role.set_password(None).unwrap();
    let err = Store::open(StoreLocation::Url(as_role.to_string()))
        .await
        .expect_err("a foreign database is refused");
    eprintln!("{err}");
    assert!(
        matches!(&err, Error::NotKeydesk { cause, .. } if cause.contains("payroll")),
        "{err}"
    );
    let tables = owner
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT relname::text AS name FROM pg_class WHERE relname = 'seaql_migrations'",
        ))
        .await
        .unwrap();
    assert!(tables.is_empty(), "nothing was migrated into it");

    owner.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("DROP ROLE {role}"))
        .await
        .unwrap();
}
