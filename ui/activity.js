// The account's activity, newest first; each event's label comes from Rust. Events never hold
// a secret.

import { api } from './api.js';
import { openDialog } from './dialog.js';
import { el, fill } from './dom.js';
import { fileField, today } from './files.js';
import { dateTime } from './format.js';

export async function renderActivity(slot, accountId) {
  const entries = await api.listActivity(accountId);
  const exportButton = el('button', { type: 'button', id: 'activity-export', text: 'Export CSV…', onclick: () => exportDialog(accountId) });
  fill(slot,
    el('div', { class: 'section-head' },
      el('h2', { class: 'section-title', id: 'activity-title', text: 'ACTIVITY' }),
      exportButton),
    entries.length === 0
      ? el('p', { class: 'muted', id: 'activity-empty', text: 'Nothing has happened yet.' })
      : el('ol', { class: 'activity', id: 'activity' }, entries.map(entryLine)),
  );
}

/// What tells two lines apart when the same line arrives twice (a change event and a read).
const lineKey = (e) => `${e.at}|${e.action}|${e.detail}`;

function entryLine(e) {
  return el('li', { dataset: { action: e.action, key: lineKey(e) } },
    el('time', { datetime: e.at, text: dateTime(e.at) }),
    el('span', { class: 'what', text: e.label }),
    // Who: events from before Keydesk recorded it read "—".
    el('span', { class: 'muted who', text: e.actor ?? '—' }),
    e.detail ? el('span', { class: 'muted detail', text: e.detail }) : null,
  );
}

/// Puts an activity line just recorded (a change event's `entry`) at the top of the list the
/// page shows, without asking the store again.
export function addActivityEntry(slot, entry) {
  if (!slot) return;
  let list = slot.querySelector('#activity');
  if (!list) {
    list = el('ol', { class: 'activity', id: 'activity' });
    slot.querySelector('#activity-empty')?.replaceWith(list);
    if (!list.isConnected) return; // The section was not drawn yet: its own read includes it.
  }
  const key = lineKey(entry);
  if ([...list.children].some((li) => li.dataset.key === key)) return;
  list.prepend(entryLine(entry));
}

/// The account's whole activity to a CSV file.
function exportDialog(accountId) {
  const file = fileField({ id: 'activity-csv-path', label: 'Save as', purpose: 'save_csv', suggestedName: `keydesk-activity-${accountId}-${today()}.csv` });
  const save = el('button', { type: 'button', class: 'primary', id: 'activity-csv-save', text: 'Export' });
  const cancel = el('button', { type: 'button', id: 'activity-csv-cancel', text: 'Cancel' });
  const result = el('p', { id: 'activity-csv-result', role: 'status' });
  const dialog = openDialog({
    id: 'activity-csv-dialog',
    title: 'Export activity',
    body: [
      el('p', { class: 'muted', text: 'All of this account’s activity as CSV: times in ISO 8601 with their offset, who, what. Never a secret.' }),
      file.node, result, el('div', { class: 'actions' }, cancel, save),
    ],
  });
  cancel.addEventListener('click', () => dialog.close());
  save.addEventListener('click', async () => {
    file.showError('');
    try {
      const done = await api.exportActivity(file.path(), accountId, null, null);
      result.textContent = `Wrote ${done.rows} ${done.rows === 1 ? 'event' : 'events'} to ${done.path}.`;
      cancel.textContent = 'Close';
      cancel.focus();
    } catch (e) {
      file.showError(e.message);
    }
  });
  file.input.focus();
}
