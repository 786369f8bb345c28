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
        let looked = tauri::async_runtime::spawn_blocking(move || {
            clear_if_still_held(&app, Some(generation))
        })
        .await;
        // Said at info: the person (and the e2e test) can see that the timer ran, and when.
        match looked {
            Ok(true) => {
                tracing::info!("the copied secret was cleared from the clipboard after {seconds} s")
            }
            Ok(false) => tracing::info!(
                "the clipboard was left as it is after {seconds} s: it no longer held that copy"
            ),
            Err(err) => tracing::warn!("the clipboard could not be looked at: {err}"),
        }
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
    clear_held(&mut held, generation, &PluginBoard(app))
}

/// What clearing needs of a clipboard: the app's is the plugin's; a test's fails on demand
/// (the real clipboard under Xvfb cannot be made to fail a read).
trait Board {
    fn read(&self) -> Result<Zeroizing<String>, String>;
    fn clear(&self) -> bool;
}

struct PluginBoard<'a, R: Runtime>(&'a AppHandle<R>);

impl<R: Runtime> Board for PluginBoard<'_, R> {
    fn read(&self) -> Result<Zeroizing<String>, String> {
        self.0
            .clipboard()
            .read_text()
            .map(Zeroizing::new)
            .map_err(|e| e.to_string())
    }

    fn clear(&self) -> bool {
        self.0.clipboard().clear().is_ok()
    }
}

fn clear_held(held: &mut Held, generation: Option<u64>, board: &impl Board) -> bool {
    if generation.is_some_and(|g| g != held.generation) {
        return false;
    }
    let Some(secret) = held.secret.as_ref() else {
        return false;
    };
    // A failed read says nothing about what the clipboard holds: the secret stays held, so
    // the next look (at the latest, the one at quit) still knows what to clear.
    let current = match board.read() {
        Ok(text) => text,
        Err(err) => {
            tracing::debug!("the clipboard could not be read: {err}");
            return false;
        }
    };
    let ours = current.as_str() == secret.expose();
    held.secret = None;
    ours && board.clear()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    /// A clipboard whose read fails while `failing` is set.
    struct TestBoard {
        text: RefCell<String>,
        failing: Cell<bool>,
    }

    impl Board for TestBoard {
        fn read(&self) -> Result<Zeroizing<String>, String> {
            if self.failing.get() {
                return Err("the clipboard owner did not answer".into());
            }
            Ok(Zeroizing::new(self.text.borrow().clone()))
        }

        fn clear(&self) -> bool {
            self.text.borrow_mut().clear();
            true
        }
    }

    #[test]
    fn a_failed_read_keeps_the_secret_held_for_the_clearing_at_quit() {
        let secret = "s3cr3t-copied-by-keydesk";
        let board = TestBoard {
            text: RefCell::new(secret.to_owned()),
            failing: Cell::new(true),
        };
        let mut held = Held {
            generation: 1,
            secret: Some(Secret::new(secret.to_owned())),
        };
        // The timer's look fails to read: nothing cleared, and the secret is still known…
        assert!(!clear_held(&mut held, Some(1), &board));
        assert!(held.secret.is_some(), "the held secret was dropped");
        // …so the look at quit clears it.
        board.failing.set(false);
        assert!(clear_held(&mut held, None, &board));
        assert_eq!(*board.text.borrow(), "");
        assert!(held.secret.is_none());
    }

    #[test]
    fn what_the_person_copied_since_is_left_alone() {
        let board = TestBoard {
            text: RefCell::new("something else".to_owned()),
            failing: Cell::new(false),
        };
        let mut held = Held {
            generation: 1,
            secret: Some(Secret::new("ours".to_owned())),
        };
        assert!(!clear_held(&mut held, None, &board));
        assert_eq!(*board.text.borrow(), "something else");
    }
}
