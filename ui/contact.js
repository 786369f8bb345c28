// Preferences → View/Edit Contact Information: the CONTACT AND BILLING INFORMATION section,
// each block shown as text with Edit → form → Save / Cancel.

import { ApiError, api } from './api.js';
import { add, el, fill, toast } from './dom.js';
import { BILLING_FIELDS, CONTACT_FIELDS, buildForm, focusFirstField } from './forms.js';

const lines = (...parts) => parts.filter((p) => p && p.trim() !== '');

function row(label, field, valueLines, warning) {
  const dd = el('dd', { dataset: { field } });
  if (valueLines.length === 0) add(dd, el('span', { class: 'muted', text: 'Not set' }));
  valueLines.forEach((line, i) => { if (i) add(dd, el('br')); add(dd, line); });
  // A value kept as typed though core doubts it (a phone number not in use in its country).
  if (warning) add(dd, el('span', { class: 'field-warning', dataset: { warning: field }, text: warning }));
  return [el('dt', { text: label }), dd];
}

function contactRows(c) {
  return [
    row('Company name', 'company_name', lines(c.company_name)),
    row('Name', 'name', lines(c.name)),
    row('Contact address', 'address', lines(c.street, lines(c.city, lines(c.region, c.postal_code).join(' ')).join(', '), c.country_name)),
    row('Phone number', 'phone', lines(c.phone_display), c.phone_warning),
    row('Username', 'username', lines(c.username)),
    row('Email address', 'email', lines(c.email)),
  ].flat();
}

function billingRows(b) {
  return [
    row('Billing name', 'billing_name', lines(b.billing_name)),
    row('Billing address', 'address', lines(b.street_line1, b.street_line2, lines(b.city, lines(b.region, b.postal_code).join(' ')).join(', '), b.country_name)),
    row('Billing phone number', 'phone', lines(b.phone_display), b.phone_warning),
    row('Billing email address', 'email', lines(b.email)),
  ].flat();
}

/// One block (contact or billing): view mode with Edit, or edit mode with the form.
function block({ id, title, rows, fields, values, countries, save }) {
  const heading = el('h4', { id: `${id}-title`, text: title });
  const body = el('div', { class: 'block-body' });
  const section = el('article', { class: 'card', id, 'aria-labelledby': `${id}-title` }, heading, body);

  function view() {
    const edit = el('button', { type: 'button', id: `${id}-edit`, class: 'writes', text: 'Edit', 'aria-label': `Edit ${title.toLowerCase()}` });
    edit.addEventListener('click', () => editing());
    fill(body, el('dl', { class: 'facts' }, rows), el('div', { class: 'actions' }, edit));
    return edit;
  }

  function editing() {
    const form = buildForm({
      id: `${id}-form`,
      legend: title,
      fields,
      values,
      countries,
      onSubmit: save,
      onCancel: () => view().focus(),
    });
    fill(body, form);
    focusFirstField(form);
  }

  view();
  return section;
}

/// A save that lost a race: says what changed meanwhile, and takes the new version so that
/// saving again applies what the user typed (still in the form) over it.
function conflict(what, fields, before, after) {
  const changed = fields
    .filter((f) => (before[f.key] ?? '') !== (after[f.key] ?? ''))
    .map((f) => `${f.label} is now “${after[f.key] || 'empty'}”`);
  const summary = changed.length ? changed.join(', ') : 'nothing you can see changed';
  return new ApiError({
    code: 'conflict',
    message: `Someone else saved the ${what} while you were editing: ${summary}. Your changes are still in the form — Save again to apply them over theirs, or Cancel to keep theirs.`,
  });
}

async function saveOrExplain(save, latest, what, fields, before) {
  try {
    return await save();
  } catch (error) {
    if (error.code !== 'conflict') throw error;
    throw conflict(what, fields, before, await latest());
  }
}

export function renderContactPage(main, account, { countries, onSaved, onPin, onDelete }) {
  const { contact, billing } = account;
  // `onSaved` gets the saved block's id, so the page can put focus back on its Edit button.
  const saved = (blockId, what) => (updated) => { toast(`${what} saved`); onSaved(updated, blockId); };
  // The versions edits start from; a conflict moves them on to what is stored now.
  let contactVersion = contact.version;
  let billingVersion = billing.version;

  const contactBlock = block({
    id: 'contact-block',
    title: 'Contact information',
    rows: contactRows(contact),
    fields: CONTACT_FIELDS,
    values: contact,
    countries,
    save: async (form) => saved('contact-block', 'Contact information')(await saveOrExplain(
      () => api.updateContact(account.id, contactVersion, form),
      async () => { const now = await api.getAccount(account.id); contactVersion = now.contact.version; return now.contact; },
      'contact information', CONTACT_FIELDS, contact,
    )),
  });
  const billingBlock = block({
    id: 'billing-block',
    title: 'Billing information',
    rows: billingRows(billing),
    fields: BILLING_FIELDS,
    values: billing,
    countries,
    save: async (form) => saved('billing-block', 'Billing information')(await saveOrExplain(
      () => api.updateBilling(account.id, billingVersion, form),
      async () => { const now = await api.getAccount(account.id); billingVersion = now.billing.version; return now.billing; },
      'billing information', BILLING_FIELDS, billing,
    )),
  });

  fill(main,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb', id: 'breadcrumb' },
      el('a', { href: '#home', id: 'crumb-home', text: 'Home' }),
      el('span', { class: 'sep', 'aria-hidden': 'true', text: ' > ' }),
      el('span', { 'aria-current': 'page', text: 'Preferences: View/Edit Contact Information' }),
    ),
    el('p', { class: 'eyebrow', id: 'page-heading', text: `Contact information: ${contact.company_name} (${contact.name})` }),
    el('div', { class: 'page-title' },
      el('h1', { text: 'Manage Contact Information' }),
      el('div', { class: 'page-actions' },
        el('button', { type: 'button', id: 'pin-account', class: 'writes', 'aria-pressed': String(account.pinned), text: account.pinned ? '★ Pinned' : '☆ Pin account', onclick: onPin }),
        el('button', { type: 'button', id: 'delete-account', class: 'danger writes', text: 'Delete account', onclick: onDelete }),
      ),
    ),
    el('section', { 'aria-labelledby': 'contact-billing-title' },
      el('h2', { class: 'section-title', id: 'contact-billing-title', text: 'CONTACT AND BILLING INFORMATION' }),
      el('div', { class: 'blocks' }, contactBlock, billingBlock),
    ),
    el('section', { id: 'credentials-section', 'aria-labelledby': 'credentials-title' }),
    el('section', { id: 'activity-section', 'aria-labelledby': 'activity-title' }),
  );
}
