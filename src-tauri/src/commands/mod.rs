//! One module per domain; each command is a thin call into keydesk-core.

pub mod accounts;
pub mod activity;
pub mod app;
pub mod contact;
pub mod credentials;
pub mod names;
pub mod settings;
