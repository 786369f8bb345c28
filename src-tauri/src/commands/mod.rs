//! One module per domain; each command is a thin call into keydesk-core.

pub mod accounts;
pub mod app;
pub mod contact;
pub mod names;
