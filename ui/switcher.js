// The account switcher (Ctrl+K / Cmd+K): search as you type over company, name, username,
// email and Client ID prefix; recent accounts when the box is empty; pinned ones first.
// Only one page of results is in the DOM at a time, however many accounts there are.

import { api } from './api.js';
import { add, clear, el, toast } from './dom.js';
import { openDialog } from './dialog.js';

const PAGE = 50;

export function openSwitcher({ onOpen }) {
  if (document.getElementById('switcher')) return;
  const input = el('input', {
    id: 'switcher-search', type: 'search', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    'aria-expanded': 'true', 'aria-controls': 'switcher-results', 'aria-autocomplete': 'list',
    placeholder: 'Company, name, username, email or Client ID',
  });
  const results = el('ul', { id: 'switcher-results', role: 'listbox', 'aria-label': 'Accounts' });
  const status = el('p', { id: 'switcher-status', class: 'muted', role: 'status' });
  const more = el('button', { type: 'button', id: 'switcher-more', text: 'Show more', hidden: true });
  const dialog = openDialog({
    id: 'switcher',
    title: 'Switch account',
    body: [el('label', { for: 'switcher-search', class: 'visually-hidden', text: 'Search accounts' }), input, status, results, more],
  });
  dialog.classList.add('switcher-dialog');

  let options = [];
  let active = -1;
  let hits = [];
  let total = 0;
  let request = 0;
  // The text the drawn list answers, and the newest search asked for (Enter waits for it).
  let drawnQuery = null;
  let pending = null;
  let chosen = false;

  function setActive(index) {
    options.forEach((o, i) => o.setAttribute('aria-selected', String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', options[index].id);
      options[index].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function choose(id) {
    if (chosen) return;
    chosen = true;
    dialog.close();
    onOpen(id);
  }

  function option(hit, group) {
    // The star is a mouse shortcut, not a control: an option may hold no interactive element
    // (axe: nested-interactive). The keyboard pins with "Pin account" on the account's page;
    // screen readers hear "pinned" in the option itself.
    const pin = el('span', {
      class: 'pin', 'aria-hidden': 'true',
      title: hit.pinned ? `Unpin ${hit.company_name}` : `Pin ${hit.company_name}`,
      text: hit.pinned ? '★' : '☆',
    });
    pin.addEventListener('click', async (event) => {
      event.stopPropagation();
      try {
        await api.setPinned(hit.id, !hit.pinned);
        refresh();
      } catch (error) {
        toast(error.message);
      }
    });
    const li = el('li', { role: 'option', id: `switcher-option-${group}-${hit.id}`, dataset: { accountId: String(hit.id) }, 'aria-selected': 'false' },
      el('span', { class: 'company truncate', title: hit.company_name, text: hit.company_name }),
      el('span', { class: 'muted truncate', title: hit.name, text: hit.name }),
      hit.pinned ? el('span', { class: 'visually-hidden', text: ', pinned' }) : null,
      pin,
    );
    li.addEventListener('click', () => choose(hit.id));
    return li;
  }

  function draw(groups) {
    clear(results);
    options = [];
    for (const [title, list, key] of groups) {
      if (list.length === 0) continue;
      add(results, el('li', { role: 'presentation', class: 'group', text: title }));
      for (const hit of list) {
        const li = option(hit, key);
        options.push(li);
        add(results, li);
      }
    }
    setActive(options.length ? 0 : -1);
  }

  async function refresh(append = false) {
    const query = input.value.trim();
    const mine = ++request;
    const offset = append ? hits.length : 0;
    const [page, recent] = await Promise.all([
      api.searchAccounts(query, offset, PAGE),
      query === '' && !append ? api.recentAccounts() : Promise.resolve(null),
    ]);
    if (mine !== request) return; // A newer keystroke already asked again.
    hits = append ? hits.concat(page.hits) : page.hits;
    total = page.total;
    const label = query === '' ? 'All accounts' : 'Matching accounts';
    draw(recent && recent.length ? [['Recent', recent, 'recent'], [label, hits, 'all']] : [[label, hits, 'all']]);
    status.textContent = total === 0
      ? (query ? `No account matches “${query}”.` : 'No accounts yet.')
      : `${total} ${total === 1 ? 'account' : 'accounts'}${hits.length < total ? `, showing ${hits.length}` : ''}`;
    more.hidden = hits.length >= total;
    drawnQuery = query;
  }

  function search() {
    const query = input.value.trim();
    pending = { query, answer: refresh() };
    return pending.answer;
  }

  /// Enter acts on the answer to what is in the box: a fast typist's Enter arrives before the
  /// search for the last keystroke has answered, while the list still shows the previous text's rows.
  async function enter() {
    const query = input.value.trim();
    if (query === drawnQuery) {
      if (active >= 0) choose(Number(options[active].dataset.accountId));
      return;
    }
    await (pending && pending.query === query ? pending.answer : search());
    if (drawnQuery !== query || !dialog.open) return; // More was typed meanwhile: its own Enter decides.
    if (options.length) choose(Number(options[0].dataset.accountId));
  }

  const showFailure = (e) => { status.textContent = e.message; };
  // Every keystroke asks at once: a search is ~1 ms in Rust and an IPC round trip, so the list
  // is painted in the frame after the key (cargo xtask bench measures it); an answer overtaken
  // by a newer keystroke is dropped in refresh().
  input.addEventListener('input', () => {
    search().catch(showFailure);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && options.length) { event.preventDefault(); setActive((active + 1) % options.length); }
    if (event.key === 'ArrowUp' && options.length) { event.preventDefault(); setActive((active - 1 + options.length) % options.length); }
    if (event.key === 'Enter') { event.preventDefault(); enter().catch(showFailure); }
    // A search field may swallow Escape to clear itself; here Escape always closes.
    if (event.key === 'Escape') { event.preventDefault(); dialog.close(); }
  });
  more.addEventListener('click', () => refresh(true));
  input.focus();
  search().catch(showFailure);
}
