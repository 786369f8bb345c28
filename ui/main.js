// Start-up and navigation between the pages. Each page lives in its own module.

import { openAboutDialog } from './about.js';
import { api } from './api.js';
import { renderAddAccount, renderHome, renderWelcome } from './accounts.js';
import { addActivityEntry, renderActivity } from './activity.js';
import { renderContactPage } from './contact.js';
import { renderCredentials, showTokenEndpoint } from './credentials.js';
import { confirmDialog } from './dialog.js';
import { refreshHealthBadge, renderHealth, showHealthBadge } from './health.js';
import { el, fill, named, showBanner, toast } from './dom.js';
import { menuButton } from './menu.js';
import { loadSettings, openSettingsDialog } from './settings.js';
import { leavePage, state } from './state.js';
import { openSwitcher } from './switcher.js';
import { renderTags } from './tags.js';
import { renderTeam } from './team.js';
import { renderTransfer } from './transfer.js';

const main = document.getElementById('main');

function fatal(title, message, details, action = null) {
  document.querySelector('.ribbon-nav').hidden = true;
  fill(main,
    el('section', { class: 'card fatal', id: 'startup-error', role: 'alert' },
      el('h1', { text: title }),
      el('p', { id: 'startup-error-message', text: message }),
      details ? el('p', { class: 'muted', text: details }) : null,
      action,
    ),
  );
}

/// A team store chosen in Settings that cannot be opened (a server down, a password changed)
/// must not lock the person out: this computer's store is one click away, as it was left.
function backToThisComputer() {
  const button = el('button', { type: 'button', class: 'primary', id: 'startup-use-local', text: 'Use this computer\u2019s store' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api.useStore(null, null);
      button.textContent = 'Restarting…';
    } catch (e) {
      button.disabled = false;
      fill(main, el('p', { role: 'alert', text: e.message }));
    }
  });
  return el('div', { class: 'actions start' }, button);
}

function showCurrent(account) {
  state.current = account;
  if (account) state.lastId = account.id;
  const current = document.getElementById('current-account');
  current.textContent = account ? account.contact.company_name : '';
  current.title = current.textContent; // The ribbon truncates a long name.
}

async function openAccount(id) {
  showBanner('');
  leavePage();
  const account = await api.openAccount(id);
  showContactPage(account);
  document.getElementById('page-heading')?.focus();
}

function showContactPage(account) {
  showCurrent(account);
  renderContactPage(main, account, {
    countries: state.countries,
    onSaved: (updated, blockId) => {
      showContactPage(updated);
      document.getElementById(`${blockId}-edit`)?.focus();
    },
    onPin: () => guard(togglePin(account)),
    onDelete: () => guard(deleteAccount(account)),
  });
  const tags = el('section', { id: 'tags-section', 'aria-labelledby': 'tags-title' });
  document.getElementById('credentials-section').before(tags);
  guard(renderTags(tags, account.id));
  const activity = () => guard(renderActivity(document.getElementById('activity-section'), account.id));
  const changed = () => { activity(); guard(refreshHealthBadge()); };
  const credentials = () => renderCredentials(document.getElementById('credentials-section'), account.id, { onChanged: changed });
  guard(credentials());
  followChange = (change) => followOnContactPage(account.id, change, credentials, changed);
}

/// What the page does with a change made elsewhere (`changed` page events): set by the page
/// on screen.
let followChange = null;
let redrawPending = false;

/// The page's own actions redraw what they change as they finish; what it follows here is
/// what it did not cause: a secret of a credential on this page used (its "last used", by the
/// token endpoint in this app or in another process) and a write by another process to the
/// store. Such a change redraws API CREDENTIALS and the activity once per burst. Never under the person's hands: not while a dialog is open or the generate
/// form holds typed text (the change shows with the next one, or when they act: the usual
/// conflict rule applies). The contact and billing blocks keep their own (versioned) edits.
function followOnContactPage(accountId, change, credentials, changed) {
  if (state.current?.id !== accountId) return;
  // A change made in this process brings its activity line: added as it is, no call.
  if (change.entry && change.account_id === accountId) {
    addActivityEntry(document.getElementById('activity-section'), change.entry);
  }
  if (change.action !== 'secret.used' && change.action !== 'store.changed_elsewhere') return;
  const section = document.getElementById('credentials-section');
  const ours = change.account_id === accountId
    || (change.account_id === null && (change.credential_id === null
      || section?.querySelector(`[data-credential-id="${change.credential_id}"]`)));
  if (!ours) {
    if (change.action !== 'secret.used') guard(refreshHealthBadge());
    return;
  }
  if (redrawPending) return;
  redrawPending = true;
  setTimeout(() => {
    redrawPending = false;
    if (state.current?.id !== accountId || !section?.isConnected) return;
    const typing = [...section.querySelectorAll('form input:not([type=checkbox]), form textarea')].some((i) => i.value !== '');
    if (document.querySelector('dialog[open]') || typing) { changed(); return; }
    const focused = document.activeElement?.id;
    // Drawing calls `changed` (activity, badge) itself.
    guard(credentials().then(() => { if (focused) document.getElementById(focused)?.focus(); }));
  }, 50);
}

async function togglePin(account) {
  await api.setPinned(account.id, !account.pinned);
  toast(named(account.contact.company_name), account.pinned ? ' unpinned' : ' pinned');
  showContactPage({ ...account, pinned: !account.pinned });
  document.getElementById('pin-account')?.focus();
}

async function deleteAccount(account) {
  const impact = await api.accountDeletionImpact(account.id);
  const sets = impact.credentials === 1 ? '1 set of API credentials' : `${impact.credentials} sets of API credentials`;
  confirmDialog({
    id: 'delete-account-dialog',
    title: 'Delete account',
    message: `Delete the account ${impact.company_name}? This removes its contact and billing information and its ${sets}, with their OS keyring entries; every platform using those credentials stops working.`,
    onYes: async () => {
      const complaints = await api.deleteAccount(account.id);
      toast(named(impact.company_name), complaints.length ? ` deleted; ${complaints.join('; ')}` : ' deleted');
      state.lastId = null;
      await showHome();
    },
  });
}

/// Home: every account, or those with `tag` (the filter above the list).
async function showHome(tag = '') {
  leavePage();
  showCurrent(null);
  const query = tag ? `#${tag}` : '';
  const [first, tags] = await Promise.all([api.searchAccounts(query, 0, 50), api.listTags()]);
  if (first.total === 0 && !tag) renderWelcome(main, { onAdd: showAddAccount, onImport: () => guard(showTransfer()) });
  else {
    renderHome(main, first, {
      onOpen: (id) => guard(openAccount(id)),
      onAdd: showAddAccount,
      onMore: (offset) => api.searchAccounts(query, offset, 50),
      tags,
      tag,
      onTag: (chosen) => guard(showHome(chosen)),
      onTransfer: () => guard(showTransfer()),
      onBulkDone: () => guard(showHome(tag)),
    });
  }
}

async function showTeam() {
  leavePage();
  showCurrent(null);
  await renderTeam(main);
  document.getElementById('page-heading')?.focus();
}

async function showTransfer() {
  leavePage();
  showCurrent(null);
  await renderTransfer(main, {});
}

function showAddAccount() {
  leavePage();
  renderAddAccount(main, {
    countries: state.countries,
    onCreated: (account) => guard(openAccount(account.id)),
    onCancel: () => guard(showHome()),
  });
}

/// Failures outside a form (the store went away, a permission) go to the banner, never a blank page.
function guard(promise) {
  promise.catch((error) => showBanner(error.message || String(error)));
}

/// What Rust tells the page (src-tauri/src/events.rs).
function onPageEvent(event) {
  // A second launch of Keydesk focuses this window (Rust does that) and says so here.
  if (event.kind === 'second_launch') toast('Keydesk is already open — here it is.');
  // The token endpoint left on in Settings started (or could not) after the page was drawn.
  if (event.kind === 'token_endpoint_changed') guard(showTokenEndpoint());
  // The reminders timer looked again: the badge follows the clock.
  if (event.kind === 'health_changed') guard(refreshHealthBadge());
  // Changes were made: the badge's new count comes with them.
  if (event.kind === 'health_badge') showHealthBadge(event.count);
  // A reminder notification was clicked.
  if (event.kind === 'open_account') guard(openAccount(event.account_id));
  // Something changed here, in another window or on the store from elsewhere.
  if (event.kind === 'changed') followChange?.(event);
}

async function showHealth() {
  showBanner('');
  leavePage();
  showCurrent(null);
  await renderHealth(main, { onOpen: (id) => guard(openAccount(id)) });
  document.getElementById('page-heading')?.focus();
}

function switcher() {
  openSwitcher({ onOpen: (id) => guard(openAccount(id)) });
}

function wireRibbon() {
  menuButton(document.getElementById('preferences-button'), document.getElementById('preferences-list'));
  document.getElementById('menu-contact-information').addEventListener('click', () => {
    if (state.lastId !== null) guard(openAccount(state.lastId));
    else switcher();
  });
  document.getElementById('menu-settings').addEventListener('click', () => openSettingsDialog(state.status));
  document.getElementById('menu-transfer').addEventListener('click', () => guard(showTransfer()));
  document.getElementById('menu-team').addEventListener('click', () => guard(showTeam()));
  document.getElementById('menu-about').addEventListener('click', () => openAboutDialog(state.status));
  document.getElementById('add-account-button').addEventListener('click', showAddAccount);
  document.getElementById('health-button').addEventListener('click', () => guard(showHealth()));
  document.getElementById('accounts-button').addEventListener('click', switcher);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      switcher();
    }
    // Ctrl+Q quits, as desktop apps on Linux and Windows do (macOS's Cmd+Q is the app menu's).
    if (event.ctrlKey && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'q') {
      event.preventDefault();
      api.quit();
    }
  });
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href="#home"]');
    if (link) { event.preventDefault(); guard(showHome()); }
  });
}

/// A team store's login, role and scope in the ribbon; a viewer is offered no action that
/// writes (styles.css hides `.writes`).
function showRights(rights) {
  document.body.dataset.mayWrite = String(rights.may_write);
  // What only a team's admins manage (alert channels): everyone on this computer's store.
  document.body.dataset.teamAdmin = String(!rights.team || rights.role === 'admin');
  const identity = document.getElementById('team-identity');
  if (!rights.team) return;
  const who = rights.display_name || rights.login;
  const scope = rights.all_accounts ? 'every account' : rights.tags.map((t) => `#${t}`).join(' ') || 'no accounts yet';
  identity.textContent = `${who} · ${rights.role ?? 'no role'} · ${scope}`;
  identity.title = `Signed in to the team store as ${rights.login}: ${rights.role ?? 'no role'}, ${scope}`;
  identity.hidden = false;
  // Preferences → Team: a team's admins only (the database refuses anyone else anyway).
  document.getElementById('menu-team-item').hidden = rights.role !== 'admin';
}

async function start() {
  const status = await api.appStatus();
  state.status = status;
  state.clockOffset = new Date(status.now) - Date.now();
  if (status.startup_error) {
    fatal('Keydesk could not open its store', status.startup_error.message, `Data folder: ${status.data_dir}`,
      status.team_store ? backToThisComputer() : null);
    return;
  }
  wireRibbon();
  await api.subscribePageEvents(onPageEvent);
  // Start-up asks for what it needs at once rather than one answer after another.
  let last;
  [state.countries, , last, state.rights] = await Promise.all([api.listCountries(), loadSettings(), api.lastOpenedAccount(), api.myRights()]);
  showRights(state.rights);
  // The account opened last reopens; a store never opened before shows its first account.
  const first = last ?? (await api.searchAccounts('', 0, 1)).hits[0]?.id;
  // The page first (it clears the banner), then the badge beside it.
  const page = first === undefined ? showHome() : openAccount(first);
  const badge = refreshHealthBadge().catch((e) => showBanner(e.message));
  await page;
  await badge;
  document.body.dataset.ready = 'true';
  // After the frame with real data is drawn (the benchmark's start-up mark).
  requestAnimationFrame(() => { api.pageReady().catch(() => {}); });
}

start().catch((error) => fatal('Keydesk could not start', error.message || String(error)));
