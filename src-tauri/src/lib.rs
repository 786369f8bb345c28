//! The Tauri shell: resolves where data lives, opens the store, registers the commands. No
//! business logic here; it lives in keydesk-core.

mod cli;
mod commands;
mod error;
mod state;

use tauri::Manager;

pub use commands::names::COMMANDS;
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
    if let Some(message) = cli::missing_display() {
        eprintln!("keydesk: {message}");
        std::process::exit(1);
    }

    let result = tauri::Builder::default()
        .setup(move |app| {
            let state = state::AppState::start(app.path().app_data_dir()?, &options);
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_status,
            commands::accounts::list_accounts,
            commands::accounts::create_account,
            commands::accounts::get_account,
            commands::contact::update_contact,
            commands::contact::update_billing,
            commands::contact::list_countries,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(err) = result {
        eprintln!("keydesk: the window could not be opened: {err}");
        std::process::exit(1);
    }
}
