// Review queue: the day-7 and day-14 (and signal-41's day-21) manager reviews
// due on plays still running, oldest first, each resolvable here (outcome and
// note: POST /v1/reviews/{id}/resolve). Sortable, exportable as CSV.

import { get, serverNow } from '../api.js';
import { daysLeft, fmtDate, fmtDaysLeft, flags, hashFor, html, label, mount, stateBadge } from '../dom.js';
import { actionForm, field, values, wire } from '../forms.js';
import { productName } from '../labels.js';
import { csvButton, header, onSortClick, saveCsv, sortRows } from '../table.js';

const PAGE = 50;
const COLUMNS = [
  { key: 'day', title: 'Review', sort: true }, { key: 'due_at', title: 'Due', sort: true },
  { key: 'account_name', title: 'Account', sort: true }, { key: 'adjacent_product', title: 'Adjacent product', sort: true },
  { key: 'owner', title: 'Owner', sort: true }, { key: 'play_state', title: 'State at review → now', sort: true },
  { key: 'deadline', title: 'Window left', num: true, sort: true }, { key: 'flags', title: '' }, { key: 'act', title: '' },
];
const CSV = [
  { title: 'review id', value: (r) => r.id }, { title: 'play id', value: (r) => r.play_id },
  { title: 'review', value: (r) => label(r.kind) }, { title: 'due', value: (r) => r.due_at },
  { title: 'account', value: (r) => r.account_name }, { title: 'adjacent product', value: (r) => productName(r.adjacent_product) },
  { title: 'owner', value: (r) => r.owner || '' }, { title: 'csm', value: (r) => r.csm || '' },
  { title: 'state at review', value: (r) => label(r.state_at_raise) }, { title: 'state now', value: (r) => label(r.play_state) },
  { title: 'deadline', value: (r) => r.deadline }, { title: 'at risk', value: (r) => r.at_risk },
];
const OUTCOMES = [['on_track', 'On track'], ['at_risk', 'At risk'], ['escalated', 'Escalated'], ['close_play', 'Close the play (lost)']];

function row(r, now) {
  const left = daysLeft(r.deadline, now);
  return html`<tr class="${r.at_risk ? 'at-risk' : r.overdue ? 'overdue' : ''}" data-testid="review-row" data-review-id="${r.id}" data-play-id="${r.play_id}" data-day="${r.day}">
    <td><span class="badge review-day">${label(r.kind)}</span></td>
    <td class="when">${fmtDate(r.due_at)}<div class="sub">raised ${fmtDate(r.raised_at)}</div></td>
    <td><a href="#/play/${encodeURIComponent(r.play_id)}" class="strong">${r.account_name}</a>
      <div class="sub"><a href="#/account/${encodeURIComponent(r.account_id)}">account page</a></div></td>
    <td>${productName(r.adjacent_product)}</td>
    <td>${r.owner || '—'}<div class="sub">CSM ${r.csm || '—'}</div></td>
    <td>${label(r.state_at_raise)} → ${stateBadge(r.play_state)}</td>
    <td class="num ${left < 0 ? 'bad' : ''}">${fmtDaysLeft(left)}</td>
    <td>${flags(r)}</td>
    <td><button type="button" data-resolve="${r.id}" data-testid="resolve">Resolve…</button></td>
  </tr>`;
}

const resolveForm = (r) => html`<tr class="resolve-row" data-testid="resolve-row"><td colspan="9">${actionForm('resolve', `Resolve the ${label(r.kind).toLowerCase()} of ${r.account_name}`, html`
  ${field('outcome', 'Outcome', { options: OUTCOMES, required: true })}
  ${field('note', 'Note: what was decided, and why', { rows: 2, required: true })}`, 'Resolve the review')}</td></tr>`;

export function reviewsView(el, route) {
  const owner = route.query.get('owner') || '';
  let sort = route.query.get('sort') || 'due_at';
  const cursors = [null];
  let page = 0;
  let items = [];
  mount(el, html`
    <div class="view-head">
      <h1>Review queue</h1>
      <form class="filters" id="review-filter">
        <input type="search" name="owner" placeholder="owner (AE), exact name" value="${owner}">
        ${csvButton('reviews-csv')}
      </form>
    </div>
    <p class="period" id="review-summary"></p>
    <p id="review-flash"></p>
    <div class="card flush">
      <table class="table" data-testid="reviews-table">
        ${header(COLUMNS, sort, { testid: 'reviews-head' })}
        <tbody id="review-rows"><tr><td colspan="9" class="loading">Loading…</td></tr></tbody>
      </table>
      <div class="pager">
        <button type="button" id="prev">← Earlier</button><span id="page-info"></span><button type="button" id="next">Later →</button>
      </div>
    </div>`);
  const form = el.querySelector('#review-filter');
  const rows = el.querySelector('#review-rows');
  form.addEventListener('change', () => { window.location.hash = hashFor('reviews', { owner: form.owner.value.trim() }); });
  form.addEventListener('submit', (e) => e.preventDefault());
  el.querySelector('[data-testid="reviews-csv"]').addEventListener('click', () => saveCsv('reviews.csv', CSV, sortRows(items, sort)));
  const table = el.querySelector('table');
  onSortClick(table, (next) => {
    sort = next;
    table.querySelector('thead').outerHTML = header(COLUMNS, sort, { testid: 'reviews-head' }).text;
    draw();
  });
  rows.addEventListener('click', (e) => {
    const button = e.target.closest('[data-resolve]');
    if (!button) return;
    for (const open of rows.querySelectorAll('.resolve-row')) open.remove();
    const review = items.find((r) => r.id === button.dataset.resolve);
    button.closest('tr').insertAdjacentHTML('afterend', resolveForm(review).text);
    const formEl = rows.querySelector('.resolve-row form');
    const path = `/v1/reviews/${encodeURIComponent(review.id)}/resolve`;
    wire(formEl, 'POST', path, (f) => ({ outcome: values(f).outcome, note: values(f).note ?? '' }), async (play) => {
      const state = play.state === 'lost' ? ' The play is closed as lost.' : '';
      el.querySelector('#review-flash').textContent = `Resolved: ${label(review.kind)} of ${review.account_name}.${state}`;
      await update(true);
    });
    formEl.querySelector('select').focus();
  });
  el.querySelector('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); update(true); });
  el.querySelector('#next').addEventListener('click', () => { if (cursors[page + 1]) { page += 1; update(true); } });

  function draw() {
    const now = serverNow();
    mount(rows, items.length ? sortRows(items, sort).map((r) => row(r, now))
      : html`<tr><td colspan="9" class="empty">No review due.</td></tr>`);
    rows.dataset.loaded = 'true';
  }

  async function update(force = false) {
    const data = await get('play_orchestrator', '/v1/reviews', { owner, limit: PAGE, cursor: cursors[page] });
    if (!rows.isConnected) return; // another view replaced this one meanwhile
    if (!force && rows.querySelector('.resolve-row')) return; // the user is resolving one
    cursors[page + 1] = data.next_cursor;
    items = data.items;
    draw();
    const byDay = {};
    for (const r of data.items) byDay[r.day] = (byDay[r.day] || 0) + 1;
    el.querySelector('#review-summary').textContent = Object.keys(byDay).length
      ? `This page: ${Object.entries(byDay).map(([d, n]) => `${n} day-${d}`).join(', ')} review${data.items.length === 1 ? '' : 's'}`
      : '';
    el.querySelector('#page-info').textContent = `page ${page + 1}`;
    el.querySelector('#prev').disabled = page === 0;
    el.querySelector('#next').disabled = !data.next_cursor;
  }

  return { update };
}
