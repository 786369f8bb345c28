//! sea-orm entities, one file a table. The schema itself lives in `migration/`.

pub mod access_token;
pub mod account;
pub mod account_search;
pub mod audit_event;
pub mod billing;
pub mod contact;
pub mod credential;
pub mod credential_secret;
