// Page state in one place. Pages read it; `leavePage` (called by every navigation in main.js)
// resets what belongs to the page being left, so no page has to remember to forget.

export const state = {
  /// From Rust at start (`page_constants`): the Renew grace choices, the settings' defaults.
  constants: { grace_choices: [], default_settings: {} },
  /// The saved settings (the defaults until loaded).
  settings: {},
  countries: [],
  /// What `app_status` said at start (folders, store).
  status: null,
  /// The store clock minus this machine's (0 unless a debug build's test moved the store's).
  clockOffset: 0,
  /// The account on screen; `lastId` the one opened last (Home has none on screen).
  current: null,
  lastId: null,
  /// The secret just generated or renewed: shown once, on this page view only. Never stored.
  issued: null,
  /// The in-app token endpoint's status as read last (`token_endpoint_status`); read again
  /// when Rust says it changed or Settings are saved.
  tokenEndpoint: null,
  /// What this login may do on the store (`my_rights`): every right on this computer's store.
  rights: { team: false, may_write: true },
};

export function leavePage() {
  state.issued = null;
}
