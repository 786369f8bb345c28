// Loaded first, as a classic script (it runs before the page's modules, which are deferred):
// keeps every uncaught error and unhandled promise rejection in window.__keydeskErrors, so the
// end-to-end tests fail on a page that raised one even when nothing on screen shows it.
'use strict';
(() => {
  const errors = [];
  const KEEP = 100;
  const describe = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}${value.stack ? `\n${value.stack}` : ''}`;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  };
  const record = (text) => {
    if (errors.length < KEEP) errors.push(text);
  };
  Object.defineProperty(window, '__keydeskErrors', { value: errors });
  window.addEventListener('error', (event) => {
    const where = event.filename ? ` (${event.filename}:${event.lineno}:${event.colno})` : '';
    record(`uncaught error: ${event.error ? describe(event.error) : event.message}${where}`);
  });
  window.addEventListener('unhandledrejection', (event) => {
    record(`unhandled promise rejection: ${describe(event.reason)}`);
  });
})();
