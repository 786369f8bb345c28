// API CREDENTIALS: generate, copy, renew (the new secret shown once), delete, test.
// A new secret lives only in `state.issued` and in the panel that shows it; navigating away
// (state.leavePage) or reloading forgets it, and nothing stores it in the webview.

import { api } from './api.js';
import { add, clear, el, fill, toast } from './dom.js';
import { buildForm } from './forms.js';
import { confirmDialog, openDialog } from './dialog.js';
import { dateTime, day, fromNow } from './format.js';
import { state } from './state.js';

const GENERATE_FIELDS = [
  { key: 'name', label: 'Name', required: true },
  { key: 'email', label: 'Email Address', type: 'email', required: true },
  { key: 'application', label: 'Application', required: true },
];

const when = dateTime;

/// The secret line's expiry: "expires 12 Mar 2027 · in 105 days" or "never expires".
export function expiryText(lifetimeEndsAt) {
  return lifetimeEndsAt ? `expires ${day(lifetimeEndsAt)} · ${fromNow(lifetimeEndsAt)}` : 'never expires';
}

/// The account's lifetime policy on a team store (`lifetime_policy`), read with its cards.
let policy = null;

/// Whether a lifetime of `days` (null: never) is within the policy.
const allowed = (days) => !policy || (days !== null && days <= policy.max_days);

/// "Expires: …" for Generate and Renew, only what the team's policy allows; Renew first offers
/// to keep the current lifetime (`current`: its days and how to name them) when that is allowed.
function lifetimeSelect(id, current) {
  const fitting = state.constants.lifetime_choices.filter(([, , days]) => allowed(days));
  const choices = fitting.map(([value, label]) => el('option', { value, text: label }));
  const keep = current !== undefined && allowed(current.days);
  const select = el('select', { id, 'aria-describedby': policy ? 'lifetime-policy' : null }, keep
    ? [el('option', { value: '', text: `Keep the current lifetime (${current.text})` }), ...choices]
    : choices);
  const preferred = fitting.some(([value]) => value === state.settings.default_lifetime)
    ? state.settings.default_lifetime
    : fitting[fitting.length - 1]?.[0];
  select.value = keep ? '' : preferred;
  return select;
}

/// How long the current secret was given, as Renew's "keep" option names it.
function currentLifetime(secret) {
  if (!secret?.lifetime_ends_at) return { days: null, text: 'never expires' };
  const days = Math.round((new Date(secret.lifetime_ends_at) - new Date(secret.created_at)) / 86400000);
  return { days, text: `${days} days` };
}

/// The policy as the section says it, beside Generate and Renew's choices.
function policyNote() {
  return policy ? el('p', { class: 'muted', id: 'lifetime-policy', text: `Accounts tagged #${policy.tag}: secrets live at most ${policy.max_days} days (the team\u2019s policy).` }) : null;
}

function keyringNote(outcome) {
  if (outcome.status === 'stored') return el('p', { class: 'ok', id: 'new-secret-keyring', text: 'Stored in the OS keyring.' });
  if (outcome.status === 'failed' || outcome.status === 'not_removed') {
    // The sentence for people; the platform's own words only on request.
    return el('div', { id: 'new-secret-keyring', role: 'alert' },
      el('p', { class: 'warning', id: 'new-secret-keyring-message', text: outcome.message }),
      outcome.details ? el('details', { class: 'details', id: 'new-secret-keyring-details' },
        el('summary', { text: 'Details' }),
        el('p', { class: 'mono', text: outcome.details })) : null,
    );
  }
  return null;
}

function issuedPanel() {
  const secretField = el('input', { id: 'new-secret', class: 'mono', readonly: true, 'aria-label': 'New Client Secret', spellcheck: 'false' });
  secretField.value = state.issued.secret;
  const copy = el('button', { type: 'button', class: 'primary', id: 'new-secret-copy', text: 'Copy' });
  copy.addEventListener('click', async () => {
    const result = await api.copySecret(state.issued.secret).catch((e) => toast(e.message));
    if (result) toast(`Client Secret copied — clipboard clears in ${result.clears_in_seconds} s`);
  });
  return el('section', { class: 'issued', id: 'new-secret-panel', 'aria-labelledby': 'new-secret-title' },
    el('h3', { id: 'new-secret-title', text: state.issued.renewed ? 'New Client Secret' : 'Your new API credentials' }),
    el('p', {}, 'Client ID: ', el('code', { id: 'new-secret-client-id', text: state.issued.credential.client_id })),
    el('div', { class: 'secret-row' }, secretField, copy),
    el('p', { class: 'strong', text: 'Shown only now — copy it before you leave this page.' }),
    keyringNote(state.issued.keyring),
  );
}

/// "last used 3 min ago" / "never used": whether a platform still obtains tokens with a secret
/// (the token endpoint records it, to about a minute).
function lastUsed(secret) {
  if (!secret.last_used_at) return 'never used';
  const minutes = Math.floor((Date.now() - new Date(secret.last_used_at)) / 60000);
  if (minutes < 1) return 'last used just now';
  if (minutes < 60) return `last used ${minutes} min ago`;
  if (minutes < 24 * 60) return `last used ${Math.floor(minutes / 60)} h ago`;
  return `last used ${when(secret.last_used_at)}`;
}

function secretLines(credential) {
  return credential.secrets.map((s) => el('li', { dataset: { secretId: String(s.id) } },
    el('span', { class: 'mono hint', text: `••••••••${s.hint}` }),
    el('span', { class: 'muted', text: s.expires_at ? ` valid until ${when(s.expires_at)}` : ` created ${when(s.created_at)}` }),
    s.expires_at ? null : el('span', { class: 'muted expiry', text: ` · ${expiryText(s.lifetime_ends_at)}` }),
    el('span', { class: 'muted last-used', text: ` · ${lastUsed(s)}` }),
  ));
}

function credentialCard(credential, answered) {
  const copyId = el('button', { type: 'button', class: 'copy-client-id', text: 'Copy', 'aria-label': 'Copy Client ID' });
  copyId.addEventListener('click', async () => {
    await api.copyClientId(credential.id).then(() => toast('Client ID copied')).catch((e) => toast(e.message));
  });
  const keyring = credential.in_keyring
    ? el('p', { class: 'keyring' },
      el('span', { class: 'ok', text: 'Stored in the OS keyring. ' }),
      el('button', {
        type: 'button',
        class: 'copy-from-keyring',
        text: 'Copy from keyring',
        onclick: async () => {
          // A stale entry is reported (and removed): redraw, so the card stops offering it.
          const result = await api.copySecretFromKeyring(credential.id).catch((e) => { toast(e.message); answered.refresh(); });
          if (result) toast(`Client Secret copied — clipboard clears in ${result.clears_in_seconds} s`);
        },
      }))
    : credential.keyring_stale
      // Each computer has its own keyring: this one still holds a replaced secret, which is
      // never copied; Keydesk removes it at its next start and every 10 minutes while it runs.
      ? el('p', { class: 'keyring warning keyring-stale', role: 'status', text: 'This computer\u2019s OS keyring still holds an older, replaced secret of this Client ID; it will not be copied, and Keydesk removes it at its next start or within 10 minutes.' })
      : null;
  // RFC 7662 §4: only a resource server's credential learns about other clients' tokens.
  const introspects = el('input', { type: 'checkbox', class: 'resource-server', id: `resource-server-${credential.id}` });
  introspects.checked = credential.resource_server;
  introspects.addEventListener('change', async () => {
    const wanted = introspects.checked;
    introspects.disabled = true;
    let view;
    try {
      view = await api.setResourceServer(credential.id, wanted);
    } catch (e) {
      introspects.checked = !wanted;
      introspects.disabled = false;
      toast(e.message);
      return;
    }
    toast(wanted ? 'It may now introspect every client\u2019s tokens' : 'It may now introspect only its own tokens');
    // Redrawn from the answer; the keyboard stays where it was.
    answered.put(view);
    document.getElementById(introspects.id)?.focus();
  });
  const resourceServer = el('label', { class: 'resource-server-label writes', for: introspects.id },
    introspects, ' Resource server: may introspect other clients\u2019 tokens');
  const renew = el('button', { type: 'button', class: 'renew writes', text: 'Renew', onclick: () => renewDialog(credential, answered) });
  const remove = el('button', { type: 'button', class: 'danger delete writes', text: 'Delete', onclick: () => deleteDialog(credential, answered) });
  return el('article', { class: 'card credential', dataset: { credentialId: String(credential.id) }, 'aria-label': `Credentials for ${credential.application}` },
    el('dl', { class: 'facts' },
      el('dt', { text: 'Name' }), el('dd', { class: 'name', text: credential.name }),
      el('dt', { text: 'Email Address' }), el('dd', { class: 'email', text: credential.email }),
      el('dt', { text: 'Application' }), el('dd', { class: 'application', text: credential.application }),
      el('dt', { text: 'Client ID' }), el('dd', {}, el('code', { class: 'client-id mono', text: credential.client_id }), ' ', copyId),
      el('dt', { text: 'Client Secret' }), el('dd', {}, el('ul', { class: 'secrets' }, secretLines(credential)), keyring),
      el('dt', { text: 'Token introspection' }), el('dd', {}, resourceServer),
    ),
    el('div', { class: 'actions' }, renew, remove),
  );
}

function renewDialog(credential, answered) {
  const grace = el('select', { id: 'renew-grace' }, state.constants.grace_choices.map(([value, label]) => el('option', { value, text: label })));
  grace.value = state.settings.default_grace;
  const keep = el('input', { type: 'checkbox', id: 'renew-keyring' });
  keep.checked = credential.in_keyring;
  const current = credential.secrets.find((s) => !s.expires_at);
  const lifetime = lifetimeSelect('renew-lifetime', currentLifetime(current));
  confirmDialog({
    id: 'renew-dialog',
    title: 'Renew Client Application',
    message: `Are you sure you want to renew client application [${credential.client_id}]? Renewing these credentials invalidates API credentials currently in use by other platforms. Please confirm this action.`,
    extra: [
      el('p', { class: 'muted', id: 'renew-last-used', text: `The current secret (••••${credential.secrets[0]?.hint ?? ''}) was ${lastUsed(credential.secrets[0] ?? {})}.` }),
      el('div', { class: 'field' }, el('label', { for: 'renew-grace', text: 'Old secret stops working' }), grace),
      el('div', { class: 'field' }, el('label', { for: 'renew-lifetime', text: 'New secret expires' }), lifetime),
      el('div', { class: 'check' }, keep, el('label', { for: 'renew-keyring', text: 'Store the new secret in the OS keyring' })),
    ],
    onYes: async () => {
      const result = await api.renewSecret(credential.id, grace.value, lifetime.value || null, keep.checked);
      state.issued = { ...result, renewed: true };
      answered.put(result.credential);
    },
  });
}

function deleteDialog(credential, answered) {
  confirmDialog({
    id: 'delete-dialog',
    title: 'Delete Client Application',
    message: `Are you sure you want to delete client application [${credential.client_id}]? Every platform using this Client ID stops working, and its secrets cannot be recovered. Please confirm this action.`,
    onYes: async () => {
      const result = await api.deleteCredentials(credential.id);
      if (state.issued?.credential.id === credential.id) state.issued = null;
      toast(result.keyring_error ? `Credentials deleted; the OS keyring entry remains: ${result.keyring_error}` : 'Credentials deleted');
      answered.drop(credential.id);
    },
  });
}

/// Settings → "Token endpoint for this computer": while it runs, its URL and a `curl` example
/// (placeholders only, never a secret); when it could not start, why. Redrawn when the
/// settings are saved.
export async function showTokenEndpoint() {
  state.tokenEndpoint = await api.tokenEndpointStatus();
  drawTokenEndpoint();
}

/// The section's token endpoint line from the status read last (read again only when it
/// changes: `token_endpoint_changed`, or Settings saved), so redrawing the cards asks nothing.
function drawTokenEndpoint() {
  const slot = document.getElementById('token-endpoint');
  const status = state.tokenEndpoint;
  if (!slot || !status) return;
  clear(slot);
  if (status.error) {
    add(slot, el('p', { class: 'warning', id: 'token-endpoint-error', role: 'alert', text: `The token endpoint for this computer is not running: ${status.error}.` }));
    return;
  }
  if (!status.url) return;
  const copy = el('button', { type: 'button', id: 'token-endpoint-copy', text: 'Copy', 'aria-label': 'Copy the curl example' });
  copy.addEventListener('click', async () => {
    await api.copyTokenEndpointExample().then(() => toast('curl example copied')).catch((e) => toast(e.message));
  });
  add(slot, el('div', { class: 'card token-endpoint' },
    el('p', {}, 'Token endpoint on this computer: ', el('code', { id: 'token-endpoint-url', class: 'mono', text: status.url })),
    el('p', { class: 'muted', text: 'A platform asks it for an access token with a Client ID and its secret (HTTP Basic), for example:' }),
    el('div', { class: 'secret-row' }, el('code', { id: 'token-endpoint-curl', class: 'mono', text: status.curl_example }), copy),
  ));
}

function testDialog(clientId) {
  const id = el('input', { id: 'test-client-id', class: 'mono', autocomplete: 'off', spellcheck: 'false' });
  id.value = clientId ?? '';
  const secret = el('input', { id: 'test-secret', type: 'password', class: 'mono', autocomplete: 'off' });
  const result = el('p', { id: 'test-result', role: 'status', class: 'result' });
  const test = el('button', { type: 'submit', class: 'primary', id: 'test-submit', text: 'Test' });
  const close = el('button', { type: 'button', id: 'test-close', text: 'Close' });
  const form = el('form', { class: 'form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: 'test-client-id', text: 'Client ID' }), id),
    el('div', { class: 'field' }, el('label', { for: 'test-secret', text: 'Client Secret' }), secret),
    result,
    el('div', { class: 'actions' }, close, test),
  );
  const dialog = openDialog({ id: 'test-dialog', title: 'Test credentials', body: form });
  close.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    test.disabled = true;
    result.className = 'result';
    result.textContent = 'Checking…';
    try {
      const verdict = await api.verifyCredentials(id.value, secret.value);
      if (!verdict.valid) {
        result.textContent = verdict.expired_on
          ? `Invalid — this secret expired on ${when(verdict.expired_on)}. Renew it to get a working one.`
          : 'Invalid — this pair does not work.';
        result.classList.add('bad');
      } else {
        result.textContent = verdict.expires_at
          ? `Valid until ${when(verdict.expires_at)} — an old secret in its grace period.`
          : verdict.lifetime_ends_at
            ? `Valid — this pair works; the secret expires on ${when(verdict.lifetime_ends_at)}.`
            : 'Valid — this pair works.';
        result.classList.add('good');
      }
    } catch (e) {
      result.textContent = e.message;
      result.classList.add('bad');
    } finally {
      test.disabled = false;
    }
  });
  (clientId ? secret : id).focus();
}

function generateForm(accountId, answered, onCancel) {
  const keep = el('input', { type: 'checkbox', id: 'generate-keyring', name: 'store_in_keyring' });
  const lifetime = lifetimeSelect('generate-lifetime');
  const form = buildForm({
    id: 'generate-form',
    legend: 'Generate API credentials',
    fields: GENERATE_FIELDS,
    submitLabel: 'Generate',
    onSubmit: async (values) => {
      const result = await api.generateCredentials(accountId, values, lifetime.value, keep.checked);
      state.issued = { ...result, renewed: false };
      answered.put(result.credential);
    },
    onCancel,
  });
  form.querySelector('.actions').before(
    el('div', { class: 'field' }, el('label', { for: 'generate-lifetime', text: 'Expires' }), lifetime),
    el('div', { class: 'check' }, keep, el('label', { for: 'generate-keyring', text: 'Store the secret in the OS keyring' })));
  return form;
}

/// Renders the section into `slot` and returns a function that re-renders it.
export function renderCredentials(slot, accountId, { onChanged }) {
  // The cards drawn last: an action's answer replaces its card here (issue 25 item 2: one call
  // per action; the activity line and the badge come as change events).
  let shown = [];

  /// Reads every card again (the first drawing, a change made elsewhere).
  async function refresh() {
    let list;
    [list, policy] = await Promise.all([api.listCredentials(accountId), api.lifetimePolicy(accountId)]);
    draw(list);
    onChanged?.();
  }

  const answered = {
    /// A credential as an action answered it: its card replaced, or added first (newest).
    put(view) {
      draw(shown.some((c) => c.id === view.id) ? shown.map((c) => (c.id === view.id ? view : c)) : [view, ...shown]);
    },
    drop(id) {
      draw(shown.filter((c) => c.id !== id));
    },
    refresh,
  };

  function draw(list, showForm = false) {
    shown = list;
    const test = el('button', { type: 'button', id: 'test-credentials-button', text: 'Test credentials', onclick: () => testDialog(list[0]?.client_id) });
    const body = [];
    if (state.issued && state.issued.credential.account_id === accountId) body.push(issuedPanel());
    body.push(...list.map((c) => credentialCard(c, answered)));
    // Shown instead of the actions a viewer's rights do not include (the CSS picks one).
    body.push(el('p', { class: 'muted read-only-note', id: 'credentials-read-only', text: list.length
      ? 'Your rights on this team store let you see these credentials, not generate, renew or delete them.'
      : 'No API credentials yet. Your rights on this team store do not include generating them.' }));
    if (list.length === 0 || showForm) {
      const form = generateForm(accountId, answered, list.length ? () => draw(list) : null);
      body.push(el('div', { class: 'card generate writes' },
        el('h3', { text: list.length ? 'Another set of credentials' : 'No API credentials yet' }),
        el('p', { class: 'muted', text: 'Generate a Client ID and Client Secret for a platform that calls the API. An email address holds one set.' }),
        form));
      if (showForm) queueMicrotask(() => form.querySelector('input')?.focus());
    } else {
      body.push(el('div', { class: 'actions start writes' },
        el('button', { type: 'button', id: 'generate-another', text: 'Generate another set', onclick: () => draw(list, true) })));
    }
    fill(slot,
      el('div', { class: 'section-head' },
        el('h2', { class: 'section-title', id: 'credentials-title', text: 'API CREDENTIALS' }),
        test),
      policyNote(),
      el('div', { id: 'token-endpoint' }),
      el('div', { class: 'credentials', id: 'credentials' }, body),
    );
    if (state.tokenEndpoint) drawTokenEndpoint();
    else showTokenEndpoint().catch((e) => toast(e.message));
    if (state.issued) document.getElementById('new-secret-copy')?.focus();
  }

  return refresh();
}
