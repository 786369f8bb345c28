// Work across several accounts on Home: tick them (or take every account with the tag the
// list is filtered by), then export them, add or remove a tag, or delete them — one
// confirmation listing what will happen, then a result per account (done / refused and why).

import { api } from './api.js';
import { openDialog } from './dialog.js';
import { el, toast } from './dom.js';
import { fileField, today } from './files.js';

/// Turns on selection in the Home list `list`; `tag` is the list's filter ('' for none).
export function enableBulk(list, { tag, onDone }) {
  const selected = new Map(); // id → company name
  const count = el('span', { id: 'bulk-count', role: 'status', text: 'None selected' });
  const buttons = [
    el('button', { type: 'button', id: 'bulk-export', text: 'Export…', onclick: () => exportSelected() }),
    el('button', { type: 'button', id: 'bulk-add-tag', text: 'Add tag…', onclick: () => tagDialog('add_tag') }),
    el('button', { type: 'button', id: 'bulk-remove-tag', text: 'Remove tag…', onclick: () => tagDialog('remove_tag') }),
    el('button', { type: 'button', id: 'bulk-delete', class: 'danger', text: 'Delete…', onclick: () => deleteDialog() }),
  ];
  const all = tag ? el('button', { type: 'button', id: 'bulk-select-tag', text: `Select every account tagged #${tag}` }) : null;
  all?.addEventListener('click', async () => {
    for (const t of await api.bulkTargets(null, tag)) selected.set(t.id, t.company_name);
    for (const box of list.querySelectorAll('.bulk-check')) box.checked = true;
    update();
  });
  const bar = el('div', { class: 'bulk-bar', id: 'bulk-bar', role: 'toolbar', 'aria-label': 'Selected accounts' }, count, all, buttons);
  const update = () => {
    count.textContent = selected.size ? `${selected.size} selected` : 'None selected';
    for (const b of buttons) b.disabled = selected.size === 0;
  };
  const addBox = (li) => {
    const row = li.querySelector('.account-row');
    if (!row || li.querySelector('.bulk-check')) return;
    const id = Number(row.dataset.accountId);
    const name = row.querySelector('.company').textContent.replace(/^★ /, '');
    const box = el('input', { type: 'checkbox', class: 'bulk-check', 'aria-label': `Select ${name}`, dataset: { accountId: String(id) } });
    box.checked = selected.has(id);
    box.addEventListener('change', () => {
      if (box.checked) selected.set(id, name); else selected.delete(id);
      update();
    });
    li.prepend(box);
  };
  list.classList.add('selecting');
  list.querySelectorAll('li').forEach(addBox);
  new MutationObserver(() => list.querySelectorAll('li').forEach(addBox)).observe(list, { childList: true });
  list.before(bar);
  update();

  const targets = () => [...selected.entries()].map(([id, name]) => ({ id, company_name: name }))
    .sort((a, b) => a.company_name.localeCompare(b.company_name));
  const listing = (items) => el('ul', { class: 'bulk-list', id: 'bulk-confirm-list' }, items.map((t) => el('li', { text: t.company_name })));

  function confirmAndRun({ title, message, extra = [], yes, run }) {
    const items = targets();
    const error = el('p', { class: 'form-error', id: 'bulk-confirm-error', role: 'alert', hidden: true });
    const go = el('button', { type: 'button', class: 'primary', id: 'bulk-confirm-yes', text: yes });
    const no = el('button', { type: 'button', id: 'bulk-confirm-no', text: 'Cancel' });
    const dialog = openDialog({
      id: 'bulk-confirm',
      title,
      body: [el('p', { id: 'bulk-confirm-text', text: message(items.length) }), ...extra, listing(items), error, el('div', { class: 'actions' }, no, go)],
    });
    no.addEventListener('click', () => dialog.close());
    go.addEventListener('click', async () => {
      go.disabled = true;
      error.hidden = true;
      try {
        const results = await run(items.map((t) => t.id));
        dialog.close();
        if (results) showResults(title, results);
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
        go.disabled = false;
      }
    });
    return dialog;
  }

  function showResults(title, results) {
    const done = results.filter((r) => r.done).length;
    const close = el('button', { type: 'button', class: 'primary', id: 'bulk-results-close', text: 'Close' });
    const dialog = openDialog({
      id: 'bulk-results',
      title: `${title}: ${done} done, ${results.length - done} refused`,
      body: [
        el('ul', { class: 'bulk-list', id: 'bulk-results-list' }, results.map((r) => el('li', { dataset: { done: String(r.done) } },
          el('strong', { text: r.company_name }), ` — ${r.done ? 'done' : 'not done'}: ${r.outcome}`))),
        el('div', { class: 'actions' }, close),
      ],
      onClose: () => onDone?.(),
    });
    close.addEventListener('click', () => dialog.close());
    close.focus();
  }

  async function tagDialog(kind) {
    const known = await api.listTags();
    const input = el('input', { type: 'text', id: 'bulk-tag', list: 'bulk-tag-suggestions', autocomplete: 'off', spellcheck: 'false', value: kind === 'remove_tag' ? tag : '' });
    const adding = kind === 'add_tag';
    const dialog = confirmAndRun({
      title: adding ? 'Add a tag' : 'Remove a tag',
      message: (n) => `${adding ? 'Add the tag below to' : 'Remove the tag below from'} these ${n === 1 ? 'account' : `${n} accounts`}:`,
      extra: [el('div', { class: 'field' }, el('label', { for: 'bulk-tag', text: 'Tag' }), input,
        el('datalist', { id: 'bulk-tag-suggestions' }, known.map((t) => el('option', { value: t.tag }))))],
      yes: adding ? 'Add tag' : 'Remove tag',
      run: (ids) => api.runBulk(ids, { kind, tag: input.value }),
    });
    if (dialog) input.focus();
  }

  function deleteDialog() {
    confirmAndRun({
      title: 'Delete accounts',
      message: (n) => `Delete ${n === 1 ? 'this account' : `these ${n} accounts`} with their contact and billing information and all their API credentials (and OS keyring entries)? Every platform using those credentials stops working. This cannot be undone.`,
      yes: 'Delete',
      run: (ids) => api.runBulk(ids, { kind: 'delete' }),
    });
  }

  function exportSelected() {
    const file = fileField({ id: 'bulk-export-path', label: 'Save as', purpose: 'save_csv', suggestedName: `keydesk-accounts-${today()}.csv` });
    confirmAndRun({
      title: 'Export accounts',
      message: (n) => `Write ${n === 1 ? 'this account' : `these ${n} accounts`} to a CSV file the import reads back:`,
      extra: [file.node],
      yes: 'Export',
      run: async (ids) => {
        const done = await api.exportAccounts(file.path(), null, ids);
        toast(`Wrote ${done.rows} ${done.rows === 1 ? 'account' : 'accounts'} to ${done.path}`);
        return null;
      },
    });
  }
  return { selected };
}
