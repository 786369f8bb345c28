// A file chosen for an import, an export or a backup: the OS's own dialog (Choose…) fills a
// path field the person can also type into.

import { api } from './api.js';
import { el } from './dom.js';

/// `purpose`: open_csv, save_csv, open_backup or save_backup.
export function fileField({ id, label, purpose, suggestedName }) {
  const input = el('input', { type: 'text', id, name: 'path', autocomplete: 'off', spellcheck: 'false', placeholder: purpose.startsWith('save') ? 'Where to save it' : 'The file to read' });
  const choose = el('button', { type: 'button', id: `${id}-choose`, text: 'Choose…' });
  const error = el('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  choose.addEventListener('click', async () => {
    try {
      // A function when the name depends on another field (the export's format).
      const name = typeof suggestedName === 'function' ? suggestedName() : suggestedName;
      const path = await api.chooseFile(purpose, name ?? null);
      if (path) input.value = path;
      input.focus();
    } catch (e) {
      showError(e.message);
    }
  });
  function showError(message) {
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  const node = el('div', { class: 'field file-field' },
    el('label', { for: id, text: label }),
    el('div', { class: 'file-row' }, input, choose),
    error,
  );
  return { node, input, showError, path: () => input.value.trim() };
}

/// A day for a file name: 2026-11-27.
export function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
