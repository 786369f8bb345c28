// The one door to the Rust side. Every failure comes back as an ApiError {code, message, field}.

export class ApiError extends Error {
  constructor({ code, message, field }) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field ?? null;
  }
}

function toApiError(raw) {
  if (raw && typeof raw === 'object' && typeof raw.code === 'string') return new ApiError(raw);
  // Not our wire format: the IPC layer itself refused (a permission, a wrong argument type).
  return new ApiError({ code: 'ipc', message: String(raw) });
}

// The names of the commands called, newest last (at most 200; names only, never arguments):
// the end-to-end tests count the calls an action makes (issue 25: one per renew).
const called = [];
Object.defineProperty(window, '__keydeskCalls', { value: called });

async function call(command, args = {}) {
  if (called.length >= 200) called.shift();
  called.push(command);
  const tauri = window.__TAURI__;
  if (!tauri?.core?.invoke) throw new ApiError({ code: 'ipc', message: 'Keydesk must be opened as the desktop app.' });
  try {
    return await tauri.core.invoke(command, args);
  } catch (raw) {
    throw toApiError(raw);
  }
}

export const api = {
  appStatus: () => call('app_status'),
  myRights: () => call('my_rights'),
  testTeamStore: (team, password) => call('test_team_store', { team, password }),
  useStore: (team, password) => call('use_store', { team, password }),
  lifetimePolicy: (accountId) => call('lifetime_policy', { accountId }),
  lifetimePolicies: () => call('lifetime_policies'),
  setLifetimePolicy: (tag, maxDays) => call('set_lifetime_policy', { tag, maxDays }),
  listTechnicians: () => call('list_technicians'),
  listAlertChannels: () => call('list_alert_channels'),
  addAlertChannel: (form, smtpPassword) => call('add_alert_channel', { form, smtpPassword }),
  deleteAlertChannel: (channelId) => call('delete_alert_channel', { channelId }),
  testAlertChannel: (channelId) => call('test_alert_channel', { channelId }),
  addTechnician: (form, keepInKeyring) => call('add_technician', { form, keepInKeyring }),
  changeTechnician: (form) => call('change_technician', { form }),
  setTechnicianEnabled: (login, enabled) => call('set_technician_enabled', { login, enabled }),
  openFolder: (folder) => call('open_folder', { folder }),
  pageReady: () => call('page_ready'),
  quit: () => call('quit'),
  pageConstants: () => call('page_constants'),
  /// Events from Rust (see src-tauri/src/events.rs): `handler` gets each `{kind, …}`.
  subscribePageEvents: (handler) => {
    const channel = new window.__TAURI__.core.Channel();
    channel.onmessage = handler;
    return call('subscribe_page_events', { channel });
  },
  createAccount: (contact) => call('create_account', { contact }),
  getAccount: (accountId) => call('get_account', { accountId }),
  updateContact: (accountId, version, form) => call('update_contact', { accountId, version, form }),
  updateBilling: (accountId, version, form) => call('update_billing', { accountId, version, form }),
  listCountries: () => call('list_countries'),
  listCredentials: (accountId) => call('list_credentials', { accountId }),
  generateCredentials: (accountId, form, lifetime, storeInKeyring) => call('generate_credentials', { accountId, form, lifetime, storeInKeyring }),
  /// `lifetime` null: the current secret's lifetime again.
  renewSecret: (credentialId, grace, lifetime, storeInKeyring) => call('renew_secret', { credentialId, grace, lifetime, storeInKeyring }),
  deleteCredentials: (credentialId) => call('delete_credentials', { credentialId }),
  verifyCredentials: (clientId, secret) => call('verify_credentials', { clientId, secret }),
  copyClientId: (credentialId) => call('copy_client_id', { credentialId }),
  copySecret: (secret) => call('copy_secret', { secret }),
  copySecretFromKeyring: (credentialId) => call('copy_secret_from_keyring', { credentialId }),
  setResourceServer: (credentialId, resourceServer) => call('set_resource_server', { credentialId, resourceServer }),
  listActivity: (accountId) => call('list_activity', { accountId }),
  openAccount: (accountId) => call('open_account', { accountId }),
  lastOpenedAccount: () => call('last_opened_account'),
  searchAccounts: (query, offset, limit) => call('search_accounts', { query, offset, limit }),
  recentAccounts: () => call('recent_accounts'),
  setPinned: (accountId, pinned) => call('set_pinned', { accountId, pinned }),
  accountDeletionImpact: (accountId) => call('account_deletion_impact', { accountId }),
  deleteAccount: (accountId) => call('delete_account', { accountId }),
  getSettings: () => call('get_settings'),
  updateSettings: (settings) => call('update_settings', { settings }),
  tokenEndpointStatus: () => call('token_endpoint_status'),
  copyTokenEndpointExample: () => call('copy_token_endpoint_example'),
  credentialsHealth: (offset, limit) => call('credentials_health', { offset, limit }),
  healthBadge: () => call('health_badge'),
  /// `path` (from the save dialog or typed): iCalendar for a `.ics` name, CSV for a `.csv` one.
  exportExpiries: (path) => call('export_expiries', { path }),
  listAccountTags: (accountId) => call('list_account_tags', { accountId }),
  listTags: () => call('list_tags'),
  addAccountTag: (accountId, tag) => call('add_account_tag', { accountId, tag }),
  removeAccountTag: (accountId, tag) => call('remove_account_tag', { accountId, tag }),
  chooseFile: (purpose, suggestedName) => call('choose_file', { purpose, suggestedName }),
  previewImport: (path) => call('preview_import', { path }),
  commitImport: () => call('commit_import'),
  exportAccounts: (path, tag, accountIds) => call('export_accounts', { path, tag, accountIds }),
  exportActivity: (path, accountId, from, to) => call('export_activity', { path, accountId, from, to }),
  backupStatus: () => call('backup_status'),
  backUpNow: (path) => call('back_up_now', { path }),
  checkRestore: (path) => call('restore_backup', { path, confirmed: false }),
  restoreBackup: (path) => call('restore_backup', { path, confirmed: true }),
  bulkTargets: (accountIds, tag) => call('bulk_targets', { accountIds, tag }),
  runBulk: (accountIds, action) => call('run_bulk', { accountIds, action }),
};
