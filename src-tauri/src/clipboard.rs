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

/// Copies a secret and schedules its removal. The lock is held across the write and its
/// record: two copies at once otherwise could each write, and the one recorded last need not
/// be the one on the clipboard, which then would never be cleared.
pub fn copy_secret<R: Runtime>(app: &AppHandle<R>, secret: Secret) -> Result<Duration, WireError> {
    let guard = app.state::<ClipboardGuard>();
    let generation = {
        let mut held = guard.held.lock().unwrap_or_else(|e| e.into_inner());
        app.clipboard()
            .write_secret(secret.expose())
            .map_err(clipboard_error)?;
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
/// or any when None). Something the user copied since is left alone. Returns whether it
/// cleared. Never call it on the main thread: reading the clipboard there can deadlock on
/// Linux (when the page itself owns the clipboard, the main loop must answer the read).
pub fn clear_if_still_held<R: Runtime>(app: &AppHandle<R>, generation: Option<u64>) -> bool {
    let guard = app.state::<ClipboardGuard>();
    let mut held = guard.held.lock().unwrap_or_else(|e| e.into_inner());
    if generation.is_some_and(|g| g != held.generation) {
        return false;
    }
    let Some(secret) = held.secret.as_ref() else {
        return false;
    };
    // A failed read says nothing about what the clipboard holds: the secret stays held, so
    // the next look (at the latest, the one at quit) still knows what to clear.
    let current = match app.clipboard().read_text() {
        Ok(text) => Zeroizing::new(text),
        Err(err) => {
            tracing::debug!("the clipboard could not be read: {err}");
            return false;
        }
    };
    let ours = current.as_str() == secret.expose();
    held.secret = None;
    ours && app.clipboard().clear().is_ok()
}

/// How long quitting waits for the clipboard to be cleared. Reading it can wait on the main
/// loop (when the page owns the clipboard, which then holds no secret of ours), and the main
/// loop is what waits here: the wait is bounded, and the clearing runs on a thread of its own.
const CLEAR_AT_EXIT_WAIT: Duration = Duration::from_secs(2);

/// Called on the main thread when Keydesk is about to quit (`ExitRequested`: before the
/// clipboard plugin lets go of the clipboard on `Exit`, after which nothing can be cleared).
pub fn clear_at_exit<R: Runtime>(app: &AppHandle<R>) {
    tracing::debug!("quit requested: checking the clipboard");
    let (done, finished) = std::sync::mpsc::channel();
    let app = app.clone();
    std::thread::spawn(move || {
        let _ = done.send(clear_if_still_held(&app, None));
    });
    match finished.recv_timeout(CLEAR_AT_EXIT_WAIT) {
        Ok(true) => tracing::info!("the copied secret was cleared from the clipboard at exit"),
        Ok(false) => tracing::debug!("no secret of ours on the clipboard at exit"),
        Err(_) => tracing::warn!("the clipboard could not be checked at exit in time"),
    }
}
