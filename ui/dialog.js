// Modal <dialog>s: the rest of the page is inert while one is open (focus stays inside),
// Escape answers No, and focus returns to what opened it.

import { add, el } from './dom.js';

export function openDialog({ id, title, body, onClose }) {
  const opener = document.activeElement;
  const dialog = el('dialog', { id, 'aria-labelledby': `${id}-title`, class: 'dialog' },
    el('h2', { id: `${id}-title`, text: title }),
    body,
  );
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
    if (opener && document.contains(opener)) opener.focus();
  });
  add(document.body, dialog);
  dialog.showModal();
  return dialog;
}

/// A Yes / No confirmation. `onYes` runs with Yes disabled (no double submission); its
/// error is shown in the dialog, which then stays open.
export function confirmDialog({ id, title, message, extra = [], onYes }) {
  const error = el('p', { class: 'form-error', id: `${id}-error`, role: 'alert', hidden: true });
  const yes = el('button', { type: 'button', class: 'primary', id: `${id}-yes`, text: 'Yes' });
  const no = el('button', { type: 'button', id: `${id}-no`, text: 'No' });
  const dialog = openDialog({
    id,
    title,
    body: [
      el('p', { id: `${id}-text`, text: message }),
      ...extra,
      error,
      el('div', { class: 'actions' }, no, yes),
    ],
  });
  no.addEventListener('click', () => dialog.close());
  // While the request runs, Escape must not hide a result the user has not seen.
  dialog.addEventListener('cancel', (event) => { if (yes.disabled) event.preventDefault(); });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    no.disabled = true;
    yes.textContent = 'Working…';
    error.hidden = true;
    try {
      await onYes(dialog);
      if (dialog.open) dialog.close();
    } catch (e) {
      error.textContent = e.message || String(e);
      error.hidden = false;
      yes.disabled = false;
      no.disabled = false;
      yes.textContent = 'Yes';
    }
  });
  no.focus();
  return dialog;
}
