// Every command the webview may call, declared once. From this list follow: the handler the
// app registers (`commands::handler`), the command names (`COMMANDS`), their `allow-<command>`
// permissions and the capability file that grants exactly those (both written by build.rs),
// and the contract test that ui/api.js calls exactly these.
//
// Adding a command: its core function, one line here, one line in ui/api.js. A command that
// only passes its arguments to core is written below the `;` as one line — `name(args) -> Out
// = store |s| core call` (or `keydesk |k|` for the store with the keyring) — and its wrapper
// is generated from it. A command that does more (the clipboard, dialogs, settings, a secret
// crossing) is written in `commands/<domain>.rs` and named above the `;`.
commands! {
    app::app_status,
    app::page_ready,
    app::quit,
    app::page_constants,
    app::subscribe_page_events,
    app::open_folder,
    contact::list_countries,
    credentials::generate_credentials,
    credentials::renew_secret,
    credentials::delete_credentials,
    credentials::verify_credentials,
    credentials::copy_client_id,
    credentials::copy_secret,
    credentials::copy_secret_from_keyring,
    settings::get_settings,
    settings::update_settings,
    settings::token_endpoint_status,
    settings::copy_token_endpoint_example,
    settings::test_team_store,
    settings::use_store,
    health::credentials_health,
    health::health_badge,
    health::export_expiries,
    transfer::choose_file,
    transfer::preview_import,
    transfer::commit_import,
    transfer::export_accounts,
    transfer::export_activity,
    backup::backup_status,
    backup::back_up_now,
    backup::restore_backup,
    bulk::bulk_targets,
    team::add_technician,
    alerts::add_alert_channel;

    create_account(contact: ContactForm, billing: Option<BillingForm>) -> AccountView
        = store |s| keydesk_core::accounts::create_account(s, &contact, &billing.unwrap_or_default()),
    get_account(account_id: i32) -> AccountView
        = store |s| keydesk_core::accounts::get_account(s, account_id),
    /// Opens an account and remembers it as the most recent (it reopens at the next start).
    open_account(account_id: i32) -> AccountView
        = store |s| keydesk_core::accounts::open_account(s, account_id),
    last_opened_account() -> Option<i32>
        = store |s| keydesk_core::accounts::last_opened_account(s),
    search_accounts(query: String, offset: u64, limit: u64) -> SearchPage
        = store |s| keydesk_core::search::search_accounts(s, &query, offset, limit),
    recent_accounts() -> Vec<AccountHit>
        = store |s| keydesk_core::search::recent_accounts(s, RECENT_SHOWN),
    set_pinned(account_id: i32, pinned: bool) -> ()
        = store |s| keydesk_core::accounts::set_pinned(s, account_id, pinned),
    account_deletion_impact(account_id: i32) -> DeletionImpact
        = store |s| keydesk_core::accounts::deletion_impact(s, account_id),
    /// Returns the OS keyring's complaints, if any entry could not be removed.
    delete_account(account_id: i32) -> Vec<String>
        = keydesk |k| keydesk_core::accounts::delete_account(k, account_id),
    update_contact(account_id: i32, version: i32, form: ContactForm) -> AccountView
        = store |s| keydesk_core::accounts::update_contact(s, account_id, version, &form),
    update_billing(account_id: i32, version: i32, form: BillingForm) -> AccountView
        = store |s| keydesk_core::accounts::update_billing(s, account_id, version, &form),
    list_account_tags(account_id: i32) -> Vec<String>
        = store |s| keydesk_core::tags::account_tags(s, account_id),
    /// Every tag in use with its number of accounts: suggestions and the Home filter.
    list_tags() -> Vec<TagUse>
        = store |s| keydesk_core::tags::all_tags(s),
    add_account_tag(account_id: i32, tag: String) -> Vec<String>
        = store |s| keydesk_core::tags::add_tag(s, account_id, &tag),
    remove_account_tag(account_id: i32, tag: String) -> Vec<String>
        = store |s| keydesk_core::tags::remove_tag(s, account_id, &tag),
    list_activity(account_id: i32) -> Vec<ActivityEntry>
        = store |s| keydesk_core::audit::list_activity(s, account_id, ACTIVITY_SHOWN),
    list_credentials(account_id: i32) -> Vec<CredentialView>
        = store |s| keydesk_core::credentials::list_credentials(s, account_id),
    /// Whether the credential's holder may introspect other clients' tokens (a resource server).
    set_resource_server(credential_id: i32, resource_server: bool) -> CredentialView
        = store |s| keydesk_core::credentials::set_resource_server(s, credential_id, resource_server),
    /// The team's maximum secret lifetime for this account (its strictest tag's), if any.
    lifetime_policy(account_id: i32) -> Option<LifetimePolicy>
        = store |s| keydesk_core::team::lifetime_policy(s, account_id),
    /// What the login that opened the store may do there (a team store's role and scope).
    my_rights() -> Rights
        = store |s| keydesk_core::team::my_rights(s),
    /// A team store's technicians (Preferences → Team; the database answers admins only).
    list_technicians() -> Vec<Technician>
        = store |s| keydesk_core::team::list_technicians(s),
    change_technician(form: TechnicianForm) -> Technician
        = store |s| keydesk_core::team::change_technician(s, &form),
    /// Disables a technician (no login, sessions ended) or enables them again.
    set_technician_enabled(login: String, enabled: bool) -> Technician
        = store |s| keydesk_core::team::set_technician_enabled(s, &login, enabled),
    /// The team's lifetime policies, and setting one (None lifts it; admins only).
    lifetime_policies() -> Vec<LifetimePolicy>
        = store |s| keydesk_core::team::lifetime_policies(s),
    set_lifetime_policy(tag: String, max_days: Option<i32>) -> ()
        = store |s| keydesk_core::team::set_lifetime_policy(s, &tag, max_days),
    /// Settings → Alerts: the store's channels with their state (the Health page shows it too).
    list_alert_channels() -> Vec<ChannelView>
        = store |s| keydesk_core::alerts::list_channels(s),
    delete_alert_channel(channel_id: i32) -> ()
        = store |s| keydesk_core::alerts::delete_channel(s, channel_id),
    /// One test message on the channel now; says what came back.
    test_alert_channel(channel_id: i32) -> String
        = store |s| keydesk_core::alerts::send_test(s, channel_id, &keydesk_core::alerts::Courier::new().with_smtp_passwords(keydesk_core::alerts::SmtpPasswords::Keyring)),
    /// Runs one action on each account; the result says per account what happened.
    run_bulk(account_ids: Vec<i32>, action: BulkAction) -> Vec<BulkResult>
        = keydesk |k| keydesk_core::bulk::run_bulk(k, &account_ids, &action),
}
