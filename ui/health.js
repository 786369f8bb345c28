// Credentials health (issue 16): across every account, the secrets that need attention, most
// urgent first, a page at a time; each row opens its account. The ribbon's badge counts the
// expired and expiring ones. The expiry dates go out as iCalendar or CSV.

import { api } from './api.js';
import { clear, el, toast } from './dom.js';
import { fromNow } from './credentials.js';

const PAGE = 50;
const day = (iso) => new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

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
    case 'grace': return `Stops working ${new Date(row.ends_at).toLocaleString()} (replaced by a renewal)`;
    case 'never_expires': return `Never expires · created ${day(row.created_at)}`;
    default: return row.last_used_at ? `Last used ${day(row.last_used_at)}` : `Never used · created ${day(row.created_at)}`;
  }
}

/// Refreshes the ribbon's badge: hidden at 0.
export async function refreshHealthBadge() {
  const badge = document.getElementById('health-badge');
  const button = document.getElementById('health-button');
  if (!badge || !button) return;
  const count = await api.healthBadge();
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

async function exportDates(format) {
  const done = await api.exportExpiries(format).catch((e) => toast(e.message));
  if (done) toast(`${done.count} expiry date${done.count === 1 ? '' : 's'} saved to ${done.path}`);
}

export async function renderHealth(main, { onOpen }) {
  const first = await api.credentialsHealth(0, PAGE);
  const list = el('ol', { class: 'health', id: 'health-list' });
  const more = el('button', { type: 'button', id: 'health-more', text: 'Show more' });
  let shown = 0;
  const add = (page) => {
    list.append(...page.rows.map((r) => healthRow(r, onOpen)));
    shown += page.rows.length;
    more.hidden = shown >= page.total;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { add(await api.credentialsHealth(shown, PAGE)); } catch (e) { toast(e.message); } finally { more.disabled = false; }
  });
  const counts = first.counts.filter(([, n]) => n > 0).map(([group, n]) => `${GROUP_LABELS[group]}: ${n}`);
  clear(main).append(el('section', { class: 'card health-page', 'aria-labelledby': 'page-heading' },
    el('h1', { id: 'page-heading', tabindex: '-1', text: 'Credentials health' }),
    el('p', { class: 'muted', id: 'health-summary', text: first.total === 0 ? 'Every secret is in order.' : counts.join(' · ') }),
    el('div', { class: 'actions start' },
      el('button', { type: 'button', id: 'export-ics', text: 'Export expiry dates (.ics)', onclick: () => exportDates('ics') }),
      el('button', { type: 'button', id: 'export-csv', text: 'Export expiry dates (.csv)', onclick: () => exportDates('csv') })),
    list,
    more,
  ));
  add(first);
}
