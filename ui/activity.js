// The account's activity, newest first; each event's label comes from Rust. Events never hold
// a secret.

import { api } from './api.js';
import { clear, el } from './dom.js';

export async function renderActivity(slot, accountId) {
  const entries = await api.listActivity(accountId);
  clear(slot).append(
    el('h2', { class: 'section-title', id: 'activity-title', text: 'ACTIVITY' }),
    entries.length === 0
      ? el('p', { class: 'muted', text: 'Nothing has happened yet.' })
      : el('ol', { class: 'activity', id: 'activity' }, entries.map((e) => el('li', { dataset: { action: e.action } },
        el('time', { datetime: e.at, text: new Date(e.at).toLocaleString() }),
        el('span', { class: 'what', text: e.label }),
        // Who: events from before Keydesk recorded it read "—".
        el('span', { class: 'muted who', text: e.actor ?? '—' }),
        e.detail ? el('span', { class: 'muted detail', text: e.detail }) : null,
      ))),
  );
}
