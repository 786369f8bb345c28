// An account's tags on its page: each with a remove button, and a field that completes from
// the tags already in use (Enter or Add adds).

import { api } from './api.js';
import { el, fill, toast } from './dom.js';

export async function renderTags(slot, accountId) {
  const [tags, known] = await Promise.all([api.listAccountTags(accountId), api.listTags()]);
  const suggestions = el('datalist', { id: 'tag-suggestions' },
    known.filter((t) => !tags.includes(t.tag)).map((t) => el('option', { value: t.tag })));
  const input = el('input', { type: 'text', id: 'tag-input', list: 'tag-suggestions', autocomplete: 'off', spellcheck: 'false', placeholder: 'Add a tag, e.g. tier-1' });
  const error = el('p', { class: 'field-error', id: 'tag-input-error', role: 'alert', hidden: true });
  const add = el('button', { type: 'button', id: 'tag-add', text: 'Add' });
  const redraw = async (focusInput) => {
    await renderTags(slot, accountId);
    if (focusInput) document.getElementById('tag-input')?.focus();
  };
  const submit = async () => {
    const tag = input.value.trim();
    if (!tag) return;
    try {
      await api.addAccountTag(accountId, tag);
      await redraw(true);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    }
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); submit(); }
  });
  add.addEventListener('click', submit);
  fill(slot,
    el('h2', { class: 'section-title', id: 'tags-title', text: 'TAGS' }),
    el('ul', { class: 'tags', id: 'tags' }, tags.map((tag) => el('li', { class: 'tag', dataset: { tag } },
      el('span', { text: `#${tag}` }),
      el('button', {
        type: 'button', class: 'ghost tag-remove writes', 'aria-label': `Remove tag ${tag}`, text: '×',
        onclick: async () => {
          await api.removeAccountTag(accountId, tag);
          toast(`Tag ${tag} removed`);
          await redraw(true);
        },
      })))),
    tags.length === 0 ? el('p', { class: 'muted', id: 'tags-empty', text: 'No tags yet. Tags group accounts: find them with #tag in the switcher.' }) : null,
    el('div', { class: 'tag-entry writes' }, el('label', { for: 'tag-input', class: 'visually-hidden', text: 'New tag' }), input, add, suggestions),
    error,
  );
}
