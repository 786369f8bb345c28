//! One module per domain for the commands that do more than call core (the clipboard, dialogs,
//! settings, a secret crossing); the ones that only pass through are generated from their line
//! in `list.rs`, where every command is declared once.

pub mod alerts;
pub mod app;
pub mod backup;
pub mod bulk;
pub mod contact;
pub mod credentials;
pub mod health;
pub mod settings;
pub mod team;
pub mod transfer;

// The types the generated commands take and answer with.
use keydesk_core::accounts::{AccountView, DeletionImpact};
use keydesk_core::alerts::ChannelView;
use keydesk_core::audit::ActivityEntry;
use keydesk_core::bulk::{BulkAction, BulkResult};
use keydesk_core::contact::{BillingForm, ContactForm};
use keydesk_core::credentials::CredentialView;
use keydesk_core::search::{AccountHit, SearchPage};
use keydesk_core::tags::TagUse;
use keydesk_core::team::{LifetimePolicy, Rights, Technician, TechnicianForm};
use tauri::State;

use crate::state::AppState;
use crate::WireError;

/// How many events the activity list shows.
const ACTIVITY_SHOWN: u64 = 50;
/// How many accounts the switcher offers before anything is typed.
const RECENT_SHOWN: u64 = 5;

/// What a generated command's core call is given: the store, or the store with the keyring.
macro_rules! context {
    (store, $state:ident) => {
        $state.store().await?
    };
    (keydesk, $state:ident) => {
        &$state.keydesk().await?
    };
}

macro_rules! commands {
    (
        $($module:ident::$name:ident),+ ;
        $(
            $(#[$doc:meta])*
            $pass:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty
                = $context:ident |$ctx:ident| $call:expr
        ),+ $(,)?
    ) => {
        /// Every command the webview may call.
        pub const COMMANDS: &[&str] = &[$(stringify!($name),)+ $(stringify!($pass)),+];

        $(
            $(#[$doc])*
            #[tauri::command]
            async fn $pass(
                state: State<'_, AppState>,
                $($arg: $ty),*
            ) -> Result<$out, WireError> {
                let $ctx = context!($context, state);
                Ok($call.await?)
            }
        )+

        /// The invoke handler for exactly those commands.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name,)+ $($pass),+]
        }
    };
}

include!("list.rs");
