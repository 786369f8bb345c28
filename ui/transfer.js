// Import and export: accounts from a CSV file (a preview first, then the valid rows in one
// go), accounts to CSV (all, or a tag), and every account's activity for a range of days.

import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { add, clear, el, fill, toast } from './dom.js';
import { fileField, today } from './files.js';

/// Rows the preview table shows; every row with an error is listed above it anyway.
const SHOWN_ROWS = 200;

const ACTION_LABEL = { create: 'Create', update: 'Update', unchanged: 'Unchanged', invalid: 'Not imported' };

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

export async function renderTransfer(main, { afterImport } = {}) {
  const [tags, backups] = await Promise.all([api.listTags(), api.backupStatus()]);
  fill(main,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      el('a', { href: '#home', text: 'Home' }),
      el('span', { class: 'sep', 'aria-hidden': 'true', text: ' > ' }),
      el('span', { 'aria-current': 'page', text: 'Import, export and backups' }),
    ),
    el('h1', { id: 'page-heading', tabindex: '-1', text: 'Import, export and backups' }),
    importSection(afterImport),
    exportAccountsSection(tags),
    exportActivitySection(),
    backupSection(backups),
  );
  document.getElementById('import-path')?.focus();
}

function importSection(afterImport) {
  const file = fileField({ id: 'import-path', label: 'CSV file to import', purpose: 'open_csv' });
  const preview = el('div', { id: 'import-preview' });
  const button = el('button', { type: 'button', class: 'primary', id: 'import-preview-button', text: 'Preview' });
  button.addEventListener('click', async () => {
    file.showError('');
    clear(preview);
    button.disabled = true;
    try {
      showPreview(preview, await api.previewImport(file.path()), afterImport);
      document.getElementById('import-summary')?.focus();
    } catch (e) {
      file.showError(e.message);
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { class: 'card writes', id: 'import-section', 'aria-labelledby': 'import-title' },
    el('h2', { class: 'section-title', id: 'import-title', text: 'IMPORT ACCOUNTS FROM CSV' }),
    el('p', { class: 'muted', text: 'A header row names the columns: those of the contact and billing forms (company_name, name, email, billing_email, …), tags, and id to update an account by its id; otherwise a row updates the account with its company name, or creates one. UTF-8, separated by , or ;.' }),
    file.node,
    el('div', { class: 'actions start' }, button),
    preview,
  );
}

function showPreview(slot, p, afterImport) {
  const toImport = p.create + p.update;
  const summary = `${p.file_name}: ${plural(p.create, 'account', 'accounts')} to create, ${p.update} to update, ${p.unchanged} unchanged, ${plural(p.invalid, 'row', 'rows')} with errors (left out).`;
  const errors = p.rows.filter((r) => r.errors.length > 0).flatMap((r) => r.errors);
  // What the import did to values as it read them (a street on two lines), said per row.
  const notes = p.rows.flatMap((r) => (r.notes ?? []).map((n) => `row ${r.row}, ${n}`));
  const commit = el('button', { type: 'button', class: 'primary', id: 'import-commit', text: `Import ${plural(toImport, 'account', 'accounts')}`, disabled: toImport === 0 });
  const cancel = el('button', { type: 'button', id: 'import-cancel', text: 'Cancel' });
  const result = el('p', { id: 'import-result', role: 'status' });
  cancel.addEventListener('click', () => clear(slot));
  commit.addEventListener('click', async () => {
    commit.disabled = true;
    cancel.disabled = true;
    commit.textContent = 'Importing…';
    try {
      const done = await api.commitImport();
      const text = `Imported: ${done.created} created, ${done.updated} updated${done.skipped ? `; ${plural(done.skipped, 'row', 'rows')} with errors left out` : ''}.`;
      fill(slot, el('p', { id: 'import-result', role: 'status', tabindex: '-1', text }));
      toast(text);
      document.getElementById('import-result').focus();
      afterImport?.();
    } catch (e) {
      result.textContent = `Nothing was imported: ${e.message}`;
      result.className = 'form-error';
      commit.textContent = 'Import';
      cancel.disabled = false;
    }
  });
  const rows = p.rows.slice(0, SHOWN_ROWS);
  fill(slot,
    el('p', { id: 'import-summary', tabindex: '-1', text: summary }),
    p.unknown_columns.length ? el('p', { class: 'muted', id: 'import-unknown', text: `Columns not imported (unknown): ${p.unknown_columns.join(', ')}` }) : null,
    errors.length ? el('ul', { class: 'import-errors', id: 'import-errors', 'aria-label': 'Rows with errors' }, errors.map((e) => el('li', { text: e }))) : null,
    notes.length ? el('ul', { class: 'muted', id: 'import-notes', 'aria-label': 'Values taken as a person would' }, notes.map((n) => el('li', { text: n }))) : null,
    el('div', { class: 'table-scroll' },
      el('table', { class: 'import-rows', id: 'import-rows' },
        el('thead', {}, el('tr', {}, ['Row', 'Company', 'Will be', 'Changes'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, rows.map((r) => el('tr', { dataset: { action: r.action, row: String(r.row) } },
          el('td', { text: String(r.row) }),
          el('td', { text: r.company_name }),
          el('td', { text: ACTION_LABEL[r.action] ?? r.action }),
          el('td', { class: 'muted', text: r.action === 'invalid' ? r.errors.map((e) => e.replace(/^row \d+, /, '')).join('; ') : r.changes.join(', ') }),
        ))),
      )),
    p.rows.length > SHOWN_ROWS ? el('p', { class: 'muted', text: `Showing the first ${SHOWN_ROWS} of ${p.rows.length} rows.` }) : null,
    result,
    el('div', { class: 'actions start' }, commit, cancel),
  );
}

function exportAccountsSection(tags) {
  const file = fileField({ id: 'export-path', label: 'Save as', purpose: 'save_csv', suggestedName: `keydesk-accounts-${today()}.csv` });
  const select = el('select', { id: 'export-tag' },
    el('option', { value: '', text: 'All accounts' }),
    tags.map((t) => el('option', { value: t.tag, text: `#${t.tag} (${t.accounts})` })));
  const result = el('p', { id: 'export-result', role: 'status' });
  const button = el('button', { type: 'button', class: 'primary', id: 'export-accounts-button', text: 'Export' });
  button.addEventListener('click', async () => {
    file.showError('');
    result.textContent = '';
    try {
      const done = await api.exportAccounts(file.path(), select.value || null, null);
      result.textContent = `Wrote ${plural(done.rows, 'account', 'accounts')} to ${done.path}.`;
    } catch (e) {
      file.showError(e.message);
    }
  });
  return el('section', { class: 'card', id: 'export-section', 'aria-labelledby': 'export-title' },
    el('h2', { class: 'section-title', id: 'export-title', text: 'EXPORT ACCOUNTS TO CSV' }),
    el('p', { class: 'muted', text: 'The same columns the import reads, so the file can be edited and imported back. Cells a spreadsheet would run as formulas start with \'.' }),
    el('div', { class: 'field' }, el('label', { for: 'export-tag', text: 'Accounts' }), select),
    file.node,
    el('div', { class: 'actions start' }, button),
    result,
  );
}

function exportActivitySection() {
  const file = fileField({ id: 'activity-path', label: 'Save as', purpose: 'save_csv', suggestedName: `keydesk-activity-${today()}.csv` });
  const from = el('input', { type: 'date', id: 'activity-from' });
  const to = el('input', { type: 'date', id: 'activity-to', value: today() });
  const result = el('p', { id: 'activity-export-result', role: 'status' });
  const button = el('button', { type: 'button', class: 'primary', id: 'export-activity-button', text: 'Export' });
  button.addEventListener('click', async () => {
    file.showError('');
    result.textContent = '';
    try {
      const done = await api.exportActivity(file.path(), null, from.value || null, to.value || null);
      result.textContent = `Wrote ${plural(done.rows, 'event', 'events')} to ${done.path}.`;
    } catch (e) {
      file.showError(e.message);
    }
  });
  return el('section', { class: 'card', id: 'activity-export-section', 'aria-labelledby': 'activity-export-title' },
    el('h2', { class: 'section-title', id: 'activity-export-title', text: 'EXPORT ACTIVITY TO CSV' }),
    el('p', { class: 'muted', text: 'Every account’s activity for a range of days (both included; leave From empty for all before To). Times in ISO 8601 with this computer’s offset; never a secret.' }),
    el('div', { class: 'field-row' },
      el('div', { class: 'field' }, el('label', { for: 'activity-from', text: 'From' }), from),
      el('div', { class: 'field' }, el('label', { for: 'activity-to', text: 'To' }), to)),
    file.node,
    el('div', { class: 'actions start' }, button),
    result,
  );
}

/// What a restore keeps ended: " 3 secrets renewed or deleted since this backup stay ended; …"
function stayEnded(check) {
  const parts = [];
  if (check.stay_ended) parts.push(`${plural(check.stay_ended, 'secret', 'secrets')} renewed or deleted since this backup ${check.stay_ended === 1 ? 'stays' : 'stay'} ended`);
  if (check.stay_deleted) parts.push(`${plural(check.stay_deleted, 'set', 'sets')} of credentials deleted since ${check.stay_deleted === 1 ? 'stays' : 'stay'} deleted`);
  if (check.stay_revoked) parts.push(`${plural(check.stay_revoked, 'access token', 'access tokens')} revoked since ${check.stay_revoked === 1 ? 'stays' : 'stay'} revoked`);
  return parts.length ? ` ${parts.join('; ')}.` : '';
}

function backupSection(status) {
  const section = el('section', { class: 'card', id: 'backup-section', 'aria-labelledby': 'backup-title' },
    el('h2', { class: 'section-title', id: 'backup-title', text: 'BACKUPS' }));
  if (status.postgres) {
    add(section, el('p', { id: 'backup-postgres', text: 'This store is a PostgreSQL database shared by your team: backing it up is the database’s job (pg_dump, or your server’s backups), not Keydesk’s. Ask whoever runs the database server.' }));
    return section;
  }
  const file = fileField({ id: 'backup-path', label: 'Back up to', purpose: 'save_backup', suggestedName: `keydesk-backup-${today()}.sqlite3` });
  const result = el('p', { id: 'backup-result', role: 'status' });
  const now = el('button', { type: 'button', class: 'primary', id: 'backup-now', text: 'Back up now' });
  now.addEventListener('click', async () => {
    file.showError('');
    result.textContent = '';
    now.disabled = true;
    try {
      const done = await api.backUpNow(file.path());
      result.textContent = `Backed up ${plural(done.accounts, 'account', 'accounts')} to ${done.path} (${Math.ceil(done.bytes / 1024)} KB).`;
    } catch (e) {
      file.showError(e.message);
    } finally {
      now.disabled = false;
    }
  });
  const restoreFile = fileField({ id: 'restore-path', label: 'Restore from', purpose: 'open_backup' });
  const restore = el('button', { type: 'button', id: 'restore-button', text: 'Restore from backup…' });
  restore.addEventListener('click', async () => {
    restoreFile.showError('');
    const path = restoreFile.path();
    if (!path) { restoreFile.showError('Restore from: choose a backup file first'); return; }
    // Checked first, so the confirmation says what stays ended.
    let check;
    try {
      check = await api.checkRestore(path);
    } catch (e) {
      restoreFile.showError(e.message);
      return;
    }
    confirmDialog({
      id: 'restore-dialog',
      title: 'Restore from backup',
      message: `Replace the store with the backup ${path}? It passed the checks (intact, a Keydesk store, not from a newer Keydesk). Keydesk keeps the current store aside in the data folder and restarts on the backup. Changes made since the backup was taken are not in it.${stayEnded(check)}`,
      onYes: async () => {
        const check = await api.restoreBackup(path);
        toast(`Restoring ${plural(check.accounts, 'account', 'accounts')}; Keydesk restarts…`);
      },
    });
  });
  add(section,
    el('p', { class: 'muted', text: 'A copy of the whole store, consistent even while Keydesk is writing. Keep it somewhere safe: it holds your accounts’ contact information (secrets never are in the store, only their digests).' }),
    file.node,
    el('div', { class: 'actions start' }, now),
    result,
    el('h3', { text: 'Automatic daily backups' }),
    el('p', { class: 'muted', id: 'backup-daily-folder', text: `Once a day into ${status.folder}; the last 7 are kept.` }),
    status.daily.length
      ? el('ul', { id: 'backup-daily' }, status.daily.map((p) => el('li', { text: p })))
      : el('p', { class: 'muted', text: 'None yet: the first is taken shortly after start.' }),
    el('h3', { text: 'Restore' }),
    restoreFile.node,
    el('div', { class: 'actions start' }, restore),
  );
  return section;
}
