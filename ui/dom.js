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

let toastTimer = null;
export function toast(message) {
  const box = document.getElementById('toast');
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

export function showBanner(message) {
  const banner = document.getElementById('banner');
  banner.textContent = message;
  banner.hidden = !message;
}
