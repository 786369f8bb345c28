// Accounts: the welcome panel of an empty store, the Home list, and Add account.

import { api } from './api.js';
import { enableBulk } from './bulk.js';
import { add, el, fill, named, showBanner, toast } from './dom.js';
import { CONTACT_FIELDS, buildForm, focusFirstField } from './forms.js';
import { state } from './state.js';

export function renderWelcome(main, { onAdd, onImport }) {
  const add = el('button', { type: 'button', class: 'primary writes', id: 'welcome-add-account', text: 'Add account', onclick: onAdd });
  const importButton = onImport ? el('button', { type: 'button', class: 'writes', id: 'welcome-import', text: 'Import from CSV…', onclick: onImport }) : null;
  fill(main,
    el('section', { class: 'welcome card', id: 'welcome', 'aria-labelledby': 'welcome-title' },
      el('h1', { id: 'welcome-title', text: 'Welcome to Keydesk' }),
      el('p', { text: 'Keep each customer account’s contact and billing information, and its API credentials, in one place.' }),
      el('p', { class: 'muted', text: 'Start with the account you look after most. Only the company name and a contact name are needed.' }),
      el('div', { class: 'actions start' }, add, importButton),
    ),
  );
  add.focus();
}

/// The Home page: every account, one page at a time (never thousands of rows at once).
export function renderHome(main, firstPage, { onOpen, onAdd, onMore, tags = [], tag = '', onTag, onTransfer, onBulkDone }) {
  const row = (a) => el('li', {},
    el('button', { type: 'button', class: 'account-row', dataset: { accountId: String(a.id) }, onclick: () => onOpen(a.id) },
      el('span', { class: 'company', text: `${a.pinned ? '★ ' : ''}${a.company_name}` }),
      el('span', { class: 'muted', text: a.name }),
    ));
  const list = el('ul', { class: 'account-list', id: 'account-list' }, firstPage.hits.map(row));
  const count = el('p', { class: 'muted', id: 'account-count' });
  const more = el('button', { type: 'button', id: 'home-more', text: 'Show more' });
  let shown = firstPage.hits.length;
  const update = () => {
    count.textContent = `${firstPage.total} ${firstPage.total === 1 ? 'account' : 'accounts'}${tag ? ` tagged #${tag}` : ''}${shown < firstPage.total ? `, showing ${shown}` : ''} · Ctrl+K to search`;
    more.hidden = shown >= firstPage.total;
  };
  more.addEventListener('click', async () => {
    try {
      const page = await onMore(shown);
      add(list, ...page.hits.map(row));
      shown += page.hits.length;
      update();
    } catch (error) {
      showBanner(error.message);
    }
  });
  update();
  // Filter by tag: only when some account has one.
  const filter = tags.length === 0 ? null : el('div', { class: 'field inline' },
    el('label', { for: 'home-tag', text: 'Tag' }),
    el('select', { id: 'home-tag', onchange: (event) => onTag?.(event.target.value) },
      el('option', { value: '', text: 'All accounts' }),
      tags.map((t) => el('option', { value: t.tag, selected: t.tag === tag, text: `#${t.tag} (${t.accounts})` }))));
  fill(main,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('span', { 'aria-current': 'page', text: 'Home' })),
    el('h1', { text: 'Accounts' }),
    filter,
    count,
    list,
    el('div', { class: 'actions start' }, more, el('button', { type: 'button', class: 'primary writes', id: 'home-add-account', text: 'Add account', onclick: onAdd }),
      onTransfer ? el('button', { type: 'button', id: 'home-transfer', text: 'Import and export…', onclick: onTransfer }) : null,
      onBulkDone ? el('button', {
        type: 'button', class: 'writes', id: 'home-select', text: 'Select…',
        onclick: (event) => { event.target.hidden = true; enableBulk(list, { tag, onDone: onBulkDone }); list.querySelector('.bulk-check')?.focus(); },
      }) : null),
  );
  list.querySelector('button')?.focus();
}

/// On a team store a technician sees only the accounts carrying their tags, so a new account
/// gets one of them: the only one, or the one chosen when they hold several (issue 26).
function creatorsTag() {
  const { team, all_accounts: all, tags = [] } = state.rights;
  if (!team || all || tags.length === 0) return { fields: [], fixed: null };
  if (tags.length === 1) return { fields: [], fixed: tags[0] };
  return {
    fields: [{ key: 'tag', label: 'Tag', type: 'choice', choices: tags.map((t) => [t, `#${t}`]), hint: 'You see the accounts that carry your tags; the new account gets this one.' }],
    fixed: null,
  };
}

export function renderAddAccount(main, { countries, onCreated, onCancel }) {
  const tagging = creatorsTag();
  const form = buildForm({
    id: 'add-account-form',
    legend: 'Add account',
    fields: [...CONTACT_FIELDS, ...tagging.fields],
    countries,
    submitLabel: 'Add account',
    onSubmit: async ({ tag, ...contact }) => {
      const account = await api.createAccount(contact);
      const creators = tag ?? tagging.fixed;
      if (creators) await api.addAccountTag(account.id, creators);
      toast(named(account.contact.company_name), ' added');
      onCreated(account);
    },
    onCancel,
  });
  fill(main,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      el('a', { href: '#home', text: 'Home' }),
      el('span', { class: 'sep', 'aria-hidden': 'true', text: ' > ' }),
      el('span', { 'aria-current': 'page', text: 'Add account' }),
    ),
    el('h1', { text: 'Add account' }),
    el('p', { class: 'muted', text: 'Company name and name are required; the rest can be filled in later.' }),
    el('div', { class: 'card narrow' }, form),
  );
  focusFirstField(form);
}
