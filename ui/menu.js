// A ribbon menu button (WAI-ARIA menu button pattern): Enter, Space or ArrowDown opens it,
// arrows move, Escape closes and returns focus to the button.

export function menuButton(button, list) {
  // Not the items a page hides (Team for anyone but a team's admin).
  const items = () => [...list.querySelectorAll('[role="menuitem"]')].filter((item) => !item.closest('li[hidden]'));
  const open = (focusIndex = 0) => {
    list.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    items()[focusIndex]?.focus();
  };
  const close = (refocus = true) => {
    list.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  };
  button.addEventListener('click', () => (list.hidden ? open() : close()));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') { event.preventDefault(); open(); }
    if (event.key === 'ArrowUp') { event.preventDefault(); open(items().length - 1); }
  });
  list.addEventListener('keydown', (event) => {
    const all = items();
    const at = all.indexOf(document.activeElement);
    if (event.key === 'Escape') { event.preventDefault(); close(); }
    if (event.key === 'ArrowDown') { event.preventDefault(); all[(at + 1) % all.length].focus(); }
    if (event.key === 'ArrowUp') { event.preventDefault(); all[(at - 1 + all.length) % all.length].focus(); }
    if (event.key === 'Tab') close(false);
  });
  list.addEventListener('click', () => close(false));
  document.addEventListener('click', (event) => {
    if (!list.hidden && !list.contains(event.target) && event.target !== button && !button.contains(event.target)) close(false);
  });
}
