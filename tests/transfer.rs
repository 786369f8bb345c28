//! Import, tags and activity export end to end: a file of 50 accounts with 3 bad rows through
//! the page (the path typed into the field the OS dialog fills), its preview, the import, one
//! account found by `#tag` in the switcher, and its activity exported and read back.

use std::process::Command;
use std::time::{Duration, Instant};

use keydesk_e2e::{keydesk_processes, App, Key};
use serde_json::json;

const CONTROL: &str = "\u{E009}";
const RELEASE: &str = "\u{E000}";

/// 47 good rows and 3 that break rules (rows 5, 20 and 40 of the file).
fn fifty_accounts() -> String {
    let mut csv = String::from("Company name;Name;Email address;Country;Postal code;tags\n");
    for i in 1..=50 {
        let row = i + 1;
        let line = match row {
            5 => format!("Bad Email {i};Bea;bea@;US;80202;e2e-batch\n"),
            20 => ";Nameless;n@example.com;US;80202;e2e-batch\n".to_owned(),
            40 => format!("Bad Zip {i};Zed;z@example.com;US;ABC;e2e-batch\n"),
            30 => "\"Vip; Corp\";Val;val@vip.example;US;80202;e2e-batch vip-one\n".to_owned(),
            _ => format!("Batch Company {i:02};Person {i};p{i}@example.com;US;80202;e2e-batch\n"),
        };
        csv.push_str(&line);
    }
    csv
}

#[test]
fn a_csv_of_fifty_accounts_is_previewed_imported_found_by_tag_and_its_activity_exported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.csv");
    std::fs::write(&file, fifty_accounts()).unwrap();
    let data = dir.path().join("data");
    let app = App::launch(&data, &[]);

    // An empty store offers the import beside Add account.
    app.click("#welcome-import");
    app.wait_text("#page-heading", "Import, export and backups");
    app.fill("#import-path", &file.display().to_string());
    app.click("#import-preview-button");
    app.wait_text(
        "#import-summary",
        "customers.csv: 47 accounts to create, 0 to update, 0 unchanged, 3 rows with errors (left out).",
    );
    let errors: Vec<String> = serde_json::from_value(app.exec(
        "return [...document.querySelectorAll('#import-errors li')].map(e => e.textContent)",
        json!([]),
    ))
    .unwrap();
    assert_eq!(
        errors,
        [
            "row 5, Email address: must be an email address such as name@example.com",
            "row 20, Company name: is required",
            "row 40, Postal code: must be a US ZIP code: 5 digits, or ZIP+4 such as 80202-1234",
        ]
    );
    assert_eq!(
        app.text("#import-rows tr[data-row='30'] td:nth-child(2)"),
        "Vip; Corp"
    );
    assert_eq!(app.text("#import-commit"), "Import 47 accounts");
    app.click("#import-commit");
    app.wait_text(
        "#import-result",
        "Imported: 47 created, 0 updated; 3 rows with errors left out.",
    );

    // The switcher finds it by its tag.
    app.press(&format!("{CONTROL}k{RELEASE}"));
    app.find("#switcher-search");
    app.press("#vip");
    app.wait_for("one match", |a| {
        a.text("#switcher-status").starts_with("1 account")
    });
    app.press(Key::ENTER);
    app.wait_text("#page-heading", "Contact information: Vip; Corp (Val)");
    app.wait_for("its tags", |a| a.exists("#tags li[data-tag='vip-one']"));
    // #tag with a word narrows the batch.
    app.press(&format!("{CONTROL}k{RELEASE}"));
    app.find("#switcher-search");
    app.press("#e2e-batch 07");
    app.wait_for("the tagged account with that word", |a| {
        a.text("#switcher-status").starts_with("1 account")
    });
    app.press(Key::ESCAPE);

    // Its activity, exported from its page and read back.
    let out = dir.path().join("vip-activity.csv");
    app.find("#activity-export");
    app.click("#activity-export");
    app.fill("#activity-csv-path", &out.display().to_string());
    app.click("#activity-csv-save");
    app.wait_for("the export", |a| {
        a.text("#activity-csv-result")
            .starts_with("Wrote 1 event to ")
    });
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,account_id,company_name,action,what,client_id,by,detail"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert!(
        cells[0].len() == 25 && matches!(&cells[0][19..20], "+" | "-"),
        "ISO 8601 with an offset: {}",
        cells[0]
    );
    assert!(
        lines[1].contains(",Vip; Corp,account.created,Account created,,"),
        "{csv}"
    );
    assert!(lines[1].ends_with(",imported from customers.csv"), "{csv}");
}

#[test]
fn tags_are_added_on_the_account_page_filter_home_and_a_bulk_action_reports_per_account() {
    let (_dir, app) = App::demo();
    app.find("#tag-input");
    app.fill("#tag-input", "Tier-1");
    app.press(Key::ENTER);
    app.wait_for("the new tag", |a| a.exists("#tags li[data-tag='tier-1']"));
    // A bad tag is refused beside the field.
    app.fill("#tag-input", "two words");
    app.press(Key::ENTER);
    app.wait_for("the error", |a| a.is_visible("#tag-input-error"));
    assert!(app
        .text("#tag-input-error")
        .starts_with("Tag: must be one word"));

    // Home filtered by the tag, then every tagged account tagged again in bulk.
    app.click("#crumb-home");
    app.wait_for("Home's filter offering the tag", |a| {
        a.exists("#home-tag option[value='tier-1']")
    });
    app.exec(
        "const s = document.getElementById('home-tag'); s.value = 'tier-1'; s.dispatchEvent(new Event('change'));",
        json!([]),
    );
    app.wait_for("the filtered list", |a| {
        a.text("#account-count")
            .starts_with("1 account tagged #tier-1")
    });
    app.click("#home-select");
    app.click("#bulk-select-tag");
    app.wait_text("#bulk-count", "1 selected");
    app.click("#bulk-add-tag");
    app.find("#bulk-tag");
    app.fill("#bulk-tag", "eu");
    assert_eq!(app.text("#bulk-confirm-list"), "Alexcompany");
    app.click("#bulk-confirm-yes");
    app.wait_for("the results", |a| a.exists("#bulk-results-list"));
    assert_eq!(
        app.text("#bulk-results-list"),
        "Alexcompany — done: tagged #eu"
    );
    app.click("#bulk-results-close");

    // The selection exported to a CSV the import reads back, with both tags.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tier-1.csv");
    select_every_tagged(&app);
    app.click("#bulk-export");
    app.fill("#bulk-export-path", &out.display().to_string());
    app.click("#bulk-confirm-yes");
    app.wait_for("the file", |_| out.exists());
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 2, "a header and one account: {csv}");
    assert!(csv.contains("Alexcompany"), "{csv}");
    assert!(
        csv.contains("eu tier-1") || csv.contains("tier-1 eu"),
        "{csv}"
    );

    // Removing a tag the account lacks is refused for that account, with the reason (the
    // selection stays after an export).
    assert_eq!(app.text("#bulk-count"), "1 selected");
    app.click("#bulk-remove-tag");
    app.find("#bulk-tag");
    app.fill("#bulk-tag", "vip");
    app.click("#bulk-confirm-yes");
    app.wait_for("the results", |a| a.exists("#bulk-results-list"));
    assert_eq!(
        app.text("#bulk-results-list"),
        "Alexcompany — not done: refused: Tag: the account has no tag #vip"
    );
    app.click("#bulk-results-close");

    // Deleted in bulk: one confirmation naming it, then gone from Home.
    select_every_tagged(&app);
    app.click("#bulk-delete");
    assert_eq!(app.text("#bulk-confirm-list"), "Alexcompany");
    app.click("#bulk-confirm-yes");
    app.wait_for("the results", |a| a.exists("#bulk-results-list"));
    assert_eq!(
        app.text("#bulk-results-list"),
        "Alexcompany — done: deleted"
    );
    app.click("#bulk-results-close");
    app.wait_for("Home without it", |a| {
        a.text("#account-count")
            .starts_with("0 accounts tagged #tier-1")
    });
}

/// Home is filtered by #tier-1: select every account carrying it.
fn select_every_tagged(app: &App) {
    app.find("#home-select");
    app.click("#home-select");
    app.click("#bulk-select-tag");
    app.wait_text("#bulk-count", "1 selected");
}

#[test]
fn back_up_now_writes_a_private_sqlite_copy_of_the_store_where_the_person_chose() {
    let (dir, app) = App::demo();
    app.click("#preferences-button");
    app.click("#menu-transfer");
    app.wait_text("#page-heading", "Import, export and backups");
    app.find("#backup-now");
    // A name without a folder is refused beside the field, before anything is written.
    app.fill("#backup-path", "backup.sqlite3");
    app.click("#backup-now");
    app.wait_for("the path's error", |a| {
        a.text("#backup-path-error")
            .starts_with("File: must be a full path")
    });
    let out = dir.path().join("backup.sqlite3");
    app.fill("#backup-path", &out.display().to_string());
    app.click("#backup-now");
    app.wait_for("the backup", |a| {
        a.text("#backup-result").starts_with("Backed up ")
    });
    let said = app.text("#backup-result");
    assert!(said.contains(&out.display().to_string()), "{said}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"SQLite format 3\0"),
        "an SQLite database"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner may read it");
    }
    assert!(
        !dir.path().join("backup.sqlite3.part").exists(),
        "no half-written file left beside it"
    );
}

/// Issue 32 item 4: a restore through the app. A backup is taken, the city changed after it,
/// and the backup restored from the Backups page: Keydesk restarts itself on it — a new process,
/// which the old WebDriver session cannot drive, so the test follows it by its log and its
/// process, ends it, and opens the data folder again — the backed-up city is back, and the
/// replaced store (with the later city) is kept aside in the data folder.
#[test]
fn a_backup_restored_from_the_app_is_there_after_its_restart_and_the_replaced_store_kept_aside() {
    let (dir, app) = App::demo();
    let address = "#contact-block [data-field='address']";
    assert!(
        app.text(address).contains("Denver"),
        "{}",
        app.text(address)
    );
    app.click("#preferences-button");
    app.click("#menu-transfer");
    app.wait_text("#page-heading", "Import, export and backups");
    let backup = dir.path().join("before-the-move.sqlite3");
    app.fill("#backup-path", &backup.display().to_string());
    app.click("#backup-now");
    app.wait_for("the backup", |a| {
        a.text("#backup-result").starts_with("Backed up ")
    });

    // After the backup: the customer moves to Boulder.
    app.click("#preferences-button");
    app.click("#menu-contact-information");
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    app.click("#contact-block-edit");
    app.fill("#contact-block-form-city", "Boulder");
    app.click("#contact-block-form-submit");
    app.wait_for("the saved city", |a| a.text(address).contains("Boulder"));

    app.click("#preferences-button");
    app.click("#menu-transfer");
    app.wait_text("#page-heading", "Import, export and backups");
    app.fill("#restore-path", &backup.display().to_string());
    app.click("#restore-button");
    app.find("#restore-dialog");
    let before = keydesk_processes(dir.path());
    assert_eq!(before.len(), 1, "one Keydesk on this folder: {before:?}");
    app.click("#restore-dialog-yes");

    // The restarted process applies the staged backup at its start and says so.
    app.wait_for("the restarted Keydesk to apply the backup", |a| {
        a.log().contains("restored the store from a backup")
    });
    let deadline = Instant::now() + keydesk_e2e::WAIT;
    let restarted = loop {
        let now = keydesk_processes(dir.path());
        if let Some(pid) = now.iter().find(|pid| !before.contains(pid)) {
            break *pid;
        }
        assert!(Instant::now() < deadline, "no new Keydesk process: {now:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    app.wait_for("the old process to end", |_| {
        !keydesk_processes(dir.path()).contains(&before[0])
    });
    let kept: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("keydesk-before-restore-") && n.ends_with(".sqlite3"))
        .collect();
    assert_eq!(kept.len(), 1, "the replaced store kept aside: {kept:?}");
    let kept_store = std::fs::read(dir.path().join(&kept[0])).unwrap();
    assert!(kept_store.starts_with(b"SQLite format 3\0"));

    // End the process WebDriver does not know, then open the folder again.
    let _ = Command::new("kill").arg(restarted.to_string()).status();
    let deadline = Instant::now() + keydesk_e2e::WAIT;
    while keydesk_processes(dir.path()).contains(&restarted) {
        assert!(
            Instant::now() < deadline,
            "the restarted Keydesk did not end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(app);
    let app = App::launch(dir.path(), &["--demo"]);
    app.wait_text("#page-heading", "Contact information: Alexcompany (Alex)");
    assert!(
        app.text(address).contains("Denver"),
        "the backed-up city: {}",
        app.text(address)
    );
}
