// One way to write a date, a time and "how long from now" across every page (issue 25 item 8:
// a secret line said "1 Jan 2027" while the Test dialog said "12/2/2027, 10:49:34 AM").

import { state } from './state.js';

const DAY = { day: 'numeric', month: 'short', year: 'numeric' };

/// "12 Mar 2027": an expiry is a day people plan for.
export const day = (iso) => new Date(iso).toLocaleDateString('en-GB', DAY);

/// "12 Mar 2027, 14:05": the same day, and the time in this computer's zone.
export const dateTime = (iso) => new Date(iso).toLocaleString('en-GB', { ...DAY, hour: '2-digit', minute: '2-digit' });

/// "in 105 days" / "in 1 day" / "today" / "5 days ago", counted from the store's now (the
/// system's in a running app).
export function fromNow(iso) {
  const now = Date.now() + (state.clockOffset ?? 0);
  const days = Math.round((new Date(iso) - now) / 86400000);
  if (days === 0) return 'today';
  if (days > 0) return `in ${days} day${days === 1 ? '' : 's'}`;
  return `${-days} day${days === -1 ? '' : 's'} ago`;
}
