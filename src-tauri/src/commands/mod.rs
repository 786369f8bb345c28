//! One module per domain; each command is a thin call into keydesk-core. The commands
//! themselves are declared once, in `list.rs`.

pub mod accounts;
pub mod activity;
pub mod app;
pub mod backup;
pub mod bulk;
pub mod contact;
pub mod credentials;
pub mod health;
pub mod settings;
pub mod tags;
pub mod transfer;

macro_rules! commands {
    ($($module:ident::$name:ident),+ $(,)?) => {
        /// Every command the webview may call.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),+];

        /// The invoke handler for exactly those commands.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),+]
        }
    };
}

include!("list.rs");
