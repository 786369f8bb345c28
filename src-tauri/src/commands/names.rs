/// Every command the webview may call. build.rs generates an `allow-<command>` permission for
/// each; capabilities/main.json grants them; a test pins both against ui/*.js.
pub const COMMANDS: &[&str] = &[
    "app_status",
    "list_accounts",
    "create_account",
    "get_account",
    "update_contact",
    "update_billing",
    "list_countries",
    "list_credentials",
    "generate_credentials",
    "renew_secret",
    "delete_credentials",
    "verify_credentials",
    "copy_client_id",
    "copy_secret",
    "copy_secret_from_keyring",
    "list_activity",
];
