//! Keydesk's folders and files are the user's alone (Unix): after a real open, generate, renew,
//! delete, settings save and log writes, the data and log folders are `rwx------` and every
//! file in them `rw-------`, whatever the umask or an older Keydesk left.

mod common;

/// Windows has no modes: the store lives in the user's own `%APPDATA%`, whose inherited ACL
/// (the user, SYSTEM, Administrators) is what keeps it private there; Keydesk sets no DACL of
/// its own (README, platforms).
#[cfg(not(unix))]
#[test]
fn folders_and_files_are_the_users_alone() {
    common::not_on_windows(
        "Unix modes (0700/0600); on Windows %APPDATA%'s inherited per-user ACL keeps the store \
         private, and Keydesk sets no DACL of its own",
    );
}

#[cfg(unix)]
mod unix {
    use super::common;

    use keydesk_core::credentials::{GenerateRequest, RenewRequest};
    use keydesk_core::Keydesk;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use keydesk_core::accounts::create_account;
    use keydesk_core::contact::{BillingForm, ContactForm};
    use keydesk_core::credentials::{self, CredentialForm, Grace};
    use keydesk_core::logging::{self, LogLevel};
    use keydesk_core::settings::Settings;
    use keydesk_core::vault::Vault;
    use keydesk_core::{Store, StoreLocation};

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[tokio::test]
    async fn folders_are_0700_and_files_0600_after_a_real_run() {
        if common::sqlite_only("the modes of the SQLite file and its folder") {
            return;
        }
        let root = tempfile::tempdir().unwrap();
        let data_dir = root.path().join("data");
        let log_dir = root.path().join("logs");
        // As an older Keydesk or a lax umask might have left them.
        std::fs::create_dir(&data_dir).unwrap();
        set_mode(&data_dir, 0o777);
        std::fs::create_dir(&log_dir).unwrap();
        set_mode(&log_dir, 0o755);
        let old_log = log_dir.join("keydesk.2020-01-01.log");
        std::fs::write(&old_log, "an older day\n").unwrap();
        set_mode(&old_log, 0o644);
        std::fs::write(data_dir.join("settings.json"), "{}").unwrap();
        set_mode(&data_dir.join("settings.json"), 0o666);

        logging::init(&log_dir, LogLevel::Debug).unwrap();
        let store = Store::open(StoreLocation::SqliteFile(data_dir.join("keydesk.sqlite3")))
            .await
            .unwrap();
        let account = create_account(
            &store,
            &ContactForm {
                company_name: "Modes Ltd".into(),
                name: "M".into(),
                ..Default::default()
            },
            &BillingForm::default(),
        )
        .await
        .unwrap();
        let form = CredentialForm {
            name: "n".into(),
            email: "modes@example.com".into(),
            application: "app".into(),
        };
        let vault = Vault::new("keydesk-test-unused");
        let issued = credentials::generate(
            &Keydesk::new(&store, &vault),
            &GenerateRequest::new(account.id, &form),
        )
        .await
        .unwrap();
        credentials::renew(
            &Keydesk::new(&store, &vault),
            &RenewRequest::new(issued.credential.id, Grace::OneHour),
        )
        .await
        .unwrap();
        Settings {
            log_level: LogLevel::Debug,
            ..Settings::default()
        }
        .save(&data_dir)
        .unwrap();
        tracing::info!("a line for the log");

        // While the store is open: the -wal and -shm files exist too.
        let mut seen = Vec::new();
        for dir in [&data_dir, &log_dir] {
            assert_eq!(mode(dir), 0o700, "{}", dir.display());
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                seen.push(path.file_name().unwrap().to_string_lossy().into_owned());
                assert_eq!(
                    mode(&path),
                    0o600,
                    "{} is {:o}",
                    path.display(),
                    mode(&path)
                );
            }
        }
        seen.sort();
        eprintln!("modes checked: {seen:?}");
        for expected in [
            "keydesk.sqlite3",
            "keydesk.sqlite3-wal",
            "keydesk.sqlite3-shm",
            "settings.json",
            "keydesk.2020-01-01.log",
        ] {
            assert!(seen.iter().any(|s| s == expected), "{expected} in {seen:?}");
        }
        let today = format!("keydesk.{}.log", chrono::Utc::now().format("%Y-%m-%d"));
        assert!(seen.contains(&today), "{today} in {seen:?}");
        let logged = std::fs::read_to_string(log_dir.join(&today)).unwrap();
        assert!(logged.contains("a line for the log"), "{logged}");
        store.close().await.unwrap();
    }

    /// Sets the process umask (the test binary's only other test does not depend on it).
    fn umask(mask: u32) {
        unsafe {
            libc::umask(mask as libc::mode_t);
        }
    }

    /// Issue 24 §6: "Back up now" under umask 022 with a link planted at `<name>.part`: no file in
    /// the destination folder is ever readable by others, even while the copy is written, and the
    /// link's target is untouched.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_backup_is_private_from_its_first_byte_and_never_follows_a_planted_link() {
        if common::sqlite_only("a backup is a copy of the SQLite file") {
            return;
        }
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        umask(0o022);
        let root = tempfile::tempdir().unwrap();
        let store = Store::open(StoreLocation::SqliteFile(
            root.path().join("data").join("keydesk.sqlite3"),
        ))
        .await
        .unwrap();
        // Enough that the copy takes a while to write.
        for i in 0..1000 {
            create_account(
                &store,
                &ContactForm {
                    company_name: format!("Company {i}"),
                    name: "M".into(),
                    street: "1 A Street".repeat(5),
                    ..Default::default()
                },
                &BillingForm::default(),
            )
            .await
            .unwrap();
        }
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        set_mode(&shared, 0o777);
        let victim = root.path().join("victim.txt");
        std::fs::write(&victim, "the victim's own file\n").unwrap();
        let dest = shared.join("keydesk-backup.sqlite3");
        std::os::unix::fs::symlink(&victim, shared.join("keydesk-backup.sqlite3.part")).unwrap();

        // Every mode any file in the shared folder has while the backup is written.
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (stop, shared) = (stop.clone(), shared.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    for entry in std::fs::read_dir(&shared).unwrap().flatten() {
                        if let Ok(meta) = std::fs::symlink_metadata(entry.path()) {
                            if meta.is_file() {
                                seen.push((entry.file_name(), meta.permissions().mode() & 0o777));
                            }
                        }
                    }
                }
                seen
            })
        };
        keydesk_core::backup::back_up(&store, &dest).await.unwrap();
        stop.store(true, Ordering::Relaxed);
        let seen = watcher.join().unwrap();
        let seen: std::collections::BTreeSet<_> = seen.into_iter().collect();
        eprintln!("seen in the destination folder while writing: {seen:?}");
        let lax: Vec<_> = seen.iter().filter(|(_, m)| *m != 0o600).collect();
        assert!(lax.is_empty(), "readable by others while written: {lax:?}");
        assert_eq!(mode(&dest), 0o600);
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the victim's own file\n"
        );
        store.close().await.unwrap();
    }

    /// Issue 24 §6: an export (accounts, activity, expiry dates: `write_private`) under umask 022
    /// with a link planted at `<name>.part`: the file is 0600, the link's target untouched, the
    /// export a file of its own.
    #[test]
    fn an_export_is_private_and_never_follows_a_planted_link() {
        if common::touches_no_store() {
            return;
        }
        umask(0o022);
        let root = tempfile::tempdir().unwrap();
        let victim = root.path().join("victim.txt");
        std::fs::write(&victim, "the victim's own file\n").unwrap();
        set_mode(&victim, 0o644);
        let dest = root.path().join("accounts.csv");
        std::os::unix::fs::symlink(&victim, root.path().join("accounts.csv.part")).unwrap();
        keydesk_core::private_files::write_private(&dest, b"company_name\nAcme\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the victim's own file\n"
        );
        assert_eq!(mode(&victim), 0o644);
        let meta = std::fs::symlink_metadata(&dest).unwrap();
        assert!(
            meta.is_file(),
            "a file, not the planted link moved into place"
        );
        assert_eq!(mode(&dest), 0o600);
        assert_eq!(std::fs::read(&dest).unwrap(), b"company_name\nAcme\n");
        assert!(!root.path().join("accounts.csv.part").exists());
    }

    /// A store named in a folder that exists (`keydesk-cli --store ~/stores/x.sqlite3`, /tmp) leaves
    /// that folder's mode alone — an earlier Keydesk made /tmp 0700 — while the file itself is the
    /// user's alone; a bare file name opens in the current folder.
    #[tokio::test]
    async fn a_store_in_a_folder_that_exists_leaves_the_folders_mode_alone() {
        if common::sqlite_only("the modes of the SQLite file and its folder") {
            return;
        }
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        set_mode(&shared, 0o1777);
        let store = Store::open(StoreLocation::SqliteFile(shared.join("team.sqlite3")))
            .await
            .unwrap();
        store.close().await.unwrap();
        assert_eq!(mode(&shared), 0o1777, "the folder as it was");
        assert_eq!(mode(&shared.join("team.sqlite3")), 0o600);
        // A folder that did not exist is made private.
        let fresh = root.path().join("fresh").join("deeper");
        Store::open(StoreLocation::SqliteFile(fresh.join("k.sqlite3")))
            .await
            .unwrap();
        assert_eq!(mode(&fresh), 0o700);
    }
}
