// Preferences → About Keydesk: the version, where the data and the logs live, buttons that open
// those folders in the file manager.

import { api } from './api.js';
import { el, toast } from './dom.js';
import { openDialog } from './dialog.js';

/// A labelled path with an Open button (the folder opens in the file manager, from Rust).
export function folderRow(id, label, path, folder) {
  const open = el('button', { type: 'button', id: `${id}-open`, text: 'Open' });
  open.addEventListener('click', async () => {
    try {
      await api.openFolder(folder);
    } catch (error) {
      toast(error.message);
    }
  });
  return el('div', { class: 'folder-row' },
    el('span', { class: 'folder-label', text: label }),
    el('code', { id, class: 'folder-path', text: path }),
    open,
  );
}

export function openAboutDialog(status) {
  const close = el('button', { type: 'button', class: 'primary', id: 'about-close', text: 'Close' });
  const dialog = openDialog({
    id: 'about-dialog',
    title: 'About Keydesk',
    body: [
      el('p', { id: 'about-version', text: `Keydesk ${status.version}` }),
      el('p', { class: 'muted', text: 'Contact, billing and API credentials for the accounts you look after.' }),
      folderRow('about-data-dir', 'Data folder', status.data_dir, 'data'),
      el('p', { class: 'muted', id: 'about-database', text: `Store: ${status.database}` }),
      folderRow('about-log-dir', 'Log files', status.log_dir, 'logs'),
      el('div', { class: 'actions' }, close),
    ],
  });
  close.addEventListener('click', () => dialog.close());
  close.focus();
}
