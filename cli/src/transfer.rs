//! `keydesk-cli accounts export`, `activity export` and `backup`: the files the app's
//! Import, export and backups page writes, made by the same core functions (atomic, 0600).

use std::path::PathBuf;

use keydesk_core::activity_csv::{self, ActivityRange};
use keydesk_core::selection::Selection;
use keydesk_core::{account_csv, backup, files, Store};

use crate::output;
use crate::{Failure, Format};

/// CSV text to a file (checked and written as the app writes it) or to standard output.
fn deliver(format: Format, csv: &str, file: Option<PathBuf>) -> Result<u8, Failure> {
    let Some(file) = file else {
        print!("{csv}");
        return Ok(0);
    };
    let path = files::checked_path(&file.display().to_string(), &["csv"])?;
    let exported = files::export_to(&path, csv, files::csv_rows(csv))?;
    match format {
        Format::Json => output::json(&exported),
        Format::Table => println!("{} rows written to {}", exported.rows, exported.path),
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
    let info = backup::back_up(store, &file).await?;
    match format {
        Format::Json => output::json(&info),
        Format::Table => println!(
            "Backed up {} accounts to {} ({} bytes)",
            info.accounts, info.path, info.bytes
        ),
    }
    Ok(0)
}
