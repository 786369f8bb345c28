//! `keydesk-cli accounts export`, `activity export` and `backup`: the files the app's
//! Import, export and backups page writes, made by the same core functions (atomic, 0600).

use std::path::PathBuf;

use keydesk_core::activity_csv::{self, ActivityRange};
use keydesk_core::selection::Selection;
use keydesk_core::{account_csv, backup, files, Store};

use crate::output;
use crate::{Failure, Format};

/// A path as typed on the command line, relative ones from the current folder (the app's
/// checks want a full path: its dialogs always give one).
fn full(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// CSV text to a file (checked and written as the app writes it) or to standard output.
fn deliver(format: Format, csv: &str, file: Option<PathBuf>) -> Result<u8, Failure> {
    let Some(file) = file else {
        print!("{csv}");
        return Ok(0);
    };
    let path = files::checked_path(&full(&file).display().to_string(), &["csv"])?;
    let exported = files::export_to(&path, csv, files::csv_rows(csv))?;
    match format {
        Format::Json => output::json(&exported),
        Format::Table | Format::Csv => {
            println!("{} rows written to {}", exported.rows, exported.path)
        }
    }
    Ok(0)
}

pub async fn export_accounts(
    store: &Store,
    tag: Option<String>,
    file: Option<PathBuf>,
    format: Format,
) -> Result<u8, Failure> {
    let selection = match tag {
        Some(tag) => Selection::Tag(tag.trim_start_matches('#').to_owned()),
        None => Selection::All,
    };
    let csv = account_csv::export_accounts(store, &selection).await?;
    deliver(format, &csv, file)
}

/// The preview's rows (what each would do, every rule an invalid one breaks), then — unless a
/// dry run, or invalid rows without --skip-invalid (exit code 1) — the import in one
/// transaction.
pub async fn import_accounts(
    store: &Store,
    file: &std::path::Path,
    dry_run: bool,
    skip_invalid: bool,
    format: Format,
) -> Result<u8, Failure> {
    let path = files::checked_path(&full(file).display().to_string(), &["csv", "txt", "tsv"])?;
    let bytes = account_csv::read_import_file(&path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let preview = account_csv::preview_import(store, &name, &bytes).await?;
    let refused = preview.invalid > 0 && !skip_invalid;
    let outcome = if dry_run || refused {
        None
    } else {
        Some(account_csv::commit_import(store, &preview).await?)
    };
    match format {
        Format::Json => output::json(&serde_json::json!({
            "preview": preview,
            "imported": outcome,
        })),
        Format::Table | Format::Csv => {
            let rows: Vec<Vec<String>> = preview
                .rows
                .iter()
                .filter(|r| !matches!(r.action, account_csv::RowAction::Unchanged))
                .map(|r| {
                    let what = match r.action {
                        account_csv::RowAction::Create => "create".to_owned(),
                        account_csv::RowAction::Update => {
                            format!("update ({})", r.changes.join(", "))
                        }
                        account_csv::RowAction::Unchanged => "unchanged".to_owned(),
                        account_csv::RowAction::Invalid => r.errors.join("; "),
                    };
                    vec![r.row.to_string(), r.company_name.clone(), what]
                })
                .collect();
            output::table(&["ROW", "COMPANY", "WHAT"], &rows);
            println!(
                "{} to create, {} to update, {} unchanged, {} invalid",
                preview.create, preview.update, preview.unchanged, preview.invalid
            );
            match &outcome {
                Some(done) => println!(
                    "Imported: {} created, {} updated ({} invalid rows left out)",
                    done.created, done.updated, done.skipped
                ),
                None if refused => eprintln!(
                    "keydesk-cli: nothing imported: {} rows are invalid (fix them, or pass \
                     --skip-invalid to import the others)",
                    preview.invalid
                ),
                None => println!("Dry run: nothing imported"),
            }
        }
    }
    Ok(if refused { 1 } else { 0 })
}

pub async fn export_activity(
    store: &Store,
    from: Option<String>,
    to: Option<String>,
    file: Option<PathBuf>,
    format: Format,
) -> Result<u8, Failure> {
    let range = ActivityRange::Between {
        from: files::local_day("from", "From", from.as_deref(), false)?,
        to: files::local_day("to", "To", to.as_deref(), true)?,
    };
    let csv = activity_csv::export_activity(store, &range).await?;
    deliver(format, &csv, file)
}

pub async fn back_up(store: &Store, file: Option<PathBuf>, format: Format) -> Result<u8, Failure> {
    let file = file.unwrap_or_else(|| {
        PathBuf::from(format!(
            "keydesk-backup-{}.sqlite3",
            chrono::Local::now().format("%Y-%m-%d")
        ))
    });
    let info = backup::back_up(store, &full(&file)).await?;
    match format {
        Format::Json => output::json(&info),
        Format::Table | Format::Csv => println!(
            "Backed up {} accounts to {} ({} bytes)",
            info.accounts, info.path, info.bytes
        ),
    }
    Ok(0)
}

/// `restore FILE`: what the restore keeps ended, a confirmation, then the backup staged as the
/// app stages it and — when no other process has the store file open — put in place now.
pub async fn restore(
    store: Store,
    file: &std::path::Path,
    yes: bool,
    format: Format,
) -> Result<u8, Failure> {
    let keydesk_core::StoreLocation::SqliteFile(path) = store.location().clone() else {
        return Err(Failure::new(
            "a team store is restored by its database (pg_restore), not by Keydesk",
            2,
        ));
    };
    let file = &full(file);
    let check = backup::preview_restore(&store, file).await?;
    if format != Format::Json {
        println!(
            "{}: {} accounts; stays ended: {} secrets, {} credentials deleted, {} tokens revoked",
            check.path, check.accounts, check.stay_ended, check.stay_deleted, check.stay_revoked
        );
    }
    crate::credentials::confirm(
        &format!(
            "Replace the store {} with this backup? The store as it is now is kept beside it.",
            path.display()
        ),
        yes,
    )?;
    backup::stage_restore(&store, file).await?;
    store.close().await.ok();
    let holders = others_holding(&path);
    let kept = if holders.is_empty() {
        backup::apply_staged_restore(&path).await?
    } else {
        None
    };
    match format {
        Format::Json => output::json(&serde_json::json!({
            "check": check,
            "restored": kept.is_some(),
            "kept_as": kept,
            "open_in": holders,
        })),
        Format::Table | Format::Csv => match &kept {
            Some(before) => println!("Restored; the store as it was is {}", before.display()),
            None if holders.iter().all(|pid| *pid == 0) => println!(
                "Staged: another program (Keydesk?) has the store open; Keydesk restores the \
                 backup when it next starts"
            ),
            None => println!(
                "Staged: Keydesk (process {}) has the store open and restores the backup when \
                 it next starts",
                holders
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
    Ok(0)
}

/// Other processes with `file` open (Linux's /proc): the store is not swapped under them.
#[cfg(target_os = "linux")]
fn others_holding(file: &std::path::Path) -> Vec<u32> {
    let Ok(target) = file.canonicalize() else {
        return Vec::new();
    };
    let me = std::process::id();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        if pid != me
            && fds
                .flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|link| link == target))
        {
            pids.push(pid);
        }
    }
    pids
}

/// Windows tells whether any other handle has the file open: an open that shares nothing
/// fails with a sharing violation while one exists (found under Wine: the command line had
/// never restored at once there). It does not say whose: process id 0 stands for "a program".
#[cfg(windows)]
fn others_holding(file: &std::path::Path) -> Vec<u32> {
    use std::os::windows::fs::OpenOptionsExt;
    let exclusive = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .share_mode(0)
        .open(file);
    // Only a file that could be opened alone (or is not there) is free: a sharing or lock
    // violation, or any other refusal (a scanner's handle, access denied), leaves it staged.
    match exclusive {
        Ok(_) => Vec::new(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(_) => vec![0],
    }
}

/// Elsewhere no process list is read: the backup is staged and the app restores it at its next
/// start (a process id 0 stands for "maybe the app").
#[cfg(not(any(target_os = "linux", windows)))]
fn others_holding(_: &std::path::Path) -> Vec<u32> {
    vec![0]
}
