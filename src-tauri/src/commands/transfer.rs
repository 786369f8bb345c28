//! Files in and out: importing and exporting accounts as CSV, exporting activity. The file is
//! chosen with the OS's own dialog (`choose_file`, tauri-plugin-dialog) whose path the page
//! puts in a field the person can also type into; these commands read or write that path.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{Local, NaiveDate, TimeZone, Utc};
use keydesk_core::account_csv::{self, ImportOutcome, ImportPreview, Selection};
use keydesk_core::activity_csv::{self, ActivityRange};
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::state::AppState;
use crate::WireError;

/// The preview the page shows, kept until the person confirms it: the import writes exactly
/// what they saw.
#[derive(Default)]
pub struct PendingImport(Mutex<Option<(PathBuf, ImportPreview)>>);

fn invalid(field: &'static str, message: impl Into<String>) -> WireError {
    WireError {
        code: "invalid",
        message: message.into(),
        field: Some(field),
    }
}

fn file_failure(path: &Path, err: std::io::Error) -> WireError {
    WireError {
        code: "file",
        message: format!("{}: {err}", path.display()),
        field: Some("path"),
    }
}

/// A path typed or chosen: absolute, with the extension the kind of file needs.
pub(crate) fn checked_path(path: &str, extensions: &[&str]) -> Result<PathBuf, WireError> {
    let path = PathBuf::from(path.trim());
    if path.as_os_str().is_empty() {
        return Err(invalid("path", "File: choose a file first"));
    }
    if !path.is_absolute() {
        return Err(invalid(
            "path",
            "File: must be a full path, such as /home/you/accounts.csv",
        ));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    if !extensions.contains(&ext.as_str()) {
        return Err(invalid(
            "path",
            format!("File: must end in .{}", extensions.join(" or .")),
        ));
    }
    Ok(path)
}

/// Every path the OS's file dialog returned since the app started. The page can send any path
/// (the dialog is not a boundary): one it did not get from the dialog was typed, and overwriting
/// a file with it takes the person's word in a prompt of Keydesk's own (`confirm_overwrite`).
static CHOSEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn remember_chosen(path: &Path) {
    let mut chosen = CHOSEN.lock().unwrap_or_else(|e| e.into_inner());
    if !chosen.iter().any(|p| p == path) {
        chosen.push(path.to_owned());
    }
}

/// Where `path` leads, its folder's links and `..` resolved (the file itself need not exist).
fn resolved(path: &Path) -> Option<PathBuf> {
    let folder = std::fs::canonicalize(path.parent()?).ok()?;
    Some(folder.join(path.file_name()?))
}

/// Whether writing `path` needs the person to confirm it in a prompt of Keydesk's own: it was
/// not returned by the OS's dialog (`chosen`), something is already there (a file, or a link),
/// and it lies outside the data folder.
pub(crate) fn needs_confirmation(path: &Path, data_dir: &Path, chosen: &[PathBuf]) -> bool {
    if chosen.iter().any(|p| p == path) || std::fs::symlink_metadata(path).is_err() {
        return false;
    }
    let inside = match (resolved(path), std::fs::canonicalize(data_dir)) {
        (Some(path), Ok(data)) => path.starts_with(data),
        _ => false,
    };
    !inside
}

/// Before a write to a typed path that would replace an existing file outside the data folder:
/// asks in the OS's own message dialog (not the page), naming the file. Refused unless the
/// person says Replace.
pub(crate) async fn confirm_overwrite(
    app: &AppHandle,
    data_dir: &Path,
    path: &Path,
) -> Result<(), WireError> {
    let chosen = CHOSEN.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if !needs_confirmation(path, data_dir, &chosen) {
        return Ok(());
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .message(format!(
            "{} already exists. Replace it?\n\nThe path was typed rather than chosen with \
             Choose…; Keydesk replaces the file only if you say so here.",
            path.display()
        ))
        .title("Replace a file?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Replace".into(),
            "Cancel".into(),
        ))
        .show(move |yes| {
            let _ = tx.send(yes);
        });
    if rx.await.unwrap_or(false) {
        tracing::info!("replacing a file at a typed path, as confirmed");
        return Ok(());
    }
    Err(invalid(
        "path",
        format!(
            "File: {} was not replaced: a file is there, and replacing it was not confirmed",
            path.display()
        ),
    ))
}

/// Writes `contents` to a new private `<path>.part` first (0600 from its first byte, a link
/// planted there never followed) and moves it into place: a failed export never leaves half a
/// file under the chosen name.
pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), WireError> {
    keydesk_core::private_files::write_private(path, contents).map_err(|e| file_failure(path, e))
}

/// Opens the OS's file dialog: `open_csv`, `save_csv`, `open_backup`, `save_backup` or
/// `save_expiries` (iCalendar or CSV). None
/// when the person cancels.
#[tauri::command]
pub async fn choose_file(
    app: AppHandle,
    purpose: String,
    suggested_name: Option<String>,
) -> Result<Option<String>, WireError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let dialog = app.dialog().file();
    let dialog = match purpose.as_str() {
        "open_csv" | "save_csv" => dialog.add_filter("CSV", &["csv"]),
        "open_backup" | "save_backup" => dialog.add_filter("Keydesk backup", &["sqlite3"]),
        "save_expiries" => dialog
            .add_filter("iCalendar", &["ics"])
            .add_filter("CSV", &["csv"]),
        _ => return Err(invalid("purpose", "Purpose: unknown")),
    };
    let dialog = match suggested_name {
        Some(name) => dialog.set_file_name(name),
        None => dialog,
    };
    let send = move |path: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(path.and_then(|p| p.into_path().ok()));
    };
    if purpose.starts_with("open") {
        dialog.pick_file(send);
    } else {
        dialog.save_file(send);
    }
    let path = rx.await.ok().flatten();
    if let Some(path) = &path {
        remember_chosen(path);
    }
    Ok(path.map(|p| p.display().to_string()))
}

/// Reads the CSV file at `path` and says what importing it would do, row by row.
#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    pending: State<'_, PendingImport>,
    path: String,
) -> Result<ImportPreview, WireError> {
    let path = checked_path(&path, &["csv", "txt", "tsv"])?;
    let bytes = account_csv::read_import_file(&path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let preview = account_csv::preview_import(state.store().await?, &name, &bytes).await?;
    *pending.0.lock().unwrap() = Some((path, preview.clone()));
    Ok(preview)
}

/// Imports the valid rows of the preview shown last, in one transaction.
#[tauri::command]
pub async fn commit_import(
    state: State<'_, AppState>,
    pending: State<'_, PendingImport>,
) -> Result<ImportOutcome, WireError> {
    let Some((_, preview)) = pending.0.lock().unwrap().take() else {
        return Err(invalid("path", "Import: preview a file first"));
    };
    Ok(account_csv::commit_import(state.store().await?, &preview).await?)
}

#[derive(Debug, Serialize)]
pub struct Exported {
    pub path: String,
    /// Data rows written.
    pub rows: usize,
}

fn exported(path: &Path, csv: &str) -> Exported {
    Exported {
        path: path.display().to_string(),
        rows: csv.lines().count().saturating_sub(1),
    }
}

/// Writes accounts to a CSV file the import reads back: all, those with `tag`, or those in
/// `account_ids`.
#[tauri::command]
pub async fn export_accounts(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    tag: Option<String>,
    account_ids: Option<Vec<i32>>,
) -> Result<Exported, WireError> {
    let path = checked_path(&path, &["csv"])?;
    confirm_overwrite(&app, &state.data_dir, &path).await?;
    let selection = match (tag.filter(|t| !t.trim().is_empty()), account_ids) {
        (_, Some(ids)) => Selection::Accounts(ids),
        (Some(tag), None) => Selection::Tag(tag),
        (None, None) => Selection::All,
    };
    let csv = account_csv::export_accounts(state.store().await?, &selection).await?;
    write_file(&path, csv.as_bytes())?;
    Ok(exported(&path, &csv))
}

/// A date typed on the page (YYYY-MM-DD) as the start of that day on this computer.
fn local_day(
    field: &'static str,
    label: &str,
    day: Option<String>,
    next: bool,
) -> Result<Option<chrono::DateTime<Utc>>, WireError> {
    let Some(day) = day.filter(|d| !d.trim().is_empty()) else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(field, format!("{label}: must be a date such as 2026-11-27")))?;
    let date = if next {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Ok(Local
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc)))
}

/// Writes activity to a CSV file: one account's, or every account's from `from` to `to`
/// (both days included).
#[tauri::command]
pub async fn export_activity(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    account_id: Option<i32>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Exported, WireError> {
    let path = checked_path(&path, &["csv"])?;
    confirm_overwrite(&app, &state.data_dir, &path).await?;
    let range = match account_id {
        Some(id) => ActivityRange::Account(id),
        None => ActivityRange::Between {
            from: local_day("from", "From", from, false)?,
            to: local_day("to", "To", to, true)?,
        },
    };
    let csv = activity_csv::export_activity(state.store().await?, &range).await?;
    write_file(&path, csv.as_bytes())?;
    Ok(exported(&path, &csv))
}

#[cfg(test)]
mod tests {
    use super::needs_confirmation;

    #[cfg(unix)]
    #[test]
    fn a_typed_path_over_an_existing_file_outside_the_data_folder_needs_a_prompt() {
        let root = std::env::temp_dir().join(format!("keydesk-confirm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir(&root).unwrap();
        let data = root.join("data");
        std::fs::create_dir(&data).unwrap();
        let outside = root.join("report.csv");
        std::fs::write(&outside, "someone's file").unwrap();
        // Typed, a file there, outside the data folder: asked.
        assert!(needs_confirmation(&outside, &data, &[]));
        // A link planted there counts as something there, even pointing nowhere.
        let link = root.join("link.csv");
        std::os::unix::fs::symlink(root.join("nowhere"), &link).unwrap();
        assert!(needs_confirmation(&link, &data, &[]));
        // Returned by the OS's dialog (which asked itself): not asked again.
        assert!(!needs_confirmation(
            &outside,
            &data,
            std::slice::from_ref(&outside)
        ));
        // Nothing there yet: nothing replaced.
        assert!(!needs_confirmation(&root.join("new.csv"), &data, &[]));
        // Inside the data folder, however spelled: Keydesk's own files.
        let mine = data.join("backups-copy.sqlite3");
        std::fs::write(&mine, "x").unwrap();
        assert!(!needs_confirmation(&mine, &data, &[]));
        let dotted = data.join("..").join("report.csv");
        assert!(needs_confirmation(&dotted, &data, &[]), "outside, via ..");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
