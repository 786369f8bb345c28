// Preferences → Settings: clipboard clear delay, the default grace period of Renew, theme, log
// level; and where the data folder is.

import { folderRow } from './about.js';
import { api } from './api.js';
import { el, toast } from './dom.js';
import { openDialog } from './dialog.js';
import { buildForm } from './forms.js';

export const GRACE_CHOICES = [
  ['now', 'Now'],
  ['1h', 'In 1 hour'],
  ['24h', 'In 24 hours'],
  ['3d', 'In 3 days'],
  ['7d', 'In 7 days'],
];

let current = { clipboard_clear_seconds: 30, default_grace: 'now', theme: 'system', log_level: 'info' };

export function settings() {
  return current;
}

function applyTheme() {
  if (current.theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = current.theme;
}

export async function loadSettings() {
  current = await api.getSettings();
  applyTheme();
}

const FIELDS = [
  { key: 'clipboard_clear_seconds', label: 'Clear copied secrets after (seconds)', type: 'number', hint: 'Only if the clipboard still holds the secret. Also cleared when Keydesk closes.' },
  { key: 'default_grace', label: 'Renew: old secret stops working', type: 'choice', choices: GRACE_CHOICES },
  { key: 'theme', label: 'Theme', type: 'choice', choices: [['system', 'Same as the system'], ['light', 'Light'], ['dark', 'Dark']] },
  { key: 'log_level', label: 'Log files record', type: 'choice', choices: [['error', 'Errors only'], ['warn', 'Warnings and errors'], ['info', 'What happened (default)'], ['debug', 'Everything, for a bug report']], hint: 'Never a secret, at any level.' },
];

export function openSettingsDialog(status) {
  let dialog = null;
  const form = buildForm({
    id: 'settings-form',
    legend: 'Settings',
    fields: FIELDS,
    values: { ...current, clipboard_clear_seconds: String(current.clipboard_clear_seconds) },
    onSubmit: async (values) => {
      current = await api.updateSettings({ ...values, clipboard_clear_seconds: Number(values.clipboard_clear_seconds) });
      applyTheme();
      toast('Settings saved');
      dialog.close();
    },
    onCancel: () => dialog.close(),
  });
  const where = folderRow('settings-data-dir', 'Data folder', status.data_dir, 'data');
  dialog = openDialog({ id: 'settings-dialog', title: 'Settings', body: [form, where] });
  form.querySelector('input, select')?.focus();
}
