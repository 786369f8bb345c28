// Settings → Store: this computer's store, or a team's PostgreSQL server (issue 26). The
// password goes to the OS keyring (never settings.json, never this page's storage); *Test
// connection* says what it found in sentences; *Use this store* restarts Keydesk onto it.

import { api } from './api.js';
import { el } from './dom.js';
import { fileField } from './files.js';
import { state } from './state.js';

const TLS_CHOICES = [
  ['verify-full', 'Encrypted; certificate and server name verified (recommended)'],
  ['verify-ca', 'Encrypted; certificate verified, any server name'],
  ['off', 'Not encrypted — only for a server on this computer'],
];

function textField(id, label, { type = 'text', value = '', hint, autocomplete = 'off' } = {}) {
  const input = el('input', { type, id, autocomplete, spellcheck: 'false', 'aria-describedby': `${id}-error${hint ? ` ${id}-hint` : ''}` });
  input.value = value;
  return {
    input,
    node: el('div', { class: 'field' },
      el('label', { for: id, text: label }),
      input,
      hint ? el('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
      el('p', { class: 'field-error', id: `${id}-error`, hidden: true })),
  };
}

export function storeSection() {
  const saved = state.settings.team_store;
  const radio = (value, label) => {
    const input = el('input', { type: 'radio', name: 'store-kind', id: `store-kind-${value}`, value });
    input.checked = (value === 'team') === Boolean(saved);
    return el('label', { class: 'check', for: input.id }, input, ` ${label}`);
  };
  const host = textField('team-host', 'Server', { value: saved?.host ?? '', hint: 'Its name or address, e.g. db.example.com' });
  const port = textField('team-port', 'Port', { type: 'number', value: String(saved?.port ?? 5432) });
  const database = textField('team-database', 'Database', { value: saved?.database ?? 'keydesk' });
  const user = textField('team-user', 'User', { value: saved?.user ?? '', hint: 'Your PostgreSQL login on the team\u2019s server.' });
  const password = textField('team-password', 'Password', { type: 'password', autocomplete: 'new-password', hint: saved ? 'Kept in the OS keyring; leave empty to keep the one saved.' : 'Kept in the OS keyring, never in a file.' });
  const tls = el('select', { id: 'team-tls' }, TLS_CHOICES.map(([value, label]) => el('option', { value, text: label })));
  tls.value = saved?.tls ?? 'verify-full';
  const ca = fileField({ id: 'team-ca-file', label: 'CA certificate (optional)', purpose: 'open_ca' });
  ca.input.value = saved?.ca_file ?? '';
  const teamFields = el('div', { id: 'team-store-fields' },
    host.node, port.node, database.node, user.node, password.node,
    el('div', { class: 'field' }, el('label', { for: 'team-tls', text: 'TLS' }), tls),
    ca.node);
  const report = el('ul', { id: 'team-store-report', class: 'report', role: 'status', 'aria-live': 'polite' });
  const test = el('button', { type: 'button', id: 'team-store-test', text: 'Test connection' });
  const use = el('button', { type: 'button', class: 'primary', id: 'team-store-use', text: 'Use this store' });

  const kind = () => (document.getElementById('store-kind-team')?.checked ? 'team' : 'local');
  const team = () => ({
    host: host.input.value,
    port: Number(port.input.value),
    database: database.input.value,
    user: user.input.value,
    tls: tls.value,
    ca_file: ca.path() || null,
  });
  const say = (sentences, ok) => {
    report.replaceChildren(...sentences.map((s) => el('li', { text: s })));
    report.dataset.ok = String(ok);
    report.scrollIntoView({ block: 'nearest' });
  };
  const clearErrors = () => {
    for (const p of teamFields.querySelectorAll('.field-error')) { p.hidden = true; p.textContent = ''; }
    for (const c of teamFields.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  };
  /// A field's rule beside it (nothing typed is lost); anything else in the report.
  const showError = (error) => {
    const id = error.field?.replaceAll('_', '-');
    const where = id && document.getElementById(`${id}-error`);
    if (where) {
      where.textContent = error.message;
      where.hidden = false;
      document.getElementById(id)?.setAttribute('aria-invalid', 'true');
      document.getElementById(id)?.focus();
    } else {
      say([error.message], false);
    }
  };
  const busy = async (button, label, work) => {
    clearErrors();
    const before = button.textContent;
    button.disabled = true;
    button.textContent = label;
    try {
      await work();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
      button.textContent = before;
    }
  };
  const showKind = () => {
    teamFields.hidden = kind() !== 'team';
    test.hidden = kind() !== 'team';
    use.textContent = kind() === 'team' ? 'Use this store' : 'Use this computer\u2019s store';
    use.disabled = kind() === 'local' && !saved;
  };
  test.addEventListener('click', () => busy(test, 'Testing…', async () => {
    const result = await api.testTeamStore(team(), password.input.value || null);
    say(result.sentences, result.ok);
  }));
  use.addEventListener('click', () => busy(use, 'Switching…', async () => {
    await api.useStore(kind() === 'team' ? team() : null, password.input.value || null);
    say(['Saved. Keydesk restarts onto the store now.'], true);
  }));

  const section = el('section', { class: 'store-settings', id: 'store-settings', 'aria-labelledby': 'store-settings-title' },
    el('h3', { id: 'store-settings-title', text: 'Store' }),
    el('p', { class: 'muted', id: 'store-in-use', text: `In use: ${state.status?.database ?? ''}` }),
    el('div', { role: 'radiogroup', 'aria-labelledby': 'store-settings-title' },
      radio('local', 'On this computer'), radio('team', 'A team\u2019s PostgreSQL server')),
    teamFields,
    el('div', { class: 'actions start' }, test, use),
    report);
  section.addEventListener('change', (event) => {
    if (event.target.name === 'store-kind') showKind();
  });
  showKind();
  return section;
}
