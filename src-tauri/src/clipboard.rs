//! Clipboard hygiene for secrets (after KeePassXC): a copied secret is marked to stay out of
//! clipboard history, cleared after a delay only if the clipboard still holds it, and cleared
//! when Keydesk exits. The delay is a setting (30 s by default). Client IDs are copied plainly.

use std::sync::Mutex;
use std::time::Duration;

use keydesk_core::secrets::Secret;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use zeroize::Zeroizing;

use crate::state::AppState;
use crate::WireError;

#[derive(Default)]
struct Held {
    generation: u64,
    secret: Option<Secret>,
}

#[derive(Default)]
pub struct ClipboardGuard {
    held: Mutex<Held>,
}

fn clipboard_error(err: impl std::fmt::Display) -> WireError {
    WireError {
        code: "clipboard",
        message: format!("the clipboard could not be used: {err}"),
        field: None,
    }
}

pub fn copy_text<R: Runtime>(app: &AppHandle<R>, text: &str) -> Result<(), WireError> {
    app.clipboard().write_text(text).map_err(clipboard_error)
}

/// Copies a secret and schedules its removal.
pub fn copy_secret<R: Runtime>(app: &AppHandle<R>, secret: Secret) -> Result<Duration, WireError> {
    let guard = app.state::<ClipboardGuard>();
    app.clipboard()
        .write_secret(secret.expose())
        .map_err(clipboard_error)?;
    let generation = {
        let mut held = guard.held.lock().unwrap();
        held.generation += 1;
        held.secret = Some(secret);
        held.generation
    };
    let seconds = app
        .state::<AppState>()
        .settings
        .lock()
        .unwrap()
        .clipboard_clear_seconds;
    let delay = Duration::from_secs(seconds.into());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(delay).await;
        // Reading the clipboard must not happen on the main thread (it can deadlock on Linux).
        let _ = tauri::async_runtime::spawn_blocking(move || {
            clear_if_still_held(&app, Some(generation))
        })
        .await;
    });
    Ok(delay)
}

/// Clears the clipboard if it still holds the secret we put there (the one of `generation`,
/// or any when None). Something the user copied since is left alone.
pub fn clear_if_still_held<R: Runtime>(app: &AppHandle<R>, generation: Option<u64>) {
    let guard = app.state::<ClipboardGuard>();
    let mut held = guard.held.lock().unwrap();
    if generation.is_some_and(|g| g != held.generation) {
        return;
    }
    let Some(secret) = held.secret.take() else {
        return;
    };
    let current = Zeroizing::new(app.clipboard().read_text().unwrap_or_default());
    if current.as_str() == secret.expose() {
        let _ = app.clipboard().clear();
    }
}
