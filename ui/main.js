// Start-up and navigation between the pages. Each page lives in its own module.

import { api } from './api.js';
import { renderAddAccount, renderHome, renderWelcome } from './accounts.js';
import { renderActivity } from './activity.js';
import { renderContactPage } from './contact.js';
import { forgetIssuedSecret, renderCredentials } from './credentials.js';
import { clear, el, showBanner } from './dom.js';
import { menuButton } from './menu.js';

const main = document.getElementById('main');
const switcher = document.getElementById('account-switcher');
const state = { accounts: [], countries: [], currentId: null };

function fatal(title, message, details) {
  document.querySelector('.ribbon-nav').hidden = true;
  clear(main).append(
    el('section', { class: 'card fatal', id: 'startup-error', role: 'alert' },
      el('h1', { text: title }),
      el('p', { id: 'startup-error-message', text: message }),
      details ? el('p', { class: 'muted', text: details }) : null,
    ),
  );
}

function fillSwitcher() {
  clear(switcher);
  for (const a of state.accounts) switcher.append(el('option', { value: String(a.id), text: a.company_name }));
  switcher.value = state.currentId === null ? '' : String(state.currentId);
  document.getElementById('account-switcher-wrap').hidden = state.accounts.length === 0;
}

async function refreshAccounts() {
  state.accounts = await api.listAccounts();
  fillSwitcher();
}

async function openAccount(id) {
  showBanner('');
  forgetIssuedSecret();
  const account = await api.getAccount(id);
  state.currentId = account.id;
  fillSwitcher();
  showContactPage(account);
  document.getElementById('page-heading')?.focus();
}

function showContactPage(account) {
  renderContactPage(main, account, {
    countries: state.countries,
    onSaved: async (updated, what) => {
      showContactPage(updated);
      await refreshAccounts();
      document.getElementById(what === 'Billing information' ? 'billing-block-edit' : 'contact-block-edit')?.focus();
    },
  });
  const activity = () => guard(renderActivity(document.getElementById('activity-section'), account.id));
  guard(renderCredentials(document.getElementById('credentials-section'), account.id, { onChanged: activity }));
}

function showHome() {
  forgetIssuedSecret();
  state.currentId = null;
  fillSwitcher();
  if (state.accounts.length === 0) renderWelcome(main, { onAdd: showAddAccount });
  else renderHome(main, state.accounts, { onOpen: (id) => guard(openAccount(id)), onAdd: showAddAccount });
}

function showAddAccount() {
  forgetIssuedSecret();
  renderAddAccount(main, {
    countries: state.countries,
    onCreated: async (account) => {
      await refreshAccounts();
      state.currentId = account.id;
      fillSwitcher();
      showContactPage(account);
    },
    onCancel: showHome,
  });
}

/// Failures outside a form (the store went away, a permission) go to the banner, never a blank page.
function guard(promise) {
  promise.catch((error) => showBanner(error.message || String(error)));
}

function wireRibbon() {
  menuButton(document.getElementById('preferences-button'), document.getElementById('preferences-list'));
  document.getElementById('menu-contact-information').addEventListener('click', () => {
    if (state.currentId !== null) guard(openAccount(state.currentId));
    else if (state.accounts.length > 0) guard(openAccount(state.accounts[0].id));
    else showHome();
  });
  document.getElementById('add-account-button').addEventListener('click', showAddAccount);
  switcher.addEventListener('change', () => guard(openAccount(Number(switcher.value))));
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href="#home"]');
    if (link) { event.preventDefault(); showHome(); }
  });
}

async function start() {
  const status = await api.appStatus();
  if (status.startup_error) {
    fatal('Keydesk could not open its store', status.startup_error.message, `Data folder: ${status.data_dir}`);
    return;
  }
  wireRibbon();
  [state.countries] = await Promise.all([api.listCountries(), refreshAccounts()]);
  if (state.accounts.length === 0) showHome();
  else await openAccount(state.accounts[0].id);
  document.body.dataset.ready = 'true';
}

start().catch((error) => fatal('Keydesk could not start', error.message || String(error)));
