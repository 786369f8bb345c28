// Preferences → Team (issue 26 item 5; admins of a team store only): the technicians — role,
// name, customers, whether they can log in, their last change — with Add technician (a login
// and a password shown once), Change and Disable; and the team's lifetime policies. The
// database decides who may: this page is offered to admins, and a refusal is shown as said.

import { api } from './api.js';
import { confirmDialog, openDialog } from './dialog.js';
import { el, fill, named, toast } from './dom.js';
import { buildForm, focusFirstField } from './forms.js';
import { dateTime } from './format.js';

const ROLES = [
  ['technician', 'Technician — reads and changes contact, billing and credentials'],
  ['viewer', 'Viewer — reads, changes nothing'],
  ['admin', 'Admin — every right, and this page'],
  ['endpoint', 'Token endpoint — the login keydesk-server uses'],
];
const ROLE_NAME = { admin: 'Admin', technician: 'Technician', viewer: 'Viewer', endpoint: 'Token endpoint' };

const customers = (t) => {
  if (t.all_accounts || t.role === 'admin' || t.role === 'endpoint') return 'Every account';
  if (t.tags.length === 0) return 'None yet';
  return t.tags.map((tag) => `#${tag}`).join(' ');
};

const technicianFields = ({ adding }) => [
  ...(adding ? [{ key: 'login', label: 'Login', required: true, hint: 'Their PostgreSQL login: lower-case letters, digits, _ . or -.' }] : []),
  { key: 'display_name', label: 'Name', required: true, autocomplete: 'name', hint: 'How the activity and the ribbon name them.' },
  { key: 'role', label: 'Role', type: 'choice', choices: ROLES },
  { key: 'all_accounts', label: 'Customers', type: 'choice', choices: [['false', 'Only the accounts tagged below'], ['true', 'Every account']] },
  { key: 'tags', label: 'Tags', hint: 'e.g. #eu #tier-1 — they see and act on the accounts carrying one of these.' },
  ...(adding ? [{ key: 'keep', label: 'Password', type: 'choice', choices: [['false', 'Show it once; I hand it over'], ['true', 'Show it once and keep it in this computer\u2019s keyring']] }] : []),
];

const formValue = (values, login) => ({
  login: login ?? values.login,
  display_name: values.display_name,
  role: values.role,
  all_accounts: values.all_accounts === 'true',
  tags: values.tags,
});

export async function renderTeam(main) {
  const [technicians, policies] = await Promise.all([api.listTechnicians(), api.lifetimePolicies()]);
  const refresh = async () => {
    const focused = document.activeElement?.id;
    await renderTeam(main);
    document.getElementById(focused)?.focus();
  };
  const addButton = el('button', { type: 'button', class: 'primary', id: 'team-add', text: 'Add technician' });
  addButton.addEventListener('click', () => openAddDialog(refresh));
  fill(main,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      el('a', { href: '#home', text: 'Home' }),
      el('span', { class: 'sep', 'aria-hidden': 'true', text: ' > ' }),
      el('span', { 'aria-current': 'page', text: 'Team' }),
    ),
    el('h1', { id: 'page-heading', tabindex: '-1', text: 'Team' }),
    el('section', { class: 'card', 'aria-labelledby': 'technicians-title' },
      el('h2', { class: 'section-title', id: 'technicians-title', text: 'TECHNICIANS' }),
      el('p', { class: 'muted', text: 'Each technician is a login on the team\u2019s PostgreSQL server; the server itself holds them to their role and customers.' }),
      el('div', { class: 'actions start' }, addButton),
      technicians.length === 0
        ? el('p', { class: 'empty', id: 'technicians-empty', text: 'No technicians yet. Add the first: they get a login and a password to type in Settings \u2192 Store.' })
        : technicianTable(technicians, refresh),
    ),
    policySection(policies, refresh),
  );
}

function technicianTable(technicians, refresh) {
  const head = ['Name', 'Login', 'Role', 'Customers', 'Status', 'Last change', 'Actions'];
  return el('div', { class: 'table-scroll' },
    el('table', { class: 'import-rows', id: 'technicians' },
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, technicians.map((t) => {
        const change = el('button', { type: 'button', class: 'change-technician', text: 'Change\u2026', 'aria-label': `Change ${t.display_name}` });
        change.addEventListener('click', () => openChangeDialog(t, refresh));
        const toggle = el('button', {
          type: 'button',
          class: t.can_log_in ? 'disable-technician danger' : 'enable-technician',
          text: t.can_log_in ? 'Disable' : 'Enable',
          'aria-label': `${t.can_log_in ? 'Disable' : 'Enable'} ${t.display_name}`,
        });
        toggle.addEventListener('click', () => confirmToggle(t, refresh));
        return el('tr', { dataset: { login: t.login } },
          el('td', { text: t.display_name }),
          el('td', { class: 'login', text: t.login }),
          el('td', { class: 'role', text: ROLE_NAME[t.role] ?? 'No Keydesk role' }),
          el('td', { class: 'customers', text: customers(t) }),
          el('td', { class: 'status', text: t.can_log_in ? 'Can log in' : 'Disabled' }),
          el('td', { text: t.last_activity ? dateTime(t.last_activity) : '\u2014' }),
          el('td', {}, el('div', { class: 'actions start' }, change, toggle)));
      })),
    ));
}

function openAddDialog(refresh) {
  let dialog = null;
  const form = buildForm({
    id: 'technician-form',
    legend: 'Add technician',
    fields: technicianFields({ adding: true }),
    submitLabel: 'Add technician',
    onSubmit: async (values) => {
      const added = await api.addTechnician(formValue(values), values.keep === 'true');
      showPassword(dialog, added, refresh);
    },
    onCancel: () => dialog.close(),
  });
  dialog = openDialog({ id: 'technician-dialog', title: 'Add technician', body: form });
  focusFirstField(form);
}

/// The password, once: selectable, copyable (the clipboard is cleared as for secrets), and
/// where it was kept. Closing the dialog drops it from the page.
function showPassword(dialog, added, refresh) {
  const t = added.technician;
  const password = el('input', { id: 'new-technician-password', readonly: true, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'new-technician-note', class: 'secret' });
  password.value = added.password;
  const copy = el('button', { type: 'button', id: 'new-technician-copy', text: 'Copy password' });
  copy.addEventListener('click', async () => {
    try {
      const copied = await api.copySecret(password.value);
      toast(`Password copied; the clipboard is cleared in ${copied.clears_in_seconds} s.`);
    } catch (error) {
      toast(error.message);
    }
  });
  const done = el('button', { type: 'button', class: 'primary', id: 'new-technician-done', text: 'Done' });
  done.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { password.value = ''; refresh(); });
  let kept = null;
  if (added.keyring) kept = el('p', { id: 'new-technician-keyring', text: `Also kept in this computer\u2019s keyring (${added.keyring}).` });
  if (added.keyring_error) kept = el('p', { id: 'new-technician-keyring', class: 'field-error', text: `Not kept in the keyring: ${added.keyring_error}. Copy it now.` });
  fill(dialog,
    el('h2', { id: 'technician-dialog-title', text: 'Technician added' }),
    el('p', { id: 'new-technician-summary' }, named(t.display_name), ` can log in as ${t.login}: ${ROLE_NAME[t.role] ?? 'no role'}, ${customers(t)}.`),
    el('div', { class: 'field' },
      el('label', { for: 'new-technician-password', text: 'Password (shown once)' }),
      el('div', { class: 'file-row' }, password, copy)),
    el('p', { class: 'hint', id: 'new-technician-note', text: 'They type it once in Preferences \u2192 Settings \u2192 Store, with their login; Keydesk keeps it in their OS keyring. Keydesk cannot show it again.' }),
    kept,
    el('div', { class: 'actions' }, done));
  password.focus();
  password.select();
}

function openChangeDialog(technician, refresh) {
  let dialog = null;
  const form = buildForm({
    id: 'technician-form',
    legend: `Change ${technician.display_name}`,
    fields: technicianFields({ adding: false }),
    values: {
      display_name: technician.display_name,
      role: technician.role ?? 'viewer',
      all_accounts: String(technician.all_accounts),
      tags: technician.tags.map((tag) => `#${tag}`).join(' '),
    },
    onSubmit: async (values) => {
      await api.changeTechnician(formValue(values, technician.login));
      dialog.close();
      toast(named(technician.display_name), '\u2019s rights changed');
      await refresh();
    },
    onCancel: () => dialog.close(),
  });
  dialog = openDialog({ id: 'technician-dialog', title: `Change ${technician.login}`, body: form });
  focusFirstField(form);
}

function confirmToggle(t, refresh) {
  const enabling = !t.can_log_in;
  confirmDialog({
    id: 'technician-toggle',
    title: enabling ? 'Enable technician' : 'Disable technician',
    message: enabling
      ? `${t.display_name} (${t.login}) may log in again, with their password as it was.`
      : `${t.display_name} (${t.login}) can no longer log in, and any Keydesk they have open loses the store now. Their activity stays.`,
    onYes: async () => {
      await api.setTechnicianEnabled(t.login, enabling);
      toast(named(t.display_name), enabling ? ' may log in again' : ' is disabled');
      await refresh();
    },
  });
}

function policySection(policies, refresh) {
  const list = policies.length === 0
    ? el('p', { class: 'empty', id: 'policies-empty', text: 'No policy: each technician chooses a secret\u2019s lifetime.' })
    : el('ul', { id: 'policies' }, policies.map((p) => {
      const lift = el('button', { type: 'button', class: 'lift-policy', text: 'Lift', 'aria-label': `Lift the policy on #${p.tag}` });
      lift.addEventListener('click', async () => {
        await api.setLifetimePolicy(p.tag, null).catch((e) => toast(e.message));
        await refresh();
      });
      return el('li', { dataset: { tag: p.tag } }, `Accounts tagged #${p.tag}: secrets live at most ${p.max_days} days `, lift);
    }));
  const form = buildForm({
    id: 'policy-form',
    legend: 'Set a lifetime policy',
    fields: [
      { key: 'tag', label: 'Tag', required: true, hint: 'e.g. #bank' },
      { key: 'max_days', label: 'Secrets live at most (days)', type: 'number', required: true },
    ],
    submitLabel: 'Set policy',
    onSubmit: async (values) => {
      await api.setLifetimePolicy(values.tag, Number(values.max_days));
      toast('Policy set: Generate and Renew follow it from now on');
      await refresh();
    },
  });
  return el('section', { class: 'card', 'aria-labelledby': 'policies-title' },
    el('h2', { class: 'section-title', id: 'policies-title', text: 'LIFETIME POLICIES' }),
    el('p', { class: 'muted', text: 'The strictest policy among an account\u2019s tags applies; the server refuses a longer secret from any client.' }),
    list,
    form);
}
