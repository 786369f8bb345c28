//! A team store's rights, enforced by PostgreSQL itself (issue 26): every refusal is the
//! database's, so each is tried both through Keydesk's own functions and as the plain SQL a
//! technician could type into `psql` over their own login. PostgreSQL only (but the first): in
//! the SQLite pass each test says `SKIPPED team::<test>` and returns.

mod common;

use std::collections::BTreeSet;

use common::postgres_var;
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{
    self, CredentialForm, GenerateRequest, Grace, Issued, Lifetime, RenewLifetime, RenewRequest,
};
use keydesk_core::search::search_accounts;
use keydesk_core::selection::Selection;
use keydesk_core::team::{self, Role};
use keydesk_core::vault::Vault;
use keydesk_core::{audit, bulk, health, tags, Error, Keydesk, Store, StoreLocation};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

/// One team store: four accounts (two `#eu`, one `#us`, one untagged), credentials on an
/// `#eu` and the `#us` account, and four technicians, one per group role. Tess (technician)
/// and Vic (viewer) hold `#eu`.
struct Team {
    /// The superuser's connection to the store's database (the DBA).
    dba: DatabaseConnection,
    store: Store,
    url: String,
    tech: String,
    viewer: String,
    admin: String,
    endpoint: String,
    eu_one: i32,
    eu_two: i32,
    us_one: i32,
    untagged: i32,
    eu_credential: Issued,
    us_credential: Issued,
}

fn form(client: &str) -> CredentialForm {
    CredentialForm {
        name: "Integration".into(),
        email: format!("{client}@example.com"),
        application: "PSA".into(),
    }
}

async fn account(store: &Store, company: &str, tags_: &[&str]) -> i32 {
    let contact = ContactForm {
        company_name: company.into(),
        name: "Contact".into(),
        ..Default::default()
    };
    let id = create_account(store, &contact, &BillingForm::default())
        .await
        .unwrap()
        .id;
    for tag in tags_ {
        tags::add_tag(store, id, tag).await.unwrap();
    }
    id
}

fn vault() -> Vault {
    Vault::new("keydesk-test-unused")
}

async fn team() -> Option<Team> {
    let admin_url = postgres_var("KEYDESK_TEST_POSTGRES_URL")?;
    let dir = tempfile::tempdir().unwrap();
    let StoreLocation::Url(url) = common::fresh_location(dir.path()).await else {
        unreachable!("a PostgreSQL pass makes a database");
    };
    let store = Store::open(StoreLocation::Url(url.clone())).await.unwrap();
    let (eu_one, eu_two, us_one, untagged) = (
        account(&store, "Eu One", &["eu"]).await,
        account(&store, "Eu Two", &["eu", "tier-1"]).await,
        account(&store, "Us One", &["us"]).await,
        account(&store, "Untagged", &[]).await,
    );
    let keydesk = Keydesk::new(&store, &vault());
    let eu_credential = credentials::generate(&keydesk, &GenerateRequest::new(eu_one, &form("eu")))
        .await
        .unwrap();
    let us_credential = credentials::generate(&keydesk, &GenerateRequest::new(us_one, &form("us")))
        .await
        .unwrap();

    // Login roles are the cluster's: each test's are its own.
    let id: String = keydesk_core::secrets::new_client_id()
        .unwrap()
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    let [tech, viewer, admin, endpoint] =
        ["tess", "vic", "ada", "endpoint"].map(|who| format!("{who}_{id}"));
    let dba = Database::connect(&url).await.unwrap();
    dba.execute_unprepared(&format!(
        "CREATE ROLE {tech} LOGIN IN ROLE keydesk_technician;
         CREATE ROLE {viewer} LOGIN IN ROLE keydesk_viewer;
         CREATE ROLE {admin} LOGIN IN ROLE keydesk_admin;
         CREATE ROLE {endpoint} LOGIN IN ROLE keydesk_endpoint;
         INSERT INTO technicians (login, display_name) VALUES
           ('{tech}', 'Tess Tech'), ('{viewer}', 'Vic Viewer'), ('{admin}', 'Ada Admin');
         INSERT INTO technician_scopes (login, tag) VALUES ('{tech}', 'eu'), ('{viewer}', 'eu');"
    ))
    .await
    .unwrap();
    let _ = admin_url;
    Some(Team {
        dba,
        store,
        url,
        tech,
        viewer,
        admin,
        endpoint,
        eu_one,
        eu_two,
        us_one,
        untagged,
        eu_credential,
        us_credential,
    })
}

impl Team {
    fn url_as(&self, login: &str) -> String {
        let mut url = url::Url::parse(&self.url).unwrap();
        url.set_username(login).unwrap();
        url.set_password(None).unwrap();
        url.to_string()
    }

    /// Keydesk opened by that technician (their login role).
    async fn open_as(&self, login: &str) -> Store {
        Store::open(StoreLocation::Url(self.url_as(login)))
            .await
            .unwrap()
    }

    /// A plain connection as that technician: what `psql` would do.
    async fn psql_as(&self, login: &str) -> DatabaseConnection {
        Database::connect(self.url_as(login)).await.unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        let row = self
            .dba
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    }
}

/// A credential inserted by hand into `account`.
fn add_credential(account: i32) -> String {
    format!(
        "INSERT INTO credentials (account_id, client_id, name, email, email_key, application, \
         keyring_stored, resource_server, created_at, updated_at, version) \
         SELECT {account}, substr(md5(random()::text), 1, 24), 'n', 'e@x.io', md5(random()::text), \
         'a', false, false, now(), now(), 1"
    )
}

/// Runs `sql` as the connection's role: `Ok(rows affected)` or the database's refusal.
async fn run(db: &DatabaseConnection, sql: &str) -> Result<u64, String> {
    db.execute_unprepared(sql)
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| e.to_string())
}

/// Rows a SELECT returns as that role, or the refusal.
async fn rows(db: &DatabaseConnection, sql: &str) -> Result<usize, String> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map(|r| r.len())
        .map_err(|e| e.to_string())
}

/// On this computer's store (SQLite) one person has every right; a superuser on PostgreSQL
/// counts as an admin. Runs in both passes.
#[tokio::test]
async fn the_store_says_what_its_login_may_do() {
    let t = common::test_store().await;
    let rights = team::my_rights(&t.store).await.unwrap();
    assert!(rights.may_write && rights.all_accounts, "{rights:?}");
    if common::on_postgres() {
        assert_eq!((rights.team, rights.role), (true, Some(Role::Admin)));
    } else {
        assert_eq!(
            (rights.team, rights.role, rights.login),
            (false, None, None)
        );
    }
}

#[tokio::test]
async fn a_technician_sees_exactly_the_accounts_of_their_tags_everywhere() {
    let Some(team) = team().await else {
        return;
    };
    // The independent count: accounts carrying #eu, straight from the tables as the DBA.
    let expected = team
        .count("SELECT count(DISTINCT account_id) FROM account_tags WHERE tag = 'eu'")
        .await;
    assert_eq!(expected, 2);
    let tess = team.open_as(&team.tech).await;
    let rights = team::my_rights(&tess).await.unwrap();
    assert_eq!(
        (
            rights.role,
            rights.tags.clone(),
            rights.may_write,
            rights.all_accounts
        ),
        (Some(Role::Technician), vec!["eu".to_owned()], true, false),
        "{rights:?}"
    );
    assert_eq!(rights.display_name.as_deref(), Some("Tess Tech"));

    let page = search_accounts(&tess, "", 0, 100).await.unwrap();
    let names: BTreeSet<String> = page.hits.iter().map(|h| h.company_name.clone()).collect();
    assert_eq!(names, BTreeSet::from(["Eu One".into(), "Eu Two".into()]));
    assert_eq!(page.total, expected as u64, "the switcher's count");
    assert!(search_accounts(&tess, "us", 0, 100)
        .await
        .unwrap()
        .hits
        .is_empty());

    // Health: what the DBA's list holds, less the #us secret.
    let listed = |page: health::HealthPage| -> BTreeSet<String> {
        page.rows.into_iter().map(|r| r.names.client_id).collect()
    };
    let decade = chrono::Duration::days(3650);
    let mut expected_health = listed(health::health(&team.store, decade, 0, 100).await.unwrap());
    expected_health.remove(&team.us_credential.credential.client_id);
    assert_eq!(
        listed(health::health(&tess, decade, 0, 100).await.unwrap()),
        expected_health
    );
    // Export and bulk: "every account" means every account she may see.
    let csv = keydesk_core::account_csv::export_accounts(&tess, &Selection::All)
        .await
        .unwrap();
    assert!(csv.contains("Eu One") && csv.contains("Eu Two"), "{csv}");
    assert!(
        !csv.contains("Us One") && !csv.contains("Untagged"),
        "{csv}"
    );
    let every = Selection::All.account_ids(&tess).await.unwrap();
    let targets = bulk::bulk_targets(&tess, &every).await.unwrap();
    assert_eq!(targets.len(), expected as usize);
    // Named directly, an account outside her scope is not there at all.
    assert!(matches!(
        keydesk_core::accounts::get_account(&tess, team.us_one).await,
        Err(Error::NotFound(_))
    ));
    assert!(credentials::list_credentials(&tess, team.us_one)
        .await
        .unwrap()
        .is_empty());
    // The same as plain SQL over her own login.
    let psql = team.psql_as(&team.tech).await;
    assert_eq!(
        rows(&psql, "SELECT * FROM contact_information").await,
        Ok(2)
    );
    assert_eq!(rows(&psql, "SELECT * FROM credential_secrets").await, Ok(1));
    assert_eq!(
        rows(&psql, "SELECT DISTINCT account_id FROM account_search").await,
        Ok(2)
    );
    assert_eq!(
        run(
            &psql,
            &format!(
                "UPDATE contact_information SET name = 'x' WHERE account_id = {}",
                team.us_one
            )
        )
        .await,
        Ok(0),
        "an account outside her scope cannot be changed: for her it does not exist"
    );
    // An admin sees everything.
    let ada = team.open_as(&team.admin).await;
    assert_eq!(search_accounts(&ada, "", 0, 100).await.unwrap().total, 4);
    let _ = (team.untagged, team.eu_two);
}

/// Every group role × every kind of action, as plain SQL over that role's own connection.
#[tokio::test]
async fn every_role_meets_the_databases_answer_for_every_action() {
    let Some(team) = team().await else {
        return;
    };
    let (eu, credential) = (team.eu_one, team.eu_credential.credential.id);
    let actions: Vec<(&str, String)> = vec![
        ("read a contact", format!("SELECT * FROM contact_information WHERE account_id = {eu}")),
        ("edit a contact", format!("UPDATE contact_information SET name = 'Edited' WHERE account_id = {eu}")),
        ("add a credential", add_credential(eu)),
        ("add one to #us", add_credential(team.us_one)),
        ("read secret digests", "SELECT digest FROM credential_secrets".into()),
        ("record last used", format!("UPDATE credential_secrets SET last_used_at = now() WHERE credential_id = {credential}")),
        ("read the activity", "SELECT * FROM audit_events".into()),
        ("manage technicians", "INSERT INTO technicians (login, display_name) VALUES ('nobody_' || md5(random()::text), 'N')".into()),
    ];
    // (role, [allowed for each action above])
    let expected = [
        (
            &team.admin,
            [true, true, true, true, true, true, true, true],
        ),
        (
            &team.tech,
            [true, true, true, false, true, true, true, false],
        ),
        (
            &team.viewer,
            [true, false, false, false, true, false, true, false],
        ),
        (
            &team.endpoint,
            [false, false, false, false, true, true, false, false],
        ),
    ];
    let mut table = String::new();
    let mut wrong = Vec::new();
    for (login, allowed) in expected {
        let db = team.psql_as(login).await;
        for ((what, sql), allowed) in actions.iter().zip(allowed) {
            let outcome = if sql.starts_with("SELECT") {
                rows(&db, sql).await.map(|n| n as u64)
            } else {
                run(&db, sql).await
            };
            table.push_str(&format!("{login:>20} {what:<22} {outcome:?}\n"));
            // Allowed: it ran and touched a row. Refused: the database said no — the role's
            // rights, or the customer scope (row-level security).
            let ok = match outcome {
                Ok(n) => allowed && n > 0,
                Err(e) => {
                    !allowed
                        && (e.contains("permission denied") || e.contains("row-level security"))
                }
            };
            if !ok {
                wrong.push(format!("{login} {what}"));
            }
        }
    }
    eprintln!("{table}");
    assert!(
        wrong.is_empty(),
        "not as the rights say: {wrong:?}\n{table}"
    );

    // What the page is told, so that it offers only what will work.
    let vic = team.open_as(&team.viewer).await;
    let rights = team::my_rights(&vic).await.unwrap();
    assert_eq!((rights.role, rights.may_write), (Some(Role::Viewer), false));
    let rights = team::my_rights(&team.open_as(&team.admin).await)
        .await
        .unwrap();
    assert_eq!(
        (rights.role, rights.may_write, rights.all_accounts),
        (Some(Role::Admin), true, true)
    );

    // The same refusal through Keydesk's own functions, as a sentence.
    let err = credentials::renew(
        &Keydesk::new(&vic, &vault()),
        &RenewRequest::new(credential, Grace::Now),
    )
    .await
    .expect_err("a viewer cannot renew");
    assert_eq!(err.code(), "refused", "{err}");
    assert!(err.to_string().contains("do not allow"), "{err}");
}

#[tokio::test]
async fn the_activity_is_append_only_and_names_who_logged_in() {
    let Some(team) = team().await else {
        return;
    };
    let eu = team.eu_one;
    // A forged row: Tess names Ada as its author. The database writes Tess.
    let psql = team.psql_as(&team.tech).await;
    run(
        &psql,
        &format!(
            "INSERT INTO audit_events (account_id, action, detail, actor, at) \
             VALUES ({eu}, 'contact.updated', 'forged', 'Ada Admin on HQ', now())"
        ),
    )
    .await
    .unwrap();
    // Nor about an account outside her scope, nor changing who created one.
    let err = run(
        &psql,
        &format!(
            "INSERT INTO audit_events (account_id, action, detail, at) \
             VALUES ({}, 'contact.updated', 'about another team', now())",
            team.us_one
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("row-level security"), "{err}");
    let err = run(
        &psql,
        &format!("UPDATE accounts SET created_by = 'someone' WHERE id = {eu}"),
    )
    .await
    .unwrap_err();
    assert!(err.contains("cannot be changed"), "{err}");
    let stored = team
        .dba
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT actor FROM audit_events WHERE detail = 'forged'",
        ))
        .await
        .unwrap()
        .unwrap();
    let actor: String = stored.try_get("", "actor").unwrap();
    assert_eq!(actor, team.tech);

    // Through Keydesk: her edit is hers, shown by the name the team gave her.
    let tess = team.open_as(&team.tech).await;
    tess.set_actor(Some("Someone Else on Elsewhere".into()));
    let view = keydesk_core::accounts::get_account(&tess, eu)
        .await
        .unwrap();
    let mut contact = view.contact.form.clone();
    contact.name = "Edited by Tess".into();
    keydesk_core::accounts::update_contact(&tess, eu, view.contact.version, &contact)
        .await
        .unwrap();
    let activity = audit::list_activity(&team.store, eu, 10).await.unwrap();
    assert_eq!(
        activity[0].actor.as_deref(),
        Some("Tess Tech"),
        "{activity:?}"
    );

    // No one rewrites it: not a technician, not an admin, not even the DBA.
    for login in [&team.tech, &team.admin] {
        let db = team.psql_as(login).await;
        for sql in [
            "UPDATE audit_events SET detail = 'rewritten'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ] {
            let err = run(&db, sql).await.expect_err(sql);
            assert!(err.contains("permission denied"), "{login}: {sql}: {err}");
        }
    }
    for sql in [
        "UPDATE audit_events SET detail = 'rewritten'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let err = run(&team.dba, sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "superuser: {sql}: {err}");
    }
    assert_eq!(
        team.count("SELECT count(*) FROM audit_events WHERE detail = 'rewritten'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_technician_adds_and_removes_only_the_tags_they_hold() {
    let Some(team) = team().await else {
        return;
    };
    let tess = team.open_as(&team.tech).await;
    let err = tags::add_tag(&tess, team.eu_one, "us").await.unwrap_err();
    assert_eq!(err.code(), "refused", "{err}");
    assert!(err.to_string().contains("us is not one of them"), "{err}");
    // Eu Two carries #eu and #tier-1; #tier-1 is not hers to remove.
    let err = tags::remove_tag(&tess, team.eu_two, "tier-1")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("remove only the tags you hold"),
        "{err}"
    );
    // #eu is the last tag through which she sees Eu One.
    let err = tags::remove_tag(&tess, team.eu_one, "eu")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("would hide this account"), "{err}");
    assert_eq!(
        tags::account_tags(&team.store, team.eu_one).await.unwrap(),
        ["eu"],
        "nothing changed"
    );
    // An account she creates is hers until it gets its first tag — one of hers.
    let new = account(&tess, "Eu Three", &[]).await;
    assert!(keydesk_core::accounts::get_account(&tess, new)
        .await
        .is_ok());
    tags::add_tag(&tess, new, "eu").await.unwrap();
    assert_eq!(search_accounts(&tess, "", 0, 100).await.unwrap().total, 3);
    // She deletes it again: its tags go with it and the activity records the deletion.
    keydesk_core::accounts::delete_account(&Keydesk::new(&tess, &vault()), new)
        .await
        .unwrap();
    assert_eq!(
        team.count(&format!(
            "SELECT count(*) FROM audit_events WHERE account_id = {new} \
             AND action = 'account.deleted' AND actor = '{}'",
            team.tech
        ))
        .await,
        1
    );
    // An admin is not limited.
    let ada = team.open_as(&team.admin).await;
    tags::add_tag(&ada, team.eu_one, "us").await.unwrap();
    tags::remove_tag(&ada, team.eu_two, "tier-1").await.unwrap();
}

#[tokio::test]
async fn the_endpoint_role_issues_tokens_and_cannot_read_a_contact() {
    let Some(team) = team().await else {
        return;
    };
    let endpoint = team.open_as(&team.endpoint).await;
    let issued = keydesk_core::tokens::issue_token(
        &endpoint,
        &team.us_credential.credential.client_id,
        team.us_credential.secret.expose(),
        chrono::Duration::minutes(5),
    )
    .await
    .unwrap();
    assert!(
        issued.is_some(),
        "the endpoint serves every account's clients"
    );
    let psql = team.psql_as(&team.endpoint).await;
    for table in ["contact_information", "billing_information", "accounts"] {
        let err = rows(&psql, &format!("SELECT * FROM {table}"))
            .await
            .unwrap_err();
        assert!(err.contains("permission denied"), "{table}: {err}");
    }
    // Its alerts name the account (issue 28): the company name, and no other contact column.
    for column in ["name", "email", "phone", "street", "username"] {
        let err = rows(&psql, &format!("SELECT {column} FROM contact_information"))
            .await
            .unwrap_err();
        assert!(err.contains("permission denied"), "{column}: {err}");
    }
    assert_eq!(
        rows(&psql, "SELECT company_name FROM contact_information")
            .await
            .unwrap(),
        4
    );
}

#[tokio::test]
async fn a_technician_never_migrates_and_is_told_who_can() {
    let Some(team) = team().await else {
        return;
    };
    // The store as an older Keydesk left it: its newest migration not yet applied.
    run(
        &team.dba,
        "DELETE FROM seaql_migrations WHERE version = 'm20261207_000100_team_rights'",
    )
    .await
    .unwrap();
    let err = Store::open(StoreLocation::Url(team.url_as(&team.tech)))
        .await
        .expect_err("a technician's login does not migrate");
    assert_eq!(err.code(), "store_outdated", "{err}");
    let text = err.to_string();
    assert!(text.contains("m20261207_000100_team_rights"), "{text}");
    assert!(text.contains("keydesk-server migrate"), "{text}");
    let _ = team.viewer;
}

#[tokio::test]
async fn a_lifetime_policy_on_a_tag_is_the_databases_rule_for_every_client() {
    let Some(team) = team().await else {
        return;
    };
    let (ada, tess) = (
        team.open_as(&team.admin).await,
        team.open_as(&team.tech).await,
    );
    // Only an admin sets one.
    let err = team::set_lifetime_policy(&tess, "eu", Some(90))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "refused", "{err}");
    team::set_lifetime_policy(&ada, "eu", Some(90))
        .await
        .unwrap();
    team::set_lifetime_policy(&ada, "tier-1", Some(30))
        .await
        .unwrap();
    // The strictest among the account's tags applies, and the page is told which.
    let policy = |account| {
        let tess = tess.clone();
        async move { team::lifetime_policy(&tess, account).await.unwrap() }
    };
    assert_eq!(
        policy(team.eu_one).await,
        Some(team::LifetimePolicy {
            tag: "eu".into(),
            max_days: 90
        })
    );
    assert_eq!(policy(team.eu_two).await.map(|p| p.max_days), Some(30));

    // Generate for a year: refused with the sentence; for 90 days: made.
    let keydesk = Keydesk::new(&tess, &vault());
    let long = GenerateRequest::new(team.eu_one, &form("policy-long")).lifetime(Lifetime::OneYear);
    let err = credentials::generate(&keydesk, &long).await.unwrap_err();
    assert_eq!(err.code(), "refused", "{err}");
    assert!(
        err.to_string()
            .contains("#eu keep a secret at most 90 days"),
        "{err}"
    );
    let short = GenerateRequest::new(team.eu_one, &form("policy-short")).lifetime(Lifetime::Days90);
    let made = credentials::generate(&keydesk, &short).await.unwrap();
    // Renewing the older (one-year) secret "for as long as it had" is over the policy too.
    let err = credentials::renew(
        &keydesk,
        &RenewRequest::new(team.eu_credential.credential.id, Grace::Now),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("at most 90 days"), "{err}");
    credentials::renew(
        &keydesk,
        &RenewRequest::new(made.credential.id, Grace::Now)
            .lifetime(RenewLifetime::Choose(Lifetime::Days30)),
    )
    .await
    .unwrap();
    // Plain SQL meets the same rule: a secret made to live for ever.
    let psql = team.psql_as(&team.tech).await;
    let err = run(
        &psql,
        &format!(
            "UPDATE credential_secrets SET lifetime_ends_at = NULL WHERE credential_id = {}",
            made.credential.id
        ),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("a secret that never expires is refused"),
        "{err}"
    );
    // Accounts without a policy are free: the #us account's admin renewal keeps "never".
    assert_eq!(policy(team.us_one).await, None);
}

/// Settings → Store's *Test connection*: what it says for a technician's login, a database
/// that is not a Keydesk store, and a port where nothing answers — and the password it kept
/// is in the OS keyring, read back for the next test.
#[tokio::test]
async fn test_connection_says_who_you_are_or_what_is_wrong() {
    use keydesk_core::team_store::{self, TeamStore, TlsMode};
    let Some(team) = team().await else {
        return;
    };
    let url = url::Url::parse(&team.url).unwrap();
    let settings = |database: &str, port: u16, user: &str| TeamStore {
        host: url.host_str().unwrap().to_owned(),
        port: u32::from(port),
        database: database.to_owned(),
        user: user.to_owned(),
        // The throwaway server is on this computer, without TLS.
        tls: TlsMode::Off,
        ca_file: None,
    };
    let port = url.port().unwrap();
    let database = url.path().trim_start_matches('/');

    let vic = settings(database, port, &team.viewer);
    team_store::save_password(&vic, "typed once").await.unwrap();
    assert_eq!(
        team_store::saved_password(&vic)
            .await
            .unwrap()
            .map(|p| p.expose().to_owned()),
        Some("typed once".to_owned()),
        "kept in the OS keyring"
    );
    let report = team_store::test_connection(&vic, None).await.unwrap();
    let said = report.sentences.join(" ");
    assert!(report.ok, "{said}");
    assert!(said.contains("Connected to PostgreSQL"), "{said}");
    assert!(said.contains("not encrypted"), "{said}");
    assert!(
        said.contains("Vic Viewer") && said.contains("is a viewer here") && said.contains("#eu"),
        "{said}"
    );

    let report = team_store::test_connection(&settings("postgres", port, &team.viewer), None)
        .await
        .unwrap();
    let said = report.sentences.join(" ");
    assert!(
        !report.ok && said.contains("holds no Keydesk store yet"),
        "{said}"
    );

    let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = nowhere.local_addr().unwrap().port();
    drop(nowhere);
    let report = team_store::test_connection(&settings(database, closed, &team.viewer), None)
        .await
        .unwrap();
    let said = report.sentences.join(" ");
    assert!(
        !report.ok && said.contains("No PostgreSQL server answered"),
        "{said}"
    );
}

/// The scope look-ups read the team's `technicians` and `technician_scopes` by their schema: a
/// technician's own temporary tables of those names (PostgreSQL searches pg_temp first, even in
/// a function that sets its search_path, unless pg_temp is named last), readable by everyone
/// and granting them every account or another tag, change nothing they see.
#[tokio::test]
async fn a_technicians_own_temporary_tables_do_not_widen_their_scope() {
    let Some(t) = team().await else {
        common::skipped("PostgreSQL only: needs KEYDESK_TEST_POSTGRES_URL");
        return;
    };
    let tess = t.psql_as(&t.tech).await;
    let before = rows(&tess, "SELECT id FROM accounts").await.unwrap();
    assert_eq!(before, 2, "Tess sees the two #eu accounts");
    let forged = format!(
        "CREATE TEMP TABLE technicians (login text, display_name text, all_accounts boolean);
         INSERT INTO technicians VALUES ('{}', 'Tess', true);
         CREATE TEMP TABLE technician_scopes (login text, tag text);
         INSERT INTO technician_scopes VALUES ('{}', 'us');
         GRANT SELECT ON pg_temp.technicians, pg_temp.technician_scopes TO PUBLIC;
         SET search_path = pg_temp, public;",
        t.tech, t.tech
    );
    // One transaction: the same connection for the tables and the query.
    let txn = sea_orm::TransactionTrait::begin(&tess).await.unwrap();
    txn.execute_unprepared(&forged).await.unwrap();
    let seen = txn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id FROM accounts",
        ))
        .await
        .unwrap()
        .len();
    assert_eq!(seen, 2, "the temporary tables widened the scope");
    let _ = t.us_one;
}
