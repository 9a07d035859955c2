// HTML templating with escaping, and the formatters every view uses.

import { label } from './labels.js';

export class Raw {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

export const raw = (text) => new Raw(text);

export function esc(value) {
  return String(value)
    .replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function part(value) {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  return esc(value);
}

// html`<p>${text}</p>`: every interpolated value is escaped unless it is Raw
// (another html`` result); arrays are joined; null, undefined and false vanish.
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => { out += part(value) + strings[i + 1]; });
  return raw(out);
}

export function mount(el, template) {
  el.innerHTML = part(template);
}

// ---- formatters -----------------------------------------------------------------

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const stamp = new Intl.DateTimeFormat('en-GB', {
  day: '2-digit', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC',
});
const day = new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: 'short', year: 'numeric', timeZone: 'UTC' });

export const fmtMoney = (n) => (n === null || n === undefined ? '—' : money.format(n));
export const fmtDate = (iso) => (iso ? `${stamp.format(new Date(iso))} UTC` : '—');
export const fmtDay = (iso) => (iso ? day.format(new Date(iso)) : '—');
export const fmtPct = (n, digits = 1) => (n === null || n === undefined ? '—' : `${n.toFixed(digits)}%`);
export const fmtNum = (n, digits = 1) => (n === null || n === undefined ? '—' : (+n.toFixed(digits)).toLocaleString('en-US'));
export { label } from './labels.js';

const DAY_MS = 86_400_000;

export function daysLeft(deadlineIso, now = Date.now()) {
  return (new Date(deadlineIso).getTime() - now) / DAY_MS;
}

export function fmtDaysLeft(days) {
  if (days < 0) return `${Math.ceil(-days)} d late`;
  if (days < 1) return `${Math.max(0, Math.round(days * 24))} h`;
  return `${Math.floor(days)} d`;
}

export function ago(iso, now = Date.now()) {
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const STATES = [
  'open', 'briefed', 'meeting_booked', 'discovery_done', 'sponsor_engaged',
  'paused', 'won', 'lost', 'expired', 'disqualified', 'withdrawn',
];
export const ACTIVE_STATES = ['open', 'briefed', 'meeting_booked', 'discovery_done', 'sponsor_engaged', 'paused'];

export function stateBadge(state) {
  return html`<span class="badge state-${state}" data-state="${state}">${label(state)}</span>`;
}

export function flags(item) {
  return html`${item.overdue ? html`<span class="badge flag-overdue">overdue</span>` : ''}${
    item.at_risk ? html`<span class="badge flag-risk">at risk</span>` : ''}`;
}

// The hash route: "#/plays?state=open" -> {name: "plays", rest: [], query}.
export function parseHash(hash) {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: name || 'pipeline', rest, query: new URLSearchParams(search) };
}

export function hashFor(name, query = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') params.set(k, v);
  const q = params.toString();
  return `#/${name}${q ? `?${q}` : ''}`;
}
