//! The Tauri shell: resolves where data lives, opens the store, registers the commands. No
//! business logic here; it lives in keydesk-core.

mod background;
mod cli;
mod clipboard;
mod commands;
mod error;
mod events;
mod reminders;
mod state;
mod token_endpoint;

use tauri::Manager;

pub use commands::COMMANDS;
pub use error::WireError;

pub fn run() {
    let options = match cli::Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("keydesk: {message}\n\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    if options.help {
        println!("{}", cli::USAGE);
        return;
    }
    // Only whether KEYDESK_DATABASE_URL names a database matters here, not the data folder.
    let location = keydesk_core::StoreLocation::resolve(std::path::Path::new(""));
    if let Some(message) = options.demo_refusal(&location) {
        eprintln!("keydesk: {message}");
        std::process::exit(2);
    }
    if let Some(message) = cli::missing_display() {
        eprintln!("keydesk: {message}");
        std::process::exit(1);
    }

    prefer_cpu_rendering();
    let mut builder = tauri::Builder::default();
    if single_instance_applies() {
        // First, as the plugin asks: a second launch hands over to this one and exits.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            show_main_window(app);
        }));
    }
    let app = builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            app.manage(state::AppState::new(
                app.path().app_data_dir()?,
                app.path().app_log_dir()?,
                &options,
            ));
            app.manage(events::PageEvents::default());
            app.manage(token_endpoint::TokenEndpoint::default());
            app.manage(commands::transfer::PendingImport::default());
            // The store opens now, beside the window's start rather than when the page first
            // needs it; every loop that runs without being asked starts here.
            background::start(app.handle());
            tauri::async_runtime::spawn_blocking(keydesk_core::validation::warm_up);
            app.manage(clipboard::ClipboardGuard::default());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::WindowEvent {
                event: tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_),
                ..
            } = event
            {
                // Saved as it changes, not only at a clean exit: a crash or a kill keeps it too.
                use tauri_plugin_window_state::{AppHandleExt, StateFlags};
                let _ = handle.save_window_state(StateFlags::all());
            }
            if let tauri::RunEvent::ExitRequested { .. } = event {
                // A secret must not outlive Keydesk on the clipboard. On ExitRequested, not
                // Exit: the clipboard plugin lets go of the clipboard on Exit before this
                // callback runs, and after that nothing can be read or cleared.
                clipboard::clear_at_exit(handle);
            }
        }),
        Err(err) => {
            eprintln!("keydesk: the window could not be opened: {err}");
            std::process::exit(1);
        }
    }
}

/// WebKitGTK composites pages with OpenGL by default. For a page of forms and lists that buys
/// nothing, and costs: where GL is software (llvmpipe: VMs, remote desktops, machines without
/// a GPU driver) Keydesk's first frame took ~450 ms (the page was built 350 ms after launch and
/// shown after 800), and the app with its WebKit processes held ~85 MiB more. Drawn on the
/// CPU, the first frame takes ~20 ms. Measured with timing marks under Xvfb; see BENCHMARKS.md
/// for the launch figures. Set before GTK starts; a value the person set themselves
/// (`WEBKIT_DISABLE_COMPOSITING_MODE=0` turns compositing back on) is kept.
fn prefer_cpu_rendering() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// One Keydesk per user: a second launch focuses the first window. Runs that name their own
/// data folder (KEYDESK_DATA_DIR: tests, a second profile) hold a separate store and may run
/// beside it.
fn single_instance_applies() -> bool {
    std::env::var_os(keydesk_core::store::DATA_DIR_ENV).is_none_or(|v| v.is_empty())
}

fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    // The page says so, so the person knows why nothing new opened.
    // A second launch can arrive before setup has registered the channel: then nobody listens.
    if let Some(events) = app.try_state::<events::PageEvents>() {
        events.send(events::PageEvent::SecondLaunch);
    }
}
