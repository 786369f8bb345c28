//! PostgreSQL-only behaviour, run when `KEYDESK_TEST_POSTGRES_URL` names a server (as the
//! PostgreSQL pass of `cargo xtask test` does). Without it each test prints
//! `SKIPPED postgres::<test>: …` (past the harness's capture) and returns; in a PostgreSQL pass
//! a missing `KEYDESK_TEST_POSTGRES_*` variable fails the test that needs it, naming it.

mod common;

use common::{postgres_var, postgres_vars};
use keydesk_core::{Error, Store, StoreLocation};
use sea_orm::{ConnectionTrait, Database};

fn admin_url() -> Option<String> {
    postgres_var("KEYDESK_TEST_POSTGRES_URL")
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

/// TLS on a real server with `ssl=on` and a certificate from a throwaway CA:
/// `KEYDESK_TEST_POSTGRES_TLS_URL` (a URL naming the server as `localhost`), with
/// `KEYDESK_TEST_POSTGRES_TLS_CA` (the CA that signed its certificate) and
/// `KEYDESK_TEST_POSTGRES_OTHER_CA` (a CA that did not).
#[tokio::test]
async fn tls_with_the_right_ca_connects_and_a_wrong_ca_is_refused_naming_the_cause() {
    let Some([url, ca, other_ca]) = postgres_vars([
        "KEYDESK_TEST_POSTGRES_TLS_URL",
        "KEYDESK_TEST_POSTGRES_TLS_CA",
        "KEYDESK_TEST_POSTGRES_OTHER_CA",
    ]) else {
        return;
    };
    let with_ca = |ca: &str| format!("{url}?sslmode=verify-full&sslrootcert={ca}");

    let store = Store::open(StoreLocation::Url(with_ca(&ca)))
        .await
        .expect("verify-full with the right CA connects");
    let row = store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .unwrap()
        .unwrap();
    let ssl: bool = row.try_get("", "ssl").unwrap();
    let version: String = row.try_get("", "version").unwrap();
    eprintln!("right CA: connected, ssl={ssl} {version}");
    assert!(ssl, "the connection is encrypted");
    store.close().await.unwrap();

    let err = Store::open(StoreLocation::Url(with_ca(&other_ca)))
        .await
        .expect_err("a certificate from another CA is refused");
    eprintln!("wrong CA: {err}");
    assert!(
        err.to_string()
            .contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("not signed by a CA Keydesk trusts"),
        "{err}"
    );
}

/// A server without TLS (`KEYDESK_TEST_POSTGRES_PLAIN_URL`, naming it as `localhost`) is refused
/// under verify-full, with the cause named.
#[tokio::test]
async fn a_server_without_tls_is_refused_under_verify_full() {
    let Some(url) = postgres_var("KEYDESK_TEST_POSTGRES_PLAIN_URL") else {
        return;
    };
    let err = Store::open(StoreLocation::Url(format!("{url}?sslmode=verify-full")))
        .await
        .expect_err("no TLS, no connection");
    eprintln!("server without TLS: {err}");
    assert!(err.to_string().contains("TLS"), "{err}");
}

/// Refused before a byte is sent: no server is needed (and `.invalid` names none).
#[tokio::test]
async fn a_remote_server_without_certificate_verification_is_refused_before_connecting() {
    if common::on_postgres() {
        // It touches no store: the workspace pass has run it already.
        common::skipped("touches no store; run once, in the SQLite pass");
        return;
    }
    for weak in ["disable", "allow", "prefer", "require"] {
        let url = format!("postgres://u:s3cret@db.invalid/keydesk?sslmode={weak}");
        let err = Store::open(StoreLocation::Url(url))
            .await
            .expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "refusing to connect to db.invalid with sslmode={weak}"
            )),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(err.code(), "store");
    }
}
