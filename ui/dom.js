// DOM helpers. User text only ever goes through textContent or text nodes, never parsed as HTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  return add(node, children);
}

/// Appends `children` to `node`: nodes as they are, strings (and numbers) as text, arrays
/// flattened, and `null`, `undefined` and `false` — what `cond ? el(…) : null` and `cond && el(…)`
/// give — skipped. The DOM's own `append` would write those as the text "null", "undefined" or
/// "false": pages add children through this (or `fill`, or `el`), never `append` directly.
export function add(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

/// Empties `node` and adds `children` as `add` does: how a page fills its slot (main, a
/// section, a preview).
export function fill(node, ...children) {
  return add(clear(node), children);
}

/// A value named in a toast (a company's name): one line, cut with an ellipsis when long —
/// the toast says what happened, not the whole name (issue 25 item 8).
export const named = (value) => el('span', { class: 'toast-name', text: value, title: value });

let toastTimer = null;
/// Says what just happened for a few seconds: `message` is a string, or strings and `named`
/// values. Never over the page's primary action: when it would cover a visible primary or
/// submit button, it shows at the top of the window instead.
export function toast(...message) {
  const box = document.getElementById('toast');
  fill(box, message);
  box.classList.remove('toast-top');
  box.hidden = false;
  keepClear(box);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

function keepClear(box) {
  const t = box.getBoundingClientRect();
  const covers = [...document.querySelectorAll('button.primary, button[type=submit]')].some((b) => {
    if (b.closest('[hidden]') || b.getClientRects().length === 0) return false;
    const r = b.getBoundingClientRect();
    return r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom;
  });
  box.classList.toggle('toast-top', covers);
}

// A scroll or a smaller window can bring a primary action under a toast still showing.
const recheck = () => {
  const box = document.getElementById('toast');
  if (box && !box.hidden && !box.classList.contains('toast-top')) keepClear(box);
};
document.addEventListener('scroll', recheck, { passive: true, capture: true });
window.addEventListener('resize', recheck);

export function showBanner(message) {
  const banner = document.getElementById('banner');
  banner.textContent = message;
  banner.hidden = !message;
}
