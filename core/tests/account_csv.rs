//! CSV import and export of accounts, and tags, through the core services on a real store
//! (SQLite, or PostgreSQL when KEYDESK_TEST_POSTGRES_URL is set).

use keydesk_core::account_csv::{
    commit_import, export_accounts, preview_import, RowAction, Selection,
};
use keydesk_core::accounts::update_contact;
use keydesk_core::accounts::{create_account, get_account};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::search::search_accounts;
use keydesk_core::tags::{account_tags, add_tag, all_tags, remove_tag};
use keydesk_core::Store;
mod common;

use common::test_store;

const HEADER: &str = "company_name,name,email,phone,country,postal_code,billing_email,tags";

/// Every activity event's (account, action, detail), oldest first.
async fn events(store: &Store) -> Vec<(Option<i32>, String, String)> {
    use keydesk_core::entities::audit_event;
    use sea_orm::{EntityTrait, QueryOrder};
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(store.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.account_id, e.action, e.detail))
        .collect()
}

async fn company_names(store: &Store, query: &str) -> Vec<String> {
    search_accounts(store, query, 0, 100)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.company_name)
        .collect()
}

#[tokio::test]
async fn a_valid_file_is_previewed_then_imported_through_the_forms_rules() {
    let t = test_store().await;
    let store = &t.store;
    let file = format!(
        "{HEADER}\n\
         Acme Corp,Alex,alex@acme.example,(303) 555-0134,US,80202,billing@acme.example,tier-1 eu\n\
         Blue Dental,Blake,blake@blue.example,,DE,10115,,backup-customers\n"
    );
    let preview = preview_import(store, "accounts.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!((preview.create, preview.update, preview.invalid), (2, 0, 0));
    assert_eq!(preview.rows[0].row, 2);
    assert_eq!(preview.rows[0].action, RowAction::Create);
    assert!(preview.unknown_columns.is_empty());
    assert!(
        company_names(store, "").await.is_empty(),
        "a preview writes nothing"
    );

    let outcome = commit_import(store, &preview).await.unwrap();
    assert_eq!(outcome.created, 2);
    assert_eq!(company_names(store, "").await, ["Acme Corp", "Blue Dental"]);
    let acme = search_accounts(store, "acme", 0, 10).await.unwrap().hits[0].id;
    let view = get_account(store, acme).await.unwrap();
    // Normalised as the form does: the phone in E.164.
    assert_eq!(view.contact.form.phone, "+13035550134");
    assert_eq!(view.billing.form.email, "billing@acme.example");
    assert_eq!(account_tags(store, acme).await.unwrap(), ["eu", "tier-1"]);
    // The events of the form's write path, naming the file; the search index knows them.
    let events = events(store).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].1, "account.created");
    assert_eq!(events[0].2, "imported from accounts.csv");
    assert_eq!(company_names(store, "blake").await, ["Blue Dental"]);
}

/// Many new accounts are written a thousand to a statement (issue 30): each still gets its own
/// row's information, is numbered in the file's order, and is listed by company name.
#[tokio::test]
async fn new_accounts_keep_their_own_rows_and_list_by_company_name() {
    let t = test_store().await;
    let store = &t.store;
    let mut file = format!("{HEADER}\n");
    // 1,001 rows: two statements' worth, the file's order not the names' order.
    for i in (0..1_001).rev() {
        file.push_str(&format!(
            "Company {i:04},Person {i},p{i}@example.com,,US,80202,,\n"
        ));
    }
    file.push_str("acme corp,Alex,alex@acme.example,,US,80202,,\n");
    let preview = preview_import(store, "accounts.csv", file.as_bytes())
        .await
        .unwrap();
    commit_import(store, &preview).await.unwrap();
    let hits = search_accounts(store, "", 0, 3).await.unwrap().hits;
    let names: Vec<&str> = hits.iter().map(|h| h.company_name.as_str()).collect();
    assert_eq!(names, ["acme corp", "Company 0000", "Company 0001"]);
    // The file's first row (Company 1000) was numbered first, its last (acme corp) last.
    let first = search_accounts(store, "1000", 0, 1).await.unwrap().hits[0].id;
    assert!(first < hits[1].id && hits[1].id < hits[0].id);
    for (hit, email) in hits
        .iter()
        .zip(["alex@acme.example", "p0@example.com", "p1@example.com"])
    {
        let view = get_account(store, hit.id).await.unwrap();
        assert_eq!(view.contact.form.email, email, "{}", hit.company_name);
    }
}

#[tokio::test]
async fn every_rule_a_row_breaks_is_reported_with_its_row_and_nothing_of_it_is_imported() {
    let t = test_store().await;
    let store = &t.store;
    let file = format!(
        "{HEADER}\n\
         Good One,Gina,gina@good.example,,US,80202,,\n\
         ,Nobody,not-an-email,call me,US,8020,also bad,\n\
         Bad Tag,Tom,,,Atlantis,,,has space!\n\
         Good Two,Gus,,,,,,\n"
    );
    let preview = preview_import(store, "mixed.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!((preview.create, preview.invalid), (2, 2));
    let bad = &preview.rows[1];
    assert_eq!((bad.row, bad.action), (3, RowAction::Invalid));
    assert_eq!(
        bad.errors,
        [
            "row 3, Company name: is required",
            "row 3, Postal code: must be a US ZIP code: 5 digits, or ZIP+4 such as 80202-1234",
            "row 3, Phone number: must be a phone number: digits with spaces, dashes, dots or \
             brackets, the right number of digits for its country, and optionally an extension \
             (x123), such as +1 303 555 0134",
            "row 3, Email address: must be an email address such as name@example.com",
            "row 3, Billing email address: must be an email address such as name@example.com",
        ]
    );
    let tagged = &preview.rows[2];
    assert_eq!(tagged.row, 4);
    assert!(tagged
        .errors
        .iter()
        .any(|e| e.starts_with("row 4, Tag: must be one word")));
    assert!(tagged
        .errors
        .iter()
        .any(|e| e.starts_with("row 4, Country: must be a country")));

    let outcome = commit_import(store, &preview).await.unwrap();
    assert_eq!((outcome.created, outcome.skipped), (2, 2));
    assert_eq!(company_names(store, "").await, ["Good One", "Good Two"]);
}

#[tokio::test]
async fn rows_match_accounts_by_id_or_company_name_and_update_through_the_form_path() {
    let t = test_store().await;
    let store = &t.store;
    let contact = ContactForm {
        company_name: "Acme Corp".into(),
        name: "Alex".into(),
        email: "old@acme.example".into(),
        ..Default::default()
    };
    let acme = create_account(store, &contact, &BillingForm::default())
        .await
        .unwrap();
    let other = create_account(
        store,
        &ContactForm {
            company_name: "Other".into(),
            name: "O".into(),
            ..Default::default()
        },
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let file = format!(
        "id,company_name,email,tags,favourite colour\n\
         ,ACME CORP,new@acme.example,tier-1,blue\n\
         {},Other Renamed,,,green\n\
         9999,Ghost,,,red\n",
        other.id
    );
    let preview = preview_import(store, "update.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(preview.unknown_columns, ["favourite colour"]);
    assert_eq!(preview.rows[0].action, RowAction::Update);
    assert_eq!(preview.rows[0].account_id, Some(acme.id));
    // Matched whatever the case; the file's spelling is what it says.
    assert_eq!(preview.rows[0].changes, ["company_name", "email", "tags"]);
    assert_eq!(preview.rows[1].changes, ["company_name"]);
    assert_eq!(
        preview.rows[2].errors,
        [
            "row 4, id: no account has the id 9999",
            "row 4, Name: is required"
        ]
    );
    commit_import(store, &preview).await.unwrap();
    let after = get_account(store, acme.id).await.unwrap();
    assert_eq!(after.contact.form.email, "new@acme.example");
    assert_eq!(
        after.contact.form.name, "Alex",
        "columns not in the file are kept"
    );
    assert_eq!(after.contact.version, 2);
    assert_eq!(company_names(store, "renamed").await, ["Other Renamed"]);
    let actions: Vec<String> = events(store).await.into_iter().map(|e| e.1).collect();
    assert_eq!(
        actions,
        [
            "account.created",
            "account.created",
            "contact.updated",
            "tags.changed",
            "contact.updated"
        ]
    );

    // The same file again: nothing left to change.
    let again = preview_import(store, "update.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(again.rows[0].action, RowAction::Unchanged);
}

#[tokio::test]
async fn an_account_changed_after_the_preview_makes_the_whole_import_roll_back() {
    let t = test_store().await;
    let store = &t.store;
    let acme = create_account(
        store,
        &ContactForm {
            company_name: "Acme".into(),
            name: "Alex".into(),
            ..Default::default()
        },
        &BillingForm::default(),
    )
    .await
    .unwrap();
    let file = "company_name,name\nNew Co,Nina\nAcme,Alexandra\n";
    let preview = preview_import(store, "f.csv", file.as_bytes())
        .await
        .unwrap();
    // Another technician saves Acme in between.
    update_contact(
        store,
        acme.id,
        1,
        &ContactForm {
            name: "Al".into(),
            ..acme.contact.form.clone()
        },
    )
    .await
    .unwrap();
    let err = commit_import(store, &preview).await.unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert_eq!(
        company_names(store, "").await,
        ["Acme"],
        "New Co was not kept"
    );
    assert_eq!(
        get_account(store, acme.id).await.unwrap().contact.form.name,
        "Al"
    );
}

#[tokio::test]
async fn separators_bom_quoted_newlines_and_labels_as_headers_are_read() {
    let t = test_store().await;
    let store = &t.store;
    let file = "\u{FEFF}Company name;Name;Street;Email address\r\n\
                \"Semi; Colon GmbH\";\"Sam\";\"Line one\nline two\";sam@semi.example\r\n";
    let preview = preview_import(store, "excel.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(preview.rows[0].company_name, "Semi; Colon GmbH");
    // The quoted line break is read as part of the cell; a street on two lines is taken as a
    // person would (joined), and the preview says so (issue 25 item 8; it used to be refused).
    assert!(
        preview.rows[0].errors.is_empty(),
        "{:?}",
        preview.rows[0].errors
    );
    assert_eq!(preview.rows[0].action, RowAction::Create);
    assert_eq!(
        preview.rows[0].notes,
        ["Street: its 2 lines were joined with \", \""]
    );
}

#[tokio::test]
async fn files_that_are_not_csv_get_a_clear_error_naming_the_file() {
    let t = test_store().await;
    let store = &t.store;
    let zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary";
    let err = preview_import(store, "book.xlsx", zip).await.unwrap_err();
    assert_eq!(err.field(), Some("file"));
    assert!(err
        .to_string()
        .starts_with("The file: is not a CSV file: it holds binary data"));
    let latin1 = b"company_name,name\nCaf\xe9,Z\n";
    let err = preview_import(store, "l.csv", latin1).await.unwrap_err();
    assert!(err.to_string().contains("is not UTF-8 text"), "{err}");
    let err = preview_import(store, "e.csv", b"").await.unwrap_err();
    assert_eq!(err.to_string(), "The file: is empty");
    let err = preview_import(store, "n.csv", b"colour,size\nred,9\n")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("needs a header row with a company_name column"),
        "{err}"
    );
    let err = preview_import(store, "d.csv", b"company_name,Company name\nA,B\n")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[tokio::test]
async fn an_export_imports_back_unchanged_and_formulas_are_defused() {
    let t = test_store().await;
    let store = &t.store;
    let hostile = "=cmd|' /C calc'!A0";
    let file = format!(
        "company_name,name,street,city,country,postal_code,phone,username,email,\
         billing_name,billing_street_line1,billing_street_line2,billing_city,billing_region,\
         billing_postal_code,billing_country,billing_phone,billing_email,tags\n\
         \"{hostile}\",@SUM(A1),\"Quote \"\"q\"\" street\",Köln,DE,50667,0221 123456,\
         -minus,k@koeln.example,\"Billing, Name\",+SUM(1),'=x,Denver,CO,80202,US,\
         (303) 555-0134 x12,b@example.com,tier-1 eu\n\
         Plain,Pat,,,,,,,,,,,,,,,,,\n"
    );
    let preview = preview_import(store, "hostile.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(preview.invalid, 0, "{:?}", preview.rows);
    commit_import(store, &preview).await.unwrap();

    let exported = export_accounts(store, &Selection::All).await.unwrap();
    // The formula is text for a spreadsheet: a leading '.
    assert!(exported.contains(&format!("'{hostile}")), "{exported}");
    assert!(exported.contains(",'@SUM(A1),"), "{exported}");
    assert!(exported.contains(",'+SUM(1),"), "{exported}");
    assert!(
        exported.contains("\"Quote \"\"q\"\" street\""),
        "{exported}"
    );
    // A stored phone number is left readable.
    assert!(exported.contains(",+492211234"), "{exported}");

    // Read back: nothing to change, and into an empty store the same values again.
    let again = preview_import(store, "export.csv", exported.as_bytes())
        .await
        .unwrap();
    assert!(
        again.rows.iter().all(|r| r.action == RowAction::Unchanged),
        "{:?}",
        again.rows
    );
    let other = test_store().await;
    let without_ids: String = exported
        .lines()
        .map(|l| l.split_once(',').unwrap().1)
        .collect::<Vec<_>>()
        .join("\n");
    let preview = preview_import(&other.store, "export.csv", without_ids.as_bytes())
        .await
        .unwrap();
    commit_import(&other.store, &preview).await.unwrap();
    let round_trip = export_accounts(&other.store, &Selection::All)
        .await
        .unwrap();
    let strip_ids = |csv: &str| -> Vec<String> {
        csv.lines()
            .skip(1)
            .map(|l| l.split_once(',').unwrap().1.to_owned())
            .collect()
    };
    assert_eq!(strip_ids(&round_trip), strip_ids(&exported));

    // An export of one tag holds only its accounts.
    let tier = export_accounts(store, &Selection::Tag("#Tier-1".into()))
        .await
        .unwrap();
    assert_eq!(tier.lines().count(), 2);
    assert!(tier.contains(hostile));
}

#[tokio::test]
async fn ten_thousand_rows_import_in_one_transaction() {
    let t = test_store().await;
    let store = &t.store;
    let mut file = String::from(HEADER);
    file.push('\n');
    for i in 0..10_000 {
        file.push_str(&format!(
            "Company {i},Person {i},p{i}@example.com,(303) 555-{:04},US,80202,,tag-{} all\n",
            i % 10_000,
            i % 5
        ));
    }
    let started = std::time::Instant::now();
    let preview = preview_import(store, "big.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(preview.create, 10_000);
    commit_import(store, &preview).await.unwrap();
    eprintln!(
        "10,000 rows previewed and imported in {:?}",
        started.elapsed()
    );
    let page = search_accounts(store, "#tag-3 company", 0, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 2_000);
    assert_eq!(
        search_accounts(store, "#all", 0, 1).await.unwrap().total,
        10_000
    );
    assert_eq!(events(store).await.len(), 10_000);
}

#[tokio::test]
async fn tags_are_added_removed_suggested_and_found_with_words() {
    let t = test_store().await;
    let store = &t.store;
    let mut ids = Vec::new();
    for name in ["Acme Backup", "Acme Web", "Blue Backup"] {
        let view = create_account(
            store,
            &ContactForm {
                company_name: name.into(),
                name: "N".into(),
                ..Default::default()
            },
            &BillingForm::default(),
        )
        .await
        .unwrap();
        ids.push(view.id);
    }
    assert_eq!(
        add_tag(store, ids[0], " #Backup-Customers ").await.unwrap(),
        ["backup-customers"]
    );
    add_tag(store, ids[0], "eu").await.unwrap();
    add_tag(store, ids[2], "backup-customers").await.unwrap();
    let err = add_tag(store, ids[1], "two words").await.unwrap_err();
    assert_eq!(err.field(), Some("tags"));
    let suggestions: Vec<(String, i64)> = all_tags(store)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.tag, t.accounts))
        .collect();
    assert_eq!(
        suggestions,
        [("backup-customers".to_owned(), 2), ("eu".to_owned(), 1)]
    );
    assert_eq!(
        company_names(store, "#backup-customers").await,
        ["Acme Backup", "Blue Backup"]
    );
    assert_eq!(company_names(store, "#backup acme").await, ["Acme Backup"]);
    assert!(company_names(store, "#nothing").await.is_empty());
    assert_eq!(
        remove_tag(store, ids[0], "eu").await.unwrap(),
        ["backup-customers"]
    );
    let detail: Vec<String> = events(store)
        .await
        .into_iter()
        .filter(|e| e.1 == "tags.changed")
        .map(|e| e.2)
        .collect();
    assert_eq!(
        detail,
        [
            "added backup-customers",
            "added eu",
            "added backup-customers",
            "removed eu"
        ]
    );
}

/// Windows has no /dev/zero or FIFOs to try (the size bound itself is the same code).
#[cfg(not(unix))]
#[test]
fn an_import_never_reads_more_than_its_limit_from_a_device_a_fifo_or_a_large_file() {
    common::not_on_windows("made with /dev/zero and a FIFO, which Windows does not have");
}

/// Issue 24 §6: the file an import reads is read with a bound, whatever it says its size is: a
/// link to /dev/zero (size 0, endless) and a FIFO are refused at once, a file over the limit is
/// refused without being read whole, and a real file still reads.
#[cfg(unix)]
#[test]
fn an_import_never_reads_more_than_its_limit_from_a_device_a_fifo_or_a_large_file() {
    use keydesk_core::account_csv::{read_import_file, MAX_FILE_BYTES};
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("accounts.csv");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let started = std::time::Instant::now();
    let err = read_import_file(&zero).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert_eq!(err.code(), "invalid");

    let fifo = dir.path().join("fifo.csv");
    let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let err = read_import_file(&fifo).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let large = dir.path().join("large.csv");
    let file = std::fs::File::create(&large).unwrap();
    file.set_len(MAX_FILE_BYTES as u64 + 1).unwrap();
    let err = read_import_file(&large).unwrap_err();
    assert!(err.to_string().contains("at most 32 MB"), "{err}");

    let fine = dir.path().join("fine.csv");
    std::fs::write(&fine, "company_name\nAcme\n").unwrap();
    assert_eq!(read_import_file(&fine).unwrap(), b"company_name\nAcme\n");
}

/// Issue 25 item 8: a CRM export with streets on two lines (a quoted line break inside the
/// cell) imports as a person would take it, and the preview says what it did to each row.
#[tokio::test]
async fn streets_on_two_lines_are_taken_as_a_person_would_and_said() {
    let t = test_store().await;
    let store = &t.store;
    let file = "company_name,name,street,city,billing_name,billing_street_line1\r\n\
                Acme Corp,Alex,\"121 West Walnut Street\r\nSuite 100\",Robinson,John Doe,\"PO Box 7\nBuilding B\"\r\n\
                Blue Dental,Blake,1 Main Street,Berlin,,\r\n";
    let preview = preview_import(store, "crm.csv", file.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (preview.create, preview.invalid),
        (2, 0),
        "{:?}",
        preview.rows
    );
    assert_eq!(
        preview.rows[0].notes,
        [
            "Street: its 2 lines were joined with \", \"",
            "Billing street: its second line went to billing street (line 2)"
        ]
    );
    assert!(
        preview.rows[1].notes.is_empty(),
        "a one-line street is left alone"
    );
    commit_import(store, &preview).await.unwrap();
    let acme = search_accounts(store, "acme", 0, 10).await.unwrap().hits[0].id;
    let view = get_account(store, acme).await.unwrap();
    assert_eq!(
        view.contact.form.street,
        "121 West Walnut Street, Suite 100"
    );
    assert_eq!(view.billing.form.street_line1, "PO Box 7");
    assert_eq!(view.billing.form.street_line2, "Building B");
}
