//! Issue 14, item 4: the OS keyring never hands out a stale secret. Each computer has its own
//! keyring, while the store may be shared (PostgreSQL): two `Store` handles with different
//! machine ids and two keyrings (two Secret Service collections' worth of entries, told apart
//! by service name) stand for two technicians' computers on one store. Runs against the real
//! Secret Service, on SQLite or, with `KEYDESK_TEST_POSTGRES_URL`, on PostgreSQL.

mod common;

use common::{location_from_text, location_text, test_store};
use keydesk_core::accounts::create_account;
use keydesk_core::audit::Action;
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::{self, CredentialForm, CredentialView, Grace, KeyringOutcome};
use keydesk_core::credentials::{GenerateRequest, RenewRequest};
use keydesk_core::secrets::new_client_id;
use keydesk_core::vault::{machine_id, Vault};
use keydesk_core::Keydesk;
use keydesk_core::Store;

/// A keyring of its own (its own service name), so tests and "computers" never share entries.
fn keyring(computer: &str) -> Vault {
    Vault::new(format!(
        "keydesk-test-{computer}-{}",
        new_client_id().unwrap()
    ))
}

async fn account(store: &Store) -> i32 {
    let contact = ContactForm {
        company_name: "Alexcompany".into(),
        name: "Alex".into(),
        ..Default::default()
    };
    create_account(store, &contact, &BillingForm::default())
        .await
        .unwrap()
        .id
}

fn form(email: &str) -> CredentialForm {
    CredentialForm {
        name: "alexcnw".into(),
        email: email.into(),
        application: "esareit".into(),
    }
}

async fn listed(store: &Store, account_id: i32, id: i32) -> CredentialView {
    credentials::list_credentials(store, account_id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap()
}

async fn removals(store: &Store, account_id: i32) -> usize {
    keydesk_core::audit::list_activity(store, account_id, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Action::KeyringRemoved.code())
        .count()
}

/// Technician A stores a secret in A's keyring; technician B renews on B's computer. A's
/// "Copy from keyring" must not copy the old, revoked secret: it says so, removes A's stale
/// entry, and copies nothing.
#[tokio::test]
async fn a_secret_renewed_on_another_computer_is_never_copied_from_this_ones_keyring() {
    let t = test_store().await;
    let computer_a = t.store.clone();
    let computer_b = t.another().await;
    assert_ne!(computer_a.machine_id(), computer_b.machine_id());
    let (keyring_a, keyring_b) = (keyring("a"), keyring("b"));
    let account_id = account(&computer_a).await;

    let issued = credentials::generate(
        &Keydesk::new(&computer_a, &keyring_a),
        &GenerateRequest::new(account_id, &form("a@example.com")).store_in_keyring(true),
    )
    .await
    .unwrap();
    assert_eq!(issued.keyring, KeyringOutcome::Stored);
    let (id, client_id) = (issued.credential.id, issued.credential.client_id.clone());
    let copied = credentials::secret_from_keyring(&Keydesk::new(&computer_a, &keyring_a), id)
        .await
        .expect("A copies the secret A stored");
    assert_eq!(copied.expose(), issued.secret.expose());

    // B's computer has no copy: B is told so (the shared store no longer says "stored").
    assert!(!listed(&computer_b, account_id, id).await.in_keyring);
    let err = credentials::secret_from_keyring(&Keydesk::new(&computer_b, &keyring_b), id)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "this secret is not stored in this computer's OS keyring"
    );

    // B renews (the old secret stops at once) and keeps the new one in B's keyring.
    let renewed = credentials::renew(
        &Keydesk::new(&computer_b, &keyring_b),
        &RenewRequest::new(id, Grace::Now).store_in_keyring(true),
    )
    .await
    .unwrap();
    assert_eq!(renewed.keyring, KeyringOutcome::Stored);
    assert_eq!(
        credentials::secret_from_keyring(&Keydesk::new(&computer_b, &keyring_b), id)
            .await
            .unwrap()
            .expose(),
        renewed.secret.expose()
    );

    // A's page says A's keyring holds an older secret, and offers no copy.
    let on_a = listed(&computer_a, account_id, id).await;
    assert!(!on_a.in_keyring);
    assert!(on_a.keyring_stale);
    // A's entry still holds the revoked secret; "Copy from keyring" refuses it.
    assert_eq!(
        keyring_a.get(&client_id).await.unwrap().expose(),
        issued.secret.expose()
    );
    let err = credentials::secret_from_keyring(&Keydesk::new(&computer_a, &keyring_a), id)
        .await
        .expect_err("a revoked secret must never be copied");
    assert_eq!(err.code(), "keyring");
    let said = err.to_string();
    assert!(said.contains("held an older secret of Client ID"), "{said}");
    assert!(said.contains("nothing was copied"), "{said}");
    assert!(said.contains("that entry has been removed"), "{said}");
    // …and it is gone from A's keyring, and A's page no longer mentions it.
    assert!(keyring_a.get(&client_id).await.is_err());
    let on_a = listed(&computer_a, account_id, id).await;
    assert!(!on_a.in_keyring && !on_a.keyring_stale);
    // B's copy is untouched.
    assert_eq!(
        keyring_b.get(&client_id).await.unwrap().expose(),
        renewed.secret.expose()
    );
    assert!(listed(&computer_b, account_id, id).await.in_keyring);
}

/// B deletes the credentials; A's entry is removed at A's next start (or sweep).
#[tokio::test]
async fn a_credential_deleted_on_another_computer_leaves_no_entry_in_this_ones_keyring() {
    let t = test_store().await;
    let computer_a = t.store.clone();
    let computer_b = t.another().await;
    let (keyring_a, keyring_b) = (keyring("a"), keyring("b"));
    let account_id = account(&computer_a).await;
    let issued = credentials::generate(
        &Keydesk::new(&computer_a, &keyring_a),
        &GenerateRequest::new(account_id, &form("d@example.com")).store_in_keyring(true),
    )
    .await
    .unwrap();
    let client_id = issued.credential.client_id.clone();
    assert_eq!(
        credentials::delete(&Keydesk::new(&computer_b, &keyring_b), issued.credential.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        keyring_a.get(&client_id).await.is_ok(),
        "B cannot reach A's keyring"
    );
    // A starts again (a new handle on the same store, with A's machine id).
    let restarted = t.another().await;
    restarted.set_machine_id(computer_a.machine_id());
    assert!(
        credentials::remove_stale_keyring_entries(&Keydesk::new(&restarted, &keyring_a))
            .await
            .is_empty()
    );
    assert!(keyring_a.get(&client_id).await.is_err());
}

const INNER: &str = "KEYDESK_TEST_KEYRING_REMOVAL_FAILS";

/// A removal that fails is reported and retried. The failure is real: the middle step runs in a
/// child process whose session bus leads nowhere, so the keyring crate cannot reach the Secret
/// Service there (no mock), while the parent's keyring still holds the entry.
#[tokio::test]
async fn a_failed_removal_is_reported_and_retried_at_the_next_start() {
    if common::not_on_windows(
        "the removal is made to fail by pointing the session bus nowhere; Windows' Credential \
         Manager has no bus to take away",
    ) {
        return;
    }
    if let Ok(setup) = std::env::var(INNER) {
        // The child: the same computer (machine id, keyring), its keyring unreachable.
        let parts: Vec<&str> = setup.splitn(5, '\n').collect();
        let [location, machine_id, service, renewed_id, deleted_id] = parts[..] else {
            panic!("bad setup {setup:?}");
        };
        let store = Store::open(location_from_text(location)).await.unwrap();
        store.set_machine_id(machine_id);
        let vault = Vault::new(service);
        let renewed = credentials::renew(
            &Keydesk::new(&store, &vault),
            &RenewRequest::new(renewed_id.parse().unwrap(), Grace::Now),
        )
        .await
        .unwrap();
        let KeyringOutcome::NotRemoved { message, details } = &renewed.keyring else {
            panic!(
                "expected the failed removal to be reported, got {:?}",
                renewed.keyring
            );
        };
        assert!(
            message.starts_with("No OS keyring is running on this computer"),
            "{message}"
        );
        assert!(
            message.contains("the replaced secret is still in this computer's OS keyring (it will never be copied); Keydesk tries to remove it again at its next start and every 10 minutes while it runs"),
            "{message}"
        );
        assert!(details.is_some());
        assert!(!renewed.credential.in_keyring);
        assert!(renewed.credential.keyring_stale);
        let complaint =
            credentials::delete(&Keydesk::new(&store, &vault), deleted_id.parse().unwrap())
                .await
                .unwrap()
                .expect("the failed removal of a deleted credential's entry is reported");
        assert!(
            complaint.contains("Keydesk tries to remove it again"),
            "{complaint}"
        );
        return;
    }

    let t = test_store().await;
    let store = t.store.clone();
    let vault = keyring("a");
    let account_id = account(&store).await;
    let kept = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account_id, &form("r@example.com")).store_in_keyring(true),
    )
    .await
    .unwrap();
    let deleted = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account_id, &form("x@example.com")).store_in_keyring(true),
    )
    .await
    .unwrap();
    let setup = [
        location_text(&t.location),
        store.machine_id(),
        vault_service(&vault),
        kept.credential.id.to_string(),
        deleted.credential.id.to_string(),
    ]
    .join("\n");
    let output = keydesk_test_support::process::output(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_failed_removal_is_reported_and_retried_at_the_next_start",
                "--nocapture",
            ])
            .env(INNER, setup)
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/keydesk-no-bus",
            ),
    )
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("1 passed"), "{report}");

    // The replaced and the deleted secrets are still in this computer's keyring; the page
    // says so for the credential that remains, and neither is ever copied.
    assert_eq!(
        vault
            .get(&kept.credential.client_id)
            .await
            .unwrap()
            .expose(),
        kept.secret.expose()
    );
    assert!(vault.get(&deleted.credential.client_id).await.is_ok());
    let card = listed(&store, account_id, kept.credential.id).await;
    assert!(card.keyring_stale && !card.in_keyring);

    // Next start: both removals are retried, succeed, and are recorded.
    let before = removals(&store, account_id).await;
    assert!(
        credentials::remove_stale_keyring_entries(&Keydesk::new(&store, &vault))
            .await
            .is_empty()
    );
    assert!(vault.get(&kept.credential.client_id).await.is_err());
    assert!(vault.get(&deleted.credential.client_id).await.is_err());
    let card = listed(&store, account_id, kept.credential.id).await;
    assert!(!card.keyring_stale && !card.in_keyring);
    assert_eq!(removals(&store, account_id).await, before + 2);
    // Nothing is left to retry.
    assert!(
        credentials::remove_stale_keyring_entries(&Keydesk::new(&store, &vault))
            .await
            .is_empty()
    );
}

fn vault_service(vault: &Vault) -> String {
    vault.service().to_owned()
}

/// Issue 24 item 7: the keyring entry is written before the store records it. When that record
/// fails (here a trigger refuses the row: the failure a full disk or a lost connection gives),
/// the entry must be taken out again — no row would ever name it for removal — and the new
/// secret is still handed back, with the keyring's failure said.
#[tokio::test]
async fn a_keyring_entry_the_store_could_not_record_is_taken_out_again() {
    use sea_orm::ConnectionTrait;
    let t = test_store().await;
    let store = t.store.clone();
    let vault = keyring("unrecorded");
    let account_id = account(&store).await;
    let refuse = if common::on_postgres() {
        "CREATE FUNCTION keydesk_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'injected: the record fails'; END $$; \
         CREATE TRIGGER keydesk_test_refuse BEFORE INSERT ON keyring_entries \
         FOR EACH ROW EXECUTE FUNCTION keydesk_test_refuse();"
    } else {
        "CREATE TRIGGER keydesk_test_refuse BEFORE INSERT ON keyring_entries \
         BEGIN SELECT RAISE(ABORT, 'injected: the record fails'); END;"
    };
    store.connection().execute_unprepared(refuse).await.unwrap();

    let issued = credentials::generate(
        &Keydesk::new(&store, &vault),
        &GenerateRequest::new(account_id, &form("u@example.com")).store_in_keyring(true),
    )
    .await
    .expect("the credential is made and its secret shown although the keyring step failed");
    let client_id = issued.credential.client_id.clone();
    match &issued.keyring {
        KeyringOutcome::Failed { message, .. } => {
            assert!(message.contains("not kept in the OS keyring"), "{message}")
        }
        other => panic!("expected the keyring failure to be said, got {other:?}"),
    }
    assert!(!issued.credential.in_keyring);
    assert!(
        vault.get(&client_id).await.is_err(),
        "no unrecorded entry is left in the keyring"
    );
    assert!(
        !listed(&store, account_id, issued.credential.id)
            .await
            .in_keyring
    );
}

/// What tells this computer's keyring entries apart: 32 lower-case hex characters.
fn assert_is_a_machine_id(id: &str) {
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{id:?}"
    );
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Tests of the local `machine-id` file touch no store: the PostgreSQL pass leaves them out.
fn touches_no_store() -> bool {
    if common::on_postgres() {
        common::skipped("touches no store; run once, in the SQLite pass");
    }
    common::on_postgres()
}

/// The machine id file itself (`vault::machine_id`, what the app gives its store handle at
/// start): made on first use, in a data folder that does not exist yet, `rw-------` in a
/// `rwx------` folder (under this process's umask, 022 as a rule, a plainly created file would
/// be `rw-r--r--`), and the same id on every later start; another data folder, another id.
#[test]
fn the_machine_id_file_is_made_private_on_first_use_and_read_back_the_same() {
    if touches_no_store() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let id = machine_id(&data_dir).unwrap();
    assert_is_a_machine_id(&id);
    let file = data_dir.join("machine-id");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        id,
        "kept in the file"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600, "the file is the user's alone");
        assert_eq!(mode(&data_dir), 0o700, "and so is its folder");
    }
    for start in 1..=3 {
        assert_eq!(machine_id(&data_dir).unwrap(), id, "start {start}");
    }
    let other = machine_id(&root.path().join("another-computer")).unwrap();
    assert_is_a_machine_id(&other);
    assert_ne!(other, id);
}

/// A garbled `machine-id` (empty, hand-edited, one character short or over, not hex, not text)
/// is replaced by a valid id, written back `rw-------` (the garbled one was `rw-r--r--`), and
/// that id is the one every later start reads. A valid one saved with a trailing newline, as
/// an editor does, is kept as it is.
#[test]
fn a_garbled_machine_id_file_is_replaced_by_a_valid_one_that_then_stays() {
    if touches_no_store() {
        return;
    }
    let garbled: [&[u8]; 6] = [
        b"",
        b"not a machine id\n",
        b"0123456789abcdef0123456789abcde",
        b"0123456789abcdef0123456789abcdef0",
        b"0123456789abcdef0123456789abcdeg",
        &[0xff; 32],
    ];
    for bytes in garbled {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("machine-id");
        std::fs::write(&file, bytes).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let shown = String::from_utf8_lossy(bytes);
        let id = machine_id(dir.path()).unwrap();
        assert_is_a_machine_id(&id);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            id.as_bytes(),
            "{shown:?} replaced by the new id"
        );
        #[cfg(unix)]
        assert_eq!(mode(&file), 0o600, "{shown:?}: the new file is private");
        assert_eq!(
            machine_id(dir.path()).unwrap(),
            id,
            "{shown:?}: the next start reads the new id"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("machine-id");
    std::fs::write(&file, "00112233445566778899aabbccddeeff\n").unwrap();
    assert_eq!(
        machine_id(dir.path()).unwrap(),
        "00112233445566778899aabbccddeeff"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "00112233445566778899aabbccddeeff\n",
        "a valid file is left as it is"
    );
}
