// Credentials health (issue 16): across every account, the secrets that need attention, most
// urgent first, a page at a time; each row opens its account. The ribbon's badge counts the
// expired and expiring ones. The expiry dates go out as iCalendar or CSV.

import { api } from './api.js';
import { alertStates } from './alerts.js';
import { add, el, fill, toast } from './dom.js';
import { dateTime, day, fromNow } from './format.js';
import { fileField, today } from './files.js';

const PAGE = 50;

const GROUP_LABELS = {
  expired: 'Expired',
  expiring: 'Expiring soon',
  grace: 'Old secret in a grace period',
  never_expires: 'Never expires',
  unused: 'Unused for 90+ days',
};

function why(row) {
  switch (row.attention) {
    case 'expired': return `Expired on ${day(row.ends_at)} (${fromNow(row.ends_at)})`;
    case 'expiring': return `Expires ${day(row.ends_at)} · ${fromNow(row.ends_at)}`;
    case 'grace': return `Stops working ${dateTime(row.ends_at)} (replaced by a renewal)`;
    case 'never_expires': return `Never expires · created ${day(row.created_at)}`;
    default: return row.last_used_at ? `Last used ${day(row.last_used_at)}` : `Never used · created ${day(row.created_at)}`;
  }
}

/// Refreshes the ribbon's badge: hidden at 0.
export async function refreshHealthBadge() {
  showHealthBadge(await api.healthBadge());
}

/// The ribbon's badge at `count` (also sent by Rust after each burst of changes).
export function showHealthBadge(count) {
  const badge = document.getElementById('health-badge');
  const button = document.getElementById('health-button');
  if (!badge || !button) return;
  badge.textContent = String(count);
  badge.hidden = count === 0;
  button.setAttribute('aria-label', count === 0
    ? 'Credentials health'
    : `Credentials health, ${count} ${count === 1 ? 'secret needs' : 'secrets need'} attention`);
}

function healthRow(row, onOpen) {
  return el('li', { class: `health-row ${row.attention}`, dataset: { accountId: String(row.account_id), attention: row.attention } },
    el('span', { class: `reason ${row.attention}`, text: GROUP_LABELS[row.attention] }),
    el('span', { class: 'who' },
      el('strong', { class: 'company', text: row.company_name }),
      ' — ',
      el('span', { class: 'application', text: row.application })),
    el('span', { class: 'muted' }, 'Client ID ', el('code', { class: 'client-id mono', text: row.client_id }), ` · secret ••••${row.hint}`),
    el('span', { class: 'why', text: why(row) }),
    el('button', { type: 'button', class: 'open-account', text: 'Open account', 'aria-label': `Open ${row.company_name}`, onclick: () => onOpen(row.account_id) }),
  );
}

/// Where the expiry dates go: a file chosen with the OS's save dialog (or typed); its extension
/// says the format, and the format select keeps the two in step.
function exportSection() {
  const format = el('select', { id: 'expiry-format' },
    el('option', { value: 'ics', text: 'iCalendar (.ics), for a calendar' }),
    el('option', { value: 'csv', text: 'CSV (.csv), for a spreadsheet or PSA' }));
  const name = () => `keydesk-secret-expiries-${today()}.${format.value}`;
  const file = fileField({ id: 'expiry-path', label: 'Save as', purpose: 'save_expiries', suggestedName: name });
  format.addEventListener('change', () => {
    const typed = file.path();
    if (/\.(ics|csv)$/i.test(typed)) file.input.value = typed.replace(/\.(ics|csv)$/i, `.${format.value}`);
  });
  file.input.addEventListener('input', () => {
    file.showError(null);
    const ext = /\.(ics|csv)$/i.exec(file.path());
    if (ext) format.value = ext[1].toLowerCase();
  });
  const result = el('p', { id: 'expiry-export-result', role: 'status' });
  const button = el('button', { type: 'button', class: 'primary', id: 'export-expiries-button', text: 'Export' });
  button.addEventListener('click', async () => {
    file.showError(null);
    result.textContent = '';
    button.disabled = true;
    try {
      const done = await api.exportExpiries(file.path());
      result.textContent = `${done.rows} expiry date${done.rows === 1 ? '' : 's'} saved to ${done.path}`;
    } catch (e) {
      if (e.field === 'path') { file.showError(e.message); file.input.focus(); } else toast(e.message);
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { class: 'export-expiries', id: 'expiry-export-section', 'aria-labelledby': 'expiry-export-title' },
    el('h2', { class: 'section-title', id: 'expiry-export-title', text: 'EXPORT EXPIRY DATES' }),
    el('p', { class: 'muted', text: 'Every live secret\'s end date, for a calendar (an event with a reminder at the warning window) or a spreadsheet. No secret is written.' }),
    el('div', { class: 'field' }, el('label', { for: 'expiry-format', text: 'Format' }), format),
    file.node,
    el('div', { class: 'actions start' }, button),
    result);
}

export async function renderHealth(main, { onOpen }) {
  const [first, alerts] = await Promise.all([api.credentialsHealth(0, PAGE), alertStates()]);
  const list = el('ol', { class: 'health', id: 'health-list' });
  const more = el('button', { type: 'button', id: 'health-more', text: 'Show more' });
  let shown = 0;
  const addPage = (page) => {
    add(list, ...page.rows.map((r) => healthRow(r, onOpen)));
    shown += page.rows.length;
    more.hidden = shown >= page.total;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { addPage(await api.credentialsHealth(shown, PAGE)); } catch (e) { toast(e.message); } finally { more.disabled = false; }
  });
  // A group counted only up to its cap reads "1,000+".
  const counts = first.counts.filter(([, n]) => n > 0)
    .map(([group, n]) => `${GROUP_LABELS[group]}: ${n.toLocaleString('en-US')}${first.capped.includes(group) ? '+' : ''}`);
  fill(main, el('section', { class: 'card health-page', 'aria-labelledby': 'page-heading' },
    el('h1', { id: 'page-heading', tabindex: '-1', text: 'Credentials health' }),
    el('p', { class: 'muted', id: 'health-summary', text: first.total === 0 ? 'Every secret is in order.' : counts.join(' · ') }),
    alerts,
    list,
    more,
    exportSection(),
  ));
  addPage(first);
}
