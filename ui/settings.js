// Preferences → Settings: clipboard clear delay, the default grace period of Renew, theme, log
// level; the token endpoint for this computer; where the data folder is; and which store
// (this computer's, or a team's PostgreSQL server: team_store.js).

import { folderRow } from './about.js';
import { api } from './api.js';
import { showTokenEndpoint } from './credentials.js';
import { el, toast } from './dom.js';
import { openDialog } from './dialog.js';
import { buildForm } from './forms.js';
import { refreshHealthBadge } from './health.js';
import { state } from './state.js';
import { storeSection } from './team_store.js';
import { alertsSection } from './alerts.js';

function applyTheme() {
  if (state.settings.theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = state.settings.theme;
}

/// The constants Rust serves (grace choices, defaults), then the saved settings.
export async function loadSettings() {
  // Both at once: start-up waits for the slower of the two, not their sum.
  const [constants, settings] = await Promise.all([api.pageConstants(), api.getSettings()]);
  state.constants = constants;
  state.settings = settings;
  applyTheme();
}

const fields = () => [
  { key: 'clipboard_clear_seconds', label: 'Clear copied secrets after (seconds)', type: 'number', hint: 'Only if the clipboard still holds the secret. Also cleared when Keydesk closes.' },
  { key: 'default_grace', label: 'Renew: old secret stops working', type: 'choice', choices: state.constants.grace_choices },
  { key: 'default_lifetime', label: 'New secrets expire', type: 'choice', choices: state.constants.lifetime_choices, hint: 'What Generate and Renew offer first.' },
  { key: 'warning_days', label: 'Warn before a secret expires (days)', type: 'number', hint: 'Credentials health lists a secret as expiring from then; the first reminder comes then.' },
  { key: 'reminders', label: 'Reminders', type: 'choice', choices: [['true', 'Desktop notifications before a secret expires'], ['false', 'Off']] },
  { key: 'theme', label: 'Theme', type: 'choice', choices: [['system', 'Same as the system'], ['light', 'Light'], ['dark', 'Dark']] },
  { key: 'log_level', label: 'Log files record', type: 'choice', choices: [['error', 'Errors only'], ['warn', 'Warnings and errors'], ['info', 'What happened (default)'], ['debug', 'Everything, for a bug report']], hint: 'Never a secret, at any level.' },
  { key: 'technician_name', label: 'Your name', hint: 'The activity names you and this computer beside each change. Empty: your name on this computer.' },
  { key: 'token_endpoint', label: 'Token endpoint for this computer', type: 'choice', choices: [['false', 'Off'], ['true', 'On (127.0.0.1 only)']], hint: 'Runs the OAuth 2.0 token endpoint inside Keydesk, for trying an integration on this computer. A team runs keydesk-server.' },
  { key: 'token_endpoint_port', label: 'Token endpoint port', type: 'number' },
];

export function openSettingsDialog(status) {
  let dialog = null;
  const form = buildForm({
    id: 'settings-form',
    legend: 'Settings',
    fields: fields(),
    values: {
      ...state.settings,
      clipboard_clear_seconds: String(state.settings.clipboard_clear_seconds),
      token_endpoint: String(state.settings.token_endpoint),
      token_endpoint_port: String(state.settings.token_endpoint_port),
      warning_days: String(state.settings.warning_days),
      reminders: String(state.settings.reminders),
    },
    onSubmit: async (values) => {
      state.settings = await api.updateSettings({
        ...values,
        clipboard_clear_seconds: Number(values.clipboard_clear_seconds),
        token_endpoint: values.token_endpoint === 'true',
        token_endpoint_port: Number(values.token_endpoint_port),
        warning_days: Number(values.warning_days),
        reminders: values.reminders === 'true',
      });
      applyTheme();
      await showTokenEndpoint();
      await refreshHealthBadge();
      toast('Settings saved');
      dialog.close();
    },
    onCancel: () => dialog.close(),
  });
  const where = folderRow('settings-data-dir', 'Data folder', status.data_dir, 'data');
  dialog = openDialog({ id: 'settings-dialog', title: 'Settings', body: [form, where, storeSection(), alertsSection()] });
  form.querySelector('input, select')?.focus();
}
