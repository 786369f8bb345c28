// Forms with inline errors: a rule broken on the Rust side lands beside its field, focus moves
// there, and everything typed stays in the form.

import { add, el } from './dom.js';

export const CONTACT_FIELDS = [
  { key: 'company_name', label: 'Company name', required: true, autocomplete: 'organization' },
  { key: 'name', label: 'Name', required: true, autocomplete: 'name' },
  { key: 'street', label: 'Street', autocomplete: 'street-address' },
  { key: 'city', label: 'City', autocomplete: 'address-level2' },
  { key: 'region', label: 'State / region', autocomplete: 'address-level1' },
  { key: 'postal_code', label: 'Postal code', autocomplete: 'postal-code' },
  { key: 'country', label: 'Country', type: 'country' },
  { key: 'phone', label: 'Phone number', type: 'tel', hint: 'Read in the country above unless it starts with +' },
  { key: 'username', label: 'Username', autocomplete: 'username' },
  { key: 'email', label: 'Email address', type: 'email', autocomplete: 'email' },
];

export const BILLING_FIELDS = [
  { key: 'billing_name', label: 'Billing name', autocomplete: 'name' },
  { key: 'street_line1', label: 'Street', autocomplete: 'address-line1' },
  { key: 'street_line2', label: 'Street (line 2)', autocomplete: 'address-line2' },
  { key: 'city', label: 'City', autocomplete: 'address-level2' },
  { key: 'region', label: 'State / region', autocomplete: 'address-level1' },
  { key: 'postal_code', label: 'Postal code', autocomplete: 'postal-code' },
  { key: 'country', label: 'Country', type: 'country' },
  { key: 'phone', label: 'Billing phone number', type: 'tel', hint: 'Read in the country above unless it starts with +' },
  { key: 'email', label: 'Billing email address', type: 'email', autocomplete: 'email' },
];

function control(formId, field, value, countries) {
  const id = `${formId}-${field.key}`;
  const common = { id, name: field.key, 'aria-describedby': `${id}-error${field.hint ? ` ${id}-hint` : ''}` };
  if (field.type === 'choice') {
    const select = el('select', common, field.choices.map(([v, label]) => el('option', { value: v, text: label })));
    select.value = value ?? field.choices[0][0];
    return select;
  }
  if (field.type === 'country') {
    const select = el('select', common, el('option', { value: '', text: '— Not set —' }));
    for (const c of countries) add(select, el('option', { value: c.code, text: c.name }));
    select.value = value ?? '';
    return select;
  }
  const input = el('input', {
    ...common,
    type: field.type ?? 'text',
    autocomplete: field.autocomplete ?? 'off',
    spellcheck: 'false',
    'aria-required': field.required ? 'true' : null,
  });
  input.value = value ?? '';
  return input;
}

/// Builds a form. `onSubmit(values)` returns a promise; its ApiError is shown in the form.
export function buildForm({ id, legend, fields, values = {}, countries = [], submitLabel = 'Save', onSubmit, onCancel }) {
  const formError = el('p', { class: 'form-error', id: `${id}-error`, role: 'alert', hidden: true });
  const submit = el('button', { type: 'submit', class: 'primary', id: `${id}-submit`, text: submitLabel });
  const cancel = onCancel ? el('button', { type: 'button', id: `${id}-cancel`, text: 'Cancel', onclick: onCancel }) : null;
  const form = el('form', { id, class: 'form', novalidate: true, 'aria-label': legend },
    fields.map((field) => el('div', { class: 'field' },
      el('label', { for: `${id}-${field.key}` }, field.label, field.required ? el('span', { class: 'required', text: ' (required)' }) : null),
      control(id, field, values[field.key], countries),
      field.hint ? el('p', { class: 'hint', id: `${id}-${field.key}-hint`, text: field.hint }) : null,
      el('p', { class: 'field-error', id: `${id}-${field.key}-error`, hidden: true }),
    )),
    formError,
    el('div', { class: 'actions' }, cancel, submit),
  );

  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && onCancel) { event.preventDefault(); onCancel(); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = Object.fromEntries(fields.map((f) => [f.key, form.elements[f.key].value]));
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = 'Saving…';
    form.setAttribute('aria-busy', 'true');
    try {
      await onSubmit(data);
    } catch (error) {
      showError(form, id, error);
    } finally {
      submit.disabled = false;
      submit.textContent = label;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}

function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error, .form-error')) { p.hidden = true; p.textContent = ''; }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

function showError(form, id, error) {
  const input = error.field ? form.elements[error.field] : null;
  if (input) {
    const slot = document.getElementById(`${id}-${error.field}-error`);
    slot.textContent = error.message;
    slot.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const slot = document.getElementById(`${id}-error`);
  slot.textContent = error.message || 'Something went wrong.';
  slot.hidden = false;
  slot.focus?.();
}

export function focusFirstField(form) {
  form.querySelector('input, select, textarea')?.focus();
}
