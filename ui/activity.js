// The account's activity, newest first. Events never hold a secret.

import { api } from './api.js';
import { clear, el } from './dom.js';

const LABELS = {
  'account.created': 'Account created',
  'contact.updated': 'Contact information updated',
  'billing.updated': 'Billing information updated',
  'credential.generated': 'Credentials generated',
  'credential.renewed': 'Secret renewed',
  'credential.deleted': 'Credentials deleted',
  'keyring.stored': 'Secret stored in the OS keyring',
  'keyring.removed': 'Secret removed from the OS keyring',
};

export async function renderActivity(slot, accountId) {
  const entries = await api.listActivity(accountId);
  clear(slot).append(
    el('h2', { class: 'section-title', id: 'activity-title', text: 'ACTIVITY' }),
    entries.length === 0
      ? el('p', { class: 'muted', text: 'Nothing has happened yet.' })
      : el('ol', { class: 'activity', id: 'activity' }, entries.map((e) => el('li', { dataset: { action: e.action } },
        el('time', { datetime: e.at, text: new Date(e.at).toLocaleString() }),
        el('span', { class: 'what', text: LABELS[e.action] ?? e.action }),
        e.detail ? el('span', { class: 'muted detail', text: e.detail }) : null,
      ))),
  );
}
