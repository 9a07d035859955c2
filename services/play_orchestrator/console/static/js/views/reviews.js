// Review queue: the day-7 and day-14 (and signal-41's day-21) manager reviews
// due on plays still running, oldest first.

import { get, serverNow } from '../api.js';
import { daysLeft, fmtDate, fmtDaysLeft, flags, hashFor, html, label, mount, stateBadge } from '../dom.js';

const PAGE = 50;

function row(r, now) {
  const left = daysLeft(r.deadline, now);
  return html`<tr class="${r.at_risk ? 'at-risk' : r.overdue ? 'overdue' : ''}" data-testid="review-row" data-play-id="${r.play_id}" data-day="${r.day}">
    <td><span class="badge review-day">day ${r.day}</span></td>
    <td class="when">${fmtDate(r.due_at)}<div class="sub">raised ${fmtDate(r.raised_at)}</div></td>
    <td><a href="#/play/${encodeURIComponent(r.play_id)}" class="strong">${r.account_name}</a><div class="sub">${r.account_id}</div></td>
    <td>${label(r.adjacent_product)}</td>
    <td>${r.owner || '—'}<div class="sub">CSM ${r.csm || '—'}</div></td>
    <td>${label(r.state_at_raise)} → ${stateBadge(r.play_state)}</td>
    <td class="num ${left < 0 ? 'bad' : ''}">${fmtDaysLeft(left)}</td>
    <td>${flags(r)}</td>
  </tr>`;
}

export function reviewsView(el, route) {
  const owner = route.query.get('owner') || '';
  const cursors = [null];
  let page = 0;
  mount(el, html`
    <div class="view-head">
      <h1>Review queue</h1>
      <form class="filters" id="review-filter">
        <input type="search" name="owner" placeholder="owner (AE), exact name" value="${owner}">
      </form>
    </div>
    <p class="period" id="review-summary"></p>
    <div class="card flush">
      <table class="table" data-testid="reviews-table">
        <thead><tr><th>Review</th><th>Due</th><th>Account</th><th>Adjacent product</th><th>Owner</th>
          <th>State at review → now</th><th class="num">Window left</th><th></th></tr></thead>
        <tbody id="review-rows"><tr><td colspan="8" class="loading">Loading…</td></tr></tbody>
      </table>
      <div class="pager">
        <button type="button" id="prev">← Earlier</button><span id="page-info"></span><button type="button" id="next">Later →</button>
      </div>
    </div>`);
  const form = el.querySelector('#review-filter');
  form.addEventListener('change', () => { window.location.hash = hashFor('reviews', { owner: form.owner.value.trim() }); });
  form.addEventListener('submit', (e) => e.preventDefault());
  el.querySelector('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); update(); });
  el.querySelector('#next').addEventListener('click', () => { if (cursors[page + 1]) { page += 1; update(); } });

  async function update() {
    const data = await get('play_orchestrator', '/v1/reviews', { owner, limit: PAGE, cursor: cursors[page] });
    if (!el.querySelector('#review-rows')) return; // another view replaced this one meanwhile
    cursors[page + 1] = data.next_cursor;
    const now = serverNow();
    const rows = el.querySelector('#review-rows');
    mount(rows, data.items.length ? data.items.map((r) => row(r, now))
      : html`<tr><td colspan="8" class="empty">No review due.</td></tr>`);
    rows.dataset.loaded = 'true';
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
