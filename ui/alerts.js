// Settings → Alerts (issue 28): the channels expiry alerts go to — a webhook (signed JSON), a
// Slack or a Teams incoming webhook — each limited to tags if wanted, with what each last did.
// A webhook's signing key is shown once, when it is added. keydesk-server sends the alerts of a
// team store; Keydesk sends those of this computer's store while it runs.

import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { add, el, fill, named, toast } from './dom.js';
import { buildForm } from './forms.js';

const KINDS = [
  ['slack', 'Slack (incoming webhook)'],
  ['teams', 'Microsoft Teams (workflow webhook)'],
  ['email', 'E-mail (SMTP)'],
  ['webhook', 'Webhook (signed JSON, for a PSA or anything else)'],
];
const KIND_NAME = { slack: 'Slack', teams: 'Teams', webhook: 'Webhook', email: 'E-mail' };
/// The fields only an e-mail channel has; the URL is the others'.
const EMAIL_FIELDS = ['smtp_host', 'smtp_port', 'smtp_tls', 'smtp_user', 'smtp_password', 'mail_from', 'mail_to', 'ca_file'];

export function alertsSection() {
  const list = el('ul', { id: 'alert-channels', class: 'report' });
  const shown = el('div', { id: 'alert-key-panel' });
  const section = el('section', { class: 'store-settings', id: 'alerts-settings', 'aria-labelledby': 'alerts-settings-title' },
    el('h3', { id: 'alerts-settings-title', text: 'Alerts' }),
    el('p', { class: 'muted', text: 'Before a secret expires — when it enters the warning window, 7 days and 1 day before, and once it has — each channel gets one message: the account, the application, the Client ID, when it ends and when it was last used. Never a secret.' }),
    el('p', { class: 'admin-note muted', id: 'alerts-admin-note', text: 'The team’s admins set the channels; keydesk-server sends the alerts.' }),
    list,
    shown);
  const refresh = async () => {
    const channels = await api.listAlertChannels();
    fill(list, channels.length === 0
      ? el('li', { id: 'alert-channels-empty', text: 'No channel yet: alerts go nowhere but this computer\u2019s notifications.' })
      : channels.map((c) => channelRow(c, refresh)));
  };
  const form = buildForm({
    id: 'alert-form',
    legend: 'Add an alert channel',
    fields: [
      { key: 'kind', label: 'Channel', type: 'choice', choices: KINDS },
      { key: 'name', label: 'Name', required: true, hint: 'e.g. #ops-alerts, EU team' },
      { key: 'url', label: 'URL', required: true, hint: 'The incoming webhook\u2019s URL (https://…).' },
      { key: 'smtp_host', label: 'SMTP server', required: true, hint: 'e.g. smtp.example.com' },
      { key: 'smtp_tls', label: 'Security', type: 'choice', choices: [['starttls', 'STARTTLS (port 587)'], ['tls', 'TLS from the start (port 465)']] },
      { key: 'smtp_port', label: 'Port', type: 'number', hint: 'Empty: the usual port of the security chosen.' },
      { key: 'smtp_user', label: 'User', hint: 'Empty when the server takes mail without logging in.' },
      { key: 'smtp_password', label: 'Password', type: 'password', hint: 'Kept in this computer\u2019s OS keyring, never in the store. keydesk-server takes it from --smtp-password-file.' },
      { key: 'mail_from', label: 'From', required: true, type: 'email' },
      { key: 'mail_to', label: 'To', required: true, hint: 'Addresses separated by commas.' },
      { key: 'ca_file', label: 'CA certificate (optional)', hint: 'The PEM file of the CA that signed the server\u2019s certificate; empty: the OS\u2019s trusted roots.' },
      { key: 'tags', label: 'Only accounts tagged', hint: 'e.g. #eu — empty: every account.' },
      { key: 'weekly_digest', label: 'Weekly digest', type: 'choice', choices: [['false', 'No'], ['true', 'Also each week: what expires in the next 30 days']] },
    ],
    submitLabel: 'Add channel',
    onSubmit: async (values) => {
      const { smtp_password: password, ...fields } = values;
      const added = await api.addAlertChannel({ ...fields, smtp_port: Number(fields.smtp_port) || 0, weekly_digest: fields.weekly_digest === 'true' }, password || null);
      form.reset();
      form.elements.kind.dispatchEvent(new Event('change'));
      toast('Channel added: ', named(added.channel.name));
      fill(shown, added.signing_secret ? keyPanel(added) : null);
      await refresh();
    },
  });
  form.classList.add('admin-only');
  // The URL for the web channels; the SMTP fields for e-mail.
  const showKind = () => {
    const email = form.elements.kind.value === 'email';
    for (const key of EMAIL_FIELDS) form.elements[key].closest('.field').hidden = !email;
    form.elements.url.closest('.field').hidden = email;
  };
  form.elements.kind.addEventListener('change', showKind);
  showKind();
  add(section, form);
  refresh().catch((e) => fill(list, el('li', { text: e.message })));
  return section;
}

function channelRow(c, refresh) {
  const test = el('button', { type: 'button', class: 'test-alert', text: 'Send a test alert', 'aria-label': `Send a test alert to ${c.name}` });
  const answer = el('span', { class: 'test-answer', role: 'status' });
  test.addEventListener('click', async () => {
    test.disabled = true;
    answer.textContent = ' Sending…';
    try {
      answer.textContent = ` ${await api.testAlertChannel(c.id)}`;
    } catch (e) {
      answer.textContent = ` ${e.message}`;
    } finally {
      test.disabled = false;
    }
  });
  const remove = el('button', { type: 'button', class: 'delete-alert danger', text: 'Delete', 'aria-label': `Delete ${c.name}` });
  remove.addEventListener('click', () => confirmDialog({
    id: 'delete-alert',
    title: 'Delete alert channel',
    message: `Delete ${c.name}? It gets no more alerts.`,
    onYes: async () => { await api.deleteAlertChannel(c.id); await refresh(); },
  }));
  const scope = (c.tags.length ? ` · ${c.tags.map((t) => `#${t}`).join(' ')}` : '') + (c.weekly_digest ? ' · weekly digest' : '');
  return el('li', { class: 'alert-channel', dataset: { channelId: String(c.id) } },
    el('strong', { text: `${KIND_NAME[c.kind] ?? c.kind}: ` }), c.name, scope,
    el('div', { class: 'muted channel-state', text: stateText(c) }),
    el('div', { class: 'actions start admin-only' }, test, remove, answer));
}

/// The channel's state in a sentence (core's ChannelView.state, read from its fields).
export function stateText(c) {
  const at = (iso) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const f = c.last_failure;
  if (f && (!c.last_delivered_at || c.last_delivered_at < f.at)) {
    return `Failed — ${f.status} at ${at(f.at)}${f.retrying ? ', retrying' : ', not retried'}`;
  }
  if (c.last_delivered_at) return `Last delivered ${at(c.last_delivered_at)}`;
  return 'Nothing delivered yet';
}

/// The webhook's signing key, once: the receiver checks X-Keydesk-Signature with it.
function keyPanel(added) {
  const key = el('input', { id: 'alert-signing-key', readonly: true, class: 'secret', spellcheck: 'false', autocomplete: 'off' });
  key.value = added.signing_secret;
  const copy = el('button', { type: 'button', id: 'alert-signing-key-copy', text: 'Copy key' });
  copy.addEventListener('click', async () => {
    const copied = await api.copySecret(key.value).catch((e) => toast(e.message));
    if (copied) toast(`Key copied; the clipboard is cleared in ${copied.clears_in_seconds} s.`);
  });
  return el('div', { class: 'field' },
    el('label', { for: 'alert-signing-key', text: `Signing key of ${added.channel.name} (shown once)` }),
    el('div', { class: 'file-row' }, key, copy),
    el('p', { class: 'hint', text: 'The receiver checks X-Keydesk-Signature: sha256=<HMAC-SHA256 of the body with this key> (README: Alerts).' }));
}

/// The Health page's line: each channel's state.
export async function alertStates() {
  const channels = await api.listAlertChannels().catch(() => []);
  if (channels.length === 0) return null;
  return el('ul', { id: 'health-alert-states', class: 'muted', 'aria-label': 'Alert channels' },
    channels.map((c) => el('li', { text: `${c.name}: ${stateText(c).replace(/^./, (x) => x.toLowerCase())}` })));
}
