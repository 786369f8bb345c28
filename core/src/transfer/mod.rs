//! Files in and out: accounts as CSV (import and export), activity and expiry dates as CSV or
//! iCalendar, backups of the store, and the rules for the files a person names. Re-exported at
//! the crate's root under their own names (`keydesk_core::account_csv`, …).

pub mod account_csv;
pub mod activity_csv;
pub mod backup;
pub mod expiry_export;
pub mod files;
pub mod private_files;
