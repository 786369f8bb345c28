//! The names xtask's Windows pass (xtask/src/wine.rs) and the tests it runs share.

/// The Wine loader the pass runs Windows programs with (Debian: `/usr/lib/wine/wine64`).
pub const LOADER_VARIABLE: &str = "KEYDESK_XTASK_WINE";

/// The Windows installer the pass made (tests/installed_windows.rs installs it).
pub const SETUP_VARIABLE: &str = "KEYDESK_WINDOWS_SETUP";
