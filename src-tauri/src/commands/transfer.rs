//! Files in and out: importing and exporting accounts as CSV, exporting activity. The file is
//! chosen with the OS's own dialog (`choose_file`, tauri-plugin-dialog) whose path the page
//! puts in a field the person can also type into; these commands read or write that path.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use keydesk_core::account_csv::{self, ImportOutcome, ImportPreview, Selection};
use keydesk_core::activity_csv::{self, ActivityRange};
use keydesk_core::files::{self, Exported};
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

/// Before a write to a typed path that would replace an existing file outside the data folder:
/// asks in the OS's own message dialog (not the page), naming the file. Refused unless the
/// person says Replace.
pub(crate) async fn confirm_overwrite(
    app: &AppHandle,
    data_dir: &Path,
    path: &Path,
) -> Result<(), WireError> {
    let chosen = CHOSEN.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if !files::needs_confirmation(path, data_dir, &chosen) {
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

/// Opens the OS's file dialog: `open_csv`, `save_csv`, `open_backup`, `save_backup`, `open_ca`
/// (a team store's CA certificate) or
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
        "open_ca" => dialog.add_filter("CA certificate", &["pem", "crt", "cer"]),
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
    let path = files::checked_path(&path, &["csv", "txt", "tsv"])?;
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
    let path = files::checked_path(&path, &["csv"])?;
    confirm_overwrite(&app, &state.data_dir, &path).await?;
    let selection = Selection::from_fields(tag, account_ids);
    let csv = account_csv::export_accounts(state.store().await?, &selection).await?;
    Ok(files::export_to(&path, &csv, files::csv_rows(&csv))?)
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
    let path = files::checked_path(&path, &["csv"])?;
    confirm_overwrite(&app, &state.data_dir, &path).await?;
    let range = match account_id {
        Some(id) => ActivityRange::Account(id),
        None => ActivityRange::Between {
            from: files::local_day("from", "From", from.as_deref(), false)?,
            to: files::local_day("to", "To", to.as_deref(), true)?,
        },
    };
    let csv = activity_csv::export_activity(state.store().await?, &range).await?;
    Ok(files::export_to(&path, &csv, files::csv_rows(&csv))?)
}
