// Tables every view shares: sortable column headers (client-side for the rows
// a view holds; the plays board sorts on the server), CSV export of what a
// table shows, and drill-down links.

import { saveBlob } from './api.js';
import { html } from './dom.js';

// columns: [{key, title, num?, sort?}] ; sort: 'key' or '-key' (descending).
export function header(columns, sort, { testid = '' } = {}) {
  const current = sort.replace(/^-/, '');
  const down = sort.startsWith('-');
  return html`<thead data-testid="${testid}"><tr>${columns.map((c) => {
    if (!c.sort) return html`<th class="${c.num ? 'num' : ''}">${c.title}</th>`;
    const on = current === c.key;
    const next = on && !down ? `-${c.key}` : c.key;
    const arrow = on ? (down ? ' ↓' : ' ↑') : '';
    return html`<th class="${c.num ? 'num' : ''} sortable ${on ? 'sorted' : ''}" aria-sort="${on ? (down ? 'descending' : 'ascending') : 'none'}">
      <button type="button" class="sort" data-sort="${next}" data-testid="sort-${c.key}">${c.title}${arrow}</button></th>`;
  })}</tr></thead>`;
}

// Sort rows held in memory by a key (strings by locale, numbers, dates as ISO text).
export function sortRows(rows, sort, value = (row, key) => row[key]) {
  const key = sort.replace(/^-/, '');
  const sign = sort.startsWith('-') ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = value(a, key);
    const y = value(b, key);
    if (x === y) return 0;
    if (x === null || x === undefined || x === '') return 1;
    if (y === null || y === undefined || y === '') return -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * order;
  });
}

// Clicks on a header's sort buttons call ``onSort(next)``.
export function onSortClick(el, onSort) {
  el.addEventListener('click', (event) => {
    const button = event.target.closest('button.sort');
    if (button) onSort(button.dataset.sort);
  });
}

function cell(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// columns: [{title, value: row => text}] -> CSV text (RFC 4180).
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => cell(c.title)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(','));
  return `${lines.join('\n')}\n`;
}

export function saveCsv(filename, columns, rows) {
  saveBlob(new Blob([toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' }), filename);
}

export const csvButton = (testid, text = 'Export CSV') => html`<button type="button" class="csv" data-testid="${testid}">${text}</button>`;
