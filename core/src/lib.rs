//! Keydesk's domain: accounts with their contact and billing information, the rules their
//! fields follow, and the store that keeps them. No Tauri here: everything is tested with plain
//! `cargo test` against a real SQLite file.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod bulk;
pub mod credentials;
pub mod demo;
pub mod error;
pub mod keydesk;
pub mod logging;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod team;
pub mod team_store;
pub mod tokens;
pub mod transfer;
pub mod validation;
pub mod vault;

pub use accounts::{contact, search, selection, tags};
pub use clock::Clock;
pub use credentials::{client_auth, health, reminders};
pub use error::{Error, Result};
pub use keydesk::Keydesk;
pub use sea_orm::DbErr;
pub use store::{changes, clock, database_url, entities, migration, write};
pub use store::{Store, StoreLocation};
pub use transfer::{account_csv, activity_csv, backup, expiry_export, files, private_files};
