//! Preferences → Team (issue 26 item 5) on a real PostgreSQL server: an admin adds technicians
//! who then log in with the password Keydesk generated (checked by the server's SCRAM, not
//! trusted), changes their scope, disables them (their open session ends); everyone else is
//! refused by the database, through Keydesk and as plain SQL alike. PostgreSQL only: in the
//! SQLite pass each test says `SKIPPED technicians::<test>` and returns.
//!
//! The server must check passwords for these logins: `cargo xtask test`'s cluster asks SCRAM of
//! every member of `keydesk_scram_checked` over TCP (its pg_hba.conf), and the logins made here
//! are made members. On a cluster that trusts everyone the password tests say SKIPPED.

mod common;

use common::postgres_var;
use keydesk_core::accounts::create_account;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::search::search_accounts;
use keydesk_core::team::{self, Role, TechnicianForm};
use keydesk_core::{tags, Error, Store, StoreLocation};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

struct Fixture {
    /// The superuser's connection (the DBA).
    dba: DatabaseConnection,
    /// Keydesk opened by the superuser who set the store up.
    store: Store,
    url: String,
    /// Login names are the cluster's: each test's carry its own suffix.
    suffix: String,
}

async fn fixture() -> Option<Fixture> {
    postgres_var("KEYDESK_TEST_POSTGRES_URL")?;
    let dir = tempfile::tempdir().unwrap();
    let StoreLocation::Url(url) = common::fresh_location(dir.path()).await else {
        unreachable!("a PostgreSQL pass makes a database");
    };
    let store = Store::open(StoreLocation::Url(url.clone())).await.unwrap();
    let dba = Database::connect(&url).await.unwrap();
    dba.execute_unprepared(
        "DO $$ BEGIN CREATE ROLE keydesk_scram_checked NOLOGIN; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
    )
    .await
    .unwrap();
    for (company, tag) in [("Eu One", "eu"), ("Eu Two", "eu"), ("Us One", "us")] {
        let contact = ContactForm {
            company_name: company.into(),
            name: "Contact".into(),
            ..Default::default()
        };
        let id = create_account(&store, &contact, &BillingForm::default())
            .await
            .unwrap()
            .id;
        tags::add_tag(&store, id, tag).await.unwrap();
    }
    let suffix: String = keydesk_core::secrets::new_client_id().unwrap()[..10].to_owned();
    Some(Fixture {
        dba,
        store,
        url,
        suffix,
    })
}

impl Fixture {
    fn login(&self, who: &str) -> String {
        format!("{who}_{}", self.suffix)
    }

    fn url_as(&self, login: &str, password: Option<&str>) -> String {
        let mut url = url::Url::parse(&self.url).unwrap();
        url.set_username(login).unwrap();
        url.set_password(password).unwrap();
        url.to_string()
    }

    /// Adds a technician through `by`'s Keydesk and makes the server check their password.
    async fn add(
        &self,
        by: &Store,
        who: &str,
        role: &str,
        tags: &str,
    ) -> (String, keydesk_core::secrets::Secret) {
        let login = self.login(who);
        let added = team::add_technician(
            by,
            &TechnicianForm {
                login: login.clone(),
                display_name: format!("{who} (test)"),
                role: role.into(),
                all_accounts: false,
                tags: tags.into(),
            },
        )
        .await
        .unwrap();
        self.dba
            .execute_unprepared(&format!("GRANT keydesk_scram_checked TO {login}"))
            .await
            .unwrap();
        (login, added.password)
    }

    async fn open_as(&self, login: &str, password: &str) -> Result<Store, Error> {
        Store::open(StoreLocation::Url(self.url_as(login, Some(password)))).await
    }

    async fn scalar(&self, sql: &str) -> String {
        let row = self
            .dba
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    }
}

/// Whether the cluster checks passwords for the test logins; if not, says SKIPPED.
async fn server_checks_passwords(f: &Fixture, login: &str) -> bool {
    if f.open_as(login, "not-the-password").await.is_ok() {
        common::skipped(
            "the PostgreSQL cluster trusts every login (no SCRAM for keydesk_scram_checked in \
             pg_hba.conf), so a password cannot be checked",
        );
        return false;
    }
    true
}

#[tokio::test]
async fn an_admin_adds_technicians_who_log_in_with_the_password_shown_once() {
    let Some(f) = fixture().await else {
        return;
    };
    let (ada, ada_password) = f.add(&f.store, "ada", "admin", "").await;
    if !server_checks_passwords(&f, &ada).await {
        return;
    }
    // Ada logs in with the generated password; the server keeps only a SCRAM verifier.
    let ada_store = f.open_as(&ada, ada_password.expose()).await.unwrap();
    let kept = f
        .scalar(&format!(
            "SELECT rolpassword FROM pg_authid WHERE rolname = '{ada}'"
        ))
        .await;
    assert!(kept.starts_with("SCRAM-SHA-256$4096:"), "{kept}");
    assert!(!kept.contains(ada_password.expose()));
    let rights = team::my_rights(&ada_store).await.unwrap();
    assert_eq!(rights.role, Some(Role::Admin));

    // Ada adds Vic, a viewer of #eu: Vic logs in and sees the two #eu accounts only.
    let (vic, vic_password) = f.add(&ada_store, "vic", "viewer", "#eu").await;
    let vic_store = f.open_as(&vic, vic_password.expose()).await.unwrap();
    let rights = team::my_rights(&vic_store).await.unwrap();
    assert_eq!(
        (rights.role, rights.tags.clone(), rights.may_write),
        (Some(Role::Viewer), vec!["eu".to_owned()], false)
    );
    let seen = search_accounts(&vic_store, "", 0, 50).await.unwrap();
    assert_eq!(seen.total, 2, "{seen:?}");

    let listed = team::list_technicians(&ada_store).await.unwrap();
    let vic_row = listed.iter().find(|t| t.login == vic).unwrap();
    assert_eq!(vic_row.role, Some(Role::Viewer));
    assert_eq!(vic_row.tags, ["eu"]);
    assert!(vic_row.can_log_in);
    // The activity names Ada — her login, stamped by the database.
    let actor = f
        .scalar(&format!(
            "SELECT actor FROM audit_events WHERE action = 'team.technician_added' \
             AND detail LIKE '%({vic})%'"
        ))
        .await;
    assert_eq!(actor, ada);
    let ada_row = team::list_technicians(&ada_store)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.login == ada)
        .unwrap();
    assert!(ada_row.last_activity.is_some(), "{ada_row:?}");

    // A login that exists already is a field error, and nothing changes.
    let again = team::add_technician(
        &ada_store,
        &TechnicianForm {
            login: vic.clone(),
            display_name: "Another".into(),
            role: "viewer".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(again, Err(Error::Invalid { field: "login", .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn only_admins_manage_technicians_and_the_database_refuses_everyone_else() {
    let Some(f) = fixture().await else {
        return;
    };
    let (tess, tess_password) = f.add(&f.store, "tess", "technician", "eu").await;
    let (vic, _) = f.add(&f.store, "vic", "viewer", "eu").await;
    if !server_checks_passwords(&f, &tess).await {
        return;
    }
    let tess_store = f.open_as(&tess, tess_password.expose()).await.unwrap();
    let form = TechnicianForm {
        login: f.login("mallory"),
        display_name: "Mallory".into(),
        role: "admin".into(),
        all_accounts: true,
        ..Default::default()
    };
    for attempt in [
        team::add_technician(&tess_store, &form).await.map(|_| ()),
        team::change_technician(
            &tess_store,
            &TechnicianForm {
                login: tess.clone(),
                display_name: "Tess".into(),
                role: "admin".into(),
                all_accounts: true,
                ..Default::default()
            },
        )
        .await
        .map(|_| ()),
        team::set_technician_enabled(&tess_store, &vic, false)
            .await
            .map(|_| ()),
    ] {
        assert!(matches!(attempt, Err(Error::Refused(_))), "{attempt:?}");
    }
    // The same as plain SQL over Tess's own connection.
    let psql = Database::connect(f.url_as(&tess, Some(tess_password.expose())))
        .await
        .unwrap();
    for sql in [
        format!(
            "SELECT keydesk_add_technician('{}', 'M', 'admin', 'SCRAM-SHA-256$x', true, '{{}}')",
            f.login("mallory")
        ),
        format!("SELECT keydesk_change_technician('{tess}', 'T', 'admin', true, '{{}}')"),
        format!("SELECT keydesk_set_login_enabled('{vic}', false)"),
        format!("CREATE ROLE {} LOGIN", f.login("mallory")),
        format!("GRANT keydesk_admin TO {tess}"),
        format!("ALTER ROLE {vic} NOLOGIN"),
        format!("UPDATE technicians SET all_accounts = true WHERE login = '{tess}'"),
        format!("INSERT INTO technician_scopes (login, tag) VALUES ('{tess}', 'us')"),
    ] {
        let refused = psql.execute_unprepared(&sql).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    let rights = team::my_rights(&tess_store).await.unwrap();
    assert_eq!(
        (rights.role, rights.all_accounts, rights.tags),
        (Some(Role::Technician), false, vec!["eu".to_owned()])
    );
}

#[tokio::test]
async fn a_changed_scope_is_what_the_technician_sees_and_disabling_ends_their_session() {
    let Some(f) = fixture().await else {
        return;
    };
    let (ada, ada_password) = f.add(&f.store, "ada", "admin", "").await;
    if !server_checks_passwords(&f, &ada).await {
        return;
    }
    let ada_store = f.open_as(&ada, ada_password.expose()).await.unwrap();
    let (vic, vic_password) = f.add(&ada_store, "vic", "viewer", "eu").await;
    let vic_store = f.open_as(&vic, vic_password.expose()).await.unwrap();
    let total = |store: &Store| {
        let store = store.clone();
        async move { search_accounts(&store, "", 0, 50).await.map(|p| p.total) }
    };
    assert_eq!(total(&vic_store).await.unwrap(), 2);

    let change = |tags: &str, all: bool| TechnicianForm {
        login: vic.clone(),
        display_name: "Vic Viewer".into(),
        role: "technician".into(),
        all_accounts: all,
        tags: tags.into(),
    };
    let changed = team::change_technician(&ada_store, &change("us", false))
        .await
        .unwrap();
    assert_eq!(
        (
            changed.role,
            changed.tags.clone(),
            changed.display_name.as_str()
        ),
        (Some(Role::Technician), vec!["us".to_owned()], "Vic Viewer")
    );
    assert_eq!(total(&vic_store).await.unwrap(), 1);
    assert!(team::my_rights(&vic_store).await.unwrap().may_write);
    team::change_technician(&ada_store, &change("", true))
        .await
        .unwrap();
    assert_eq!(total(&vic_store).await.unwrap(), 3);

    // Ada cannot disable herself, nor stop being the team's only admin.
    let own = team::set_technician_enabled(&ada_store, &ada, false).await;
    assert!(matches!(own, Err(Error::Refused(_))), "{own:?}");
    let demoted = team::change_technician(
        &ada_store,
        &TechnicianForm {
            login: ada.clone(),
            display_name: "Ada".into(),
            role: "viewer".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(demoted, Err(Error::Refused(_))), "{demoted:?}");

    // Disabled: Vic's open session ends at once and a new login is refused.
    let disabled = team::set_technician_enabled(&ada_store, &vic, false)
        .await
        .unwrap();
    assert!(!disabled.can_log_in);
    assert!(
        total(&vic_store).await.is_err(),
        "the disabled technician's open session still answers"
    );
    assert!(f.open_as(&vic, vic_password.expose()).await.is_err());
    // Enabled again: the same password works.
    team::set_technician_enabled(&ada_store, &vic, true)
        .await
        .unwrap();
    let again = f.open_as(&vic, vic_password.expose()).await.unwrap();
    assert_eq!(total(&again).await.unwrap(), 3);
    let actions = f
        .scalar(&format!(
            "SELECT string_agg(action, ' ' ORDER BY id) FROM audit_events \
             WHERE action LIKE 'team.%' AND actor = '{ada}'"
        ))
        .await;
    assert_eq!(
        actions,
        "team.technician_added team.technician_changed team.technician_changed \
         team.technician_disabled team.technician_enabled"
    );
}

/// On this computer's store there is no team: the functions say so, and change nothing.
#[tokio::test]
async fn this_computers_store_has_no_technicians() {
    if common::on_postgres() {
        common::skipped("about this computer's store (SQLite)");
        return;
    }
    let t = common::test_store().await;
    let listed = team::list_technicians(&t.store).await;
    assert!(matches!(listed, Err(Error::Refused(_))), "{listed:?}");
}
