// Plays board: plays by state, newest first, 50 a page (keyset cursors), with
// owner, adjacent product, days left to the deadline; overdue and at-risk marked.

import { get, serverNow } from '../api.js';
import {
  ACTIVE_STATES, STATES, daysLeft, fmtDate, fmtDaysLeft, fmtMoney, flags, hashFor, html, label, mount, stateBadge,
} from '../dom.js';

const PAGE = 50;

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
  return html`<tr class="${rowClass(item, left)}" data-testid="play-row" data-play-id="${item.id}">
    <td><a href="#/play/${encodeURIComponent(item.id)}" class="strong">${item.account_name}</a>
      <div class="sub">${item.account_id}</div></td>
    <td>${label(item.adjacent_product)}</td>
    <td>${stateBadge(item.state)}</td>
    <td>${item.owner || '—'}<div class="sub">CSM ${item.csm || '—'}</div></td>
    <td>${label(item.signal_type)}<div class="sub">by ${item.surfaced_by}</div></td>
    <td class="num">${fmtMoney(item.expected_amount)}</td>
    <td class="when">${fmtDate(item.deadline)}</td>
    <td class="num days-left ${active && left < 0 ? 'bad' : ''}" data-testid="days-left">${active ? fmtDaysLeft(left) : '—'}</td>
    <td>${flags(item)}</td>
  </tr>`;
}

export function playsView(el, route) {
  const state = route.query.get('state') || 'active';
  const overdue = route.query.get('overdue') === '1';
  const owner = route.query.get('owner') || '';
  const cursors = [null]; // cursors[i]: the cursor of page i
  let page = 0;
  const link = (changes) => hashFor('plays', { state, overdue: overdue ? '1' : '', owner, ...changes });

  mount(el, html`
    <div class="view-head">
      <h1>Plays</h1>
      <form class="filters" id="plays-filter">
        <label><input type="checkbox" name="overdue" ${overdue ? 'checked' : ''}> overdue or at risk only</label>
        <input type="search" name="owner" placeholder="owner (AE), exact name" value="${owner}">
      </form>
    </div>
    <div class="chips" id="state-chips" data-testid="state-chips"></div>
    <div class="card flush">
      <table class="table" data-testid="plays-table">
        <thead><tr><th>Account</th><th>Adjacent product</th><th>State</th><th>Owner</th><th>Signal</th>
          <th class="num">Expected</th><th>Deadline</th><th class="num">Days left</th><th></th></tr></thead>
        <tbody id="plays-rows"><tr><td colspan="9" class="loading">Loading…</td></tr></tbody>
      </table>
      <div class="pager">
        <button type="button" id="prev">← Newer</button>
        <span id="page-info"></span>
        <button type="button" id="next">Older →</button>
      </div>
    </div>`);

  const form = el.querySelector('#plays-filter');
  form.addEventListener('change', () => {
    window.location.hash = link({ overdue: form.overdue.checked ? '1' : '', owner: form.owner.value.trim() });
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  el.querySelector('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); update(); });
  el.querySelector('#next').addEventListener('click', () => { if (cursors[page + 1]) { page += 1; update(); } });

  function chips(states) {
    const count = (names) => names.reduce((n, s) => n + (states[s]?.plays || 0), 0);
    const chip = (key, text, n, cls = '') => html`<a class="chip ${cls} ${key === state ? 'on' : ''}"
      href="${link({ state: key })}" data-testid="chip-${key}">${text} <b>${n}</b></a>`;
    return html`${chip('active', 'Active', count(ACTIVE_STATES))}${chip('all', 'All', count(STATES))}
      ${STATES.map((s) => chip(s, label(s), states[s]?.plays || 0, `state-${s}`))}`;
  }

  async function update() {
    const states = state === 'active' ? ACTIVE_STATES : state === 'all' ? [] : [state];
    const params = { state: states, limit: PAGE, cursor: cursors[page] };
    if (overdue) params.overdue = 'true';
    if (owner) params.owner = owner;
    const [plays, counts] = await Promise.all([
      get('play_orchestrator', '/v1/plays', params),
      get('play_orchestrator', '/v1/metrics/states'),
    ]);
    if (!el.querySelector('#plays-rows')) return; // another view replaced this one meanwhile
    cursors[page + 1] = plays.next_cursor;
    const now = serverNow();
    mount(el.querySelector('#state-chips'), chips(counts.states));
    const rows = el.querySelector('#plays-rows');
    mount(rows, plays.items.length
      ? plays.items.map((item) => row(item, now))
      : html`<tr><td colspan="9" class="empty">No play matches.</td></tr>`);
    rows.dataset.loaded = 'true';
    const first = page * PAGE + 1;
    el.querySelector('#page-info').textContent = plays.items.length
      ? `page ${page + 1} · plays ${first}–${first + plays.items.length - 1}` : `page ${page + 1}`;
    el.querySelector('#prev').disabled = page === 0;
    el.querySelector('#next').disabled = !plays.next_cursor;
  }

  return { update };
}
