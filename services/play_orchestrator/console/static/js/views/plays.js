// Plays board: every play filtered (owner, CSM, adjacent product, signal type,
// health, state, overdue), sorted by any column (on the server), 50 a page,
// with the count per state under the same filters and a CSV of every match.

import { download, get, serverNow } from '../api.js';
import {
  ACTIVE_STATES, STATES, daysLeft, fmtDate, fmtDaysLeft, fmtMoney, flags, hashFor, html, label, mount, stateBadge,
} from '../dom.js';
import { loadLabels, productName, productNames } from '../labels.js';
import { csvButton, header, onSortClick } from '../table.js';

const PAGE = 50;
const TYPES = [
  'usage_ceiling', 'seat_milestone', 'adjacent_pain', 'workaround',
  'stakeholder_expansion', 'strategic_shift', 'partner_flag', 'competitive_adjacent',
];
const COLUMNS = [
  { key: 'account', title: 'Account', sort: true }, { key: 'adjacent_product', title: 'Adjacent product', sort: true },
  { key: 'state', title: 'State', sort: true }, { key: 'owner', title: 'Owner (AE) · CSM', sort: true },
  { key: 'signal_type', title: 'Signal', sort: true }, { key: 'health', title: 'Health', sort: true },
  { key: 'expected_amount', title: 'Expected', num: true, sort: true }, { key: 'deadline', title: 'Deadline', sort: true },
  { key: 'days', title: 'Days left', num: true }, { key: 'flags', title: '' },
];
const FILTERS = ['owner', 'csm', 'product', 'type', 'health', 'surfaced'];

// At risk (no meeting within 7 days) is amber; a sponsor or business case
// overdue is red; a window closing within two days shows its days left in amber.
function rowClass(item, left) {
  if (item.at_risk) return 'at-risk';
  if (item.overdue) return 'overdue';
  if (ACTIVE_STATES.includes(item.state) && left < 2) return 'soon';
  return '';
}

function row(item, now) {
  const active = ACTIVE_STATES.includes(item.state);
  const left = daysLeft(item.deadline, now);
  return html`<tr class="${rowClass(item, left)}" data-testid="play-row" data-play-id="${item.id}" data-state="${item.state}">
    <td><a href="#/play/${encodeURIComponent(item.id)}" class="strong">${item.account_name}</a>
      <div class="sub"><a href="#/account/${encodeURIComponent(item.account_id)}">account page</a></div></td>
    <td data-testid="cell-product">${productName(item.adjacent_product)}</td>
    <td>${stateBadge(item.state)}</td>
    <td data-testid="cell-owner">${item.owner || '—'}<div class="sub">CSM ${item.csm || '—'}</div></td>
    <td>${label(item.signal_type)}<div class="sub">surfaced by ${label(item.surfaced_by)}</div></td>
    <td>${item.health ? html`<span class="badge health-${item.health}">${label(item.health)}</span>` : '—'}</td>
    <td class="num" data-testid="cell-expected" data-value="${item.expected_amount}">${fmtMoney(item.expected_amount)}</td>
    <td class="when">${fmtDate(item.deadline)}</td>
    <td class="num days-left ${active && left < 0 ? 'bad' : ''}" data-testid="days-left">${active ? fmtDaysLeft(left) : '—'}</td>
    <td>${flags(item)}</td>
  </tr>`;
}

export function playsView(el, route) {
  const q = route.query;
  const state = q.get('state') || 'active';
  const overdue = q.get('overdue') === '1';
  const f = Object.fromEntries(FILTERS.map((k) => [k, q.get(k) || '']));
  const sort = q.get('sort') || '-opened_at';
  let page = 0;
  const current = { state, overdue: overdue ? '1' : '', ...f, sort };
  const link = (changes) => hashFor('plays', { ...current, ...changes });
  const params = () => ({
    // 'active' and 'all' are the board's words; the API gets states (never state=all)
    state: state === 'active' ? ACTIVE_STATES : state === 'all' ? [] : [state],
    owner: f.owner, csm: f.csm, adjacent_product: f.product, signal_type: f.type, health: f.health,
    overdue: overdue ? 'true' : '', surfaced_by: f.surfaced, sort,
  });

  mount(el, html`
    <div class="view-head">
      <h1>Plays</h1>
      <form class="filters wrap" id="plays-filter">
        <input type="search" name="owner" placeholder="owner (AE): part of the name" value="${f.owner}" data-testid="filter-owner">
        <input type="search" name="csm" placeholder="CSM: part of the name" value="${f.csm}" data-testid="filter-csm">
        <select name="product" data-testid="filter-product"><option value="">every adjacent product</option></select>
        <select name="type" data-testid="filter-type"><option value="">every signal type</option>
          ${TYPES.map((t) => html`<option value="${t}" ${t === f.type ? 'selected' : ''}>${label(t)}</option>`)}</select>
        <select name="health" data-testid="filter-health"><option value="">any health</option>
          ${['green', 'yellow', 'red'].map((h) => html`<option value="${h}" ${h === f.health ? 'selected' : ''}>${label(h)}</option>`)}</select>
        <label><input type="checkbox" name="overdue" ${overdue ? 'checked' : ''}> overdue or at risk only</label>
        <a href="#/plays" data-testid="clear-filters">clear filters</a>
        ${csvButton('plays-csv', 'Export CSV (every match)')}
      </form>
    </div>
    <div class="chips" id="state-chips" data-testid="state-chips"></div>
    <p class="period" id="plays-total" data-testid="plays-total"></p>
    <div class="card flush">
      <table class="table" data-testid="plays-table">
        ${header(COLUMNS, sort, { testid: 'plays-head' })}
        <tbody id="plays-rows"><tr><td colspan="10" class="loading">Loading…</td></tr></tbody>
      </table>
      <div class="pager">
        <button type="button" id="prev">← Previous</button><span id="page-info"></span><button type="button" id="next">Next →</button>
      </div>
    </div>`);
  const form = el.querySelector('#plays-filter');
  form.addEventListener('change', (e) => {
    if (e.target.name && e.target.type !== 'search') navigate();
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate(); });
  for (const input of form.querySelectorAll('input[type=search]')) input.addEventListener('search', navigate);
  function navigate() {
    window.location.hash = link({
      overdue: form.overdue.checked ? '1' : '', owner: form.owner.value.trim(), csm: form.csm.value.trim(),
      product: form.product.value, type: form.type.value, health: form.health.value, surfaced: f.surfaced,
    });
  }
  onSortClick(el.querySelector('table'), (next) => { window.location.hash = link({ sort: next }); });
  el.querySelector('[data-testid="plays-csv"]').addEventListener('click', async (e) => {
    e.target.disabled = true;
    try {
      await download('play_orchestrator', '/v1/board/plays.csv', params(), 'plays.csv');
    } finally {
      e.target.disabled = false;
    }
  });
  el.querySelector('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); update(); });
  el.querySelector('#next').addEventListener('click', () => { page += 1; update(); });

  function chips(states) {
    const count = (names) => names.reduce((n, s) => n + (states[s] || 0), 0);
    const chip = (key, n, cls = '') => html`<a class="chip ${cls} ${key === state ? 'on' : ''}"
      href="${link({ state: key })}" data-testid="chip-${key}" data-count="${n}">${label(key)} <b>${n}</b></a>`;
    return html`${chip('active', count(ACTIVE_STATES))}${chip('all', count(STATES))}
      ${STATES.map((s) => chip(s, states[s] || 0, `state-${s}`))}`;
  }

  let productsShown = false;
  async function update() {
    const [board] = await Promise.all([
      get('play_orchestrator', '/v1/board/plays', { ...params(), limit: PAGE, offset: page * PAGE }),
      productsShown ? null : loadLabels(),
    ]);
    const rows = el.querySelector('#plays-rows');
    if (!rows) return; // another view replaced this one meanwhile
    if (!productsShown) {
      form.product.insertAdjacentHTML('beforeend', productNames().map(([id, name]) => html`<option value="${id}" ${id === f.product ? 'selected' : ''}>${name}</option>`.text).join(''));
      productsShown = true;
    }
    const now = serverNow();
    mount(el.querySelector('#state-chips'), chips(board.states));
    mount(rows, board.items.length
      ? board.items.map((item) => row(item, now))
      : html`<tr><td colspan="10" class="empty">No play matches.</td></tr>`);
    rows.dataset.loaded = 'true';
    rows.dataset.total = String(board.total);
    const first = page * PAGE + 1;
    el.querySelector('#plays-total').textContent = `${board.total.toLocaleString('en-US')} plays match${f.surfaced ? `, surfaced by ${label(f.surfaced)}` : ''}`;
    el.querySelector('#page-info').textContent = board.items.length
      ? `plays ${first}–${first + board.items.length - 1} of ${board.total.toLocaleString('en-US')}` : `page ${page + 1}`;
    el.querySelector('#prev').disabled = page === 0;
    el.querySelector('#next').disabled = first + board.items.length - 1 >= board.total;
  }

  return { update };
}
