// Signals feed: newest signals with their evidence (the customer's words, the
// numbers), qualified vs suppressed with the reasons. New ones are marked.

import { get } from '../api.js';
import { gauge } from '../charts.js';
import { ago, fmtDate, fmtNum, hashFor, html, label, mount } from '../dom.js';
import { accountName, loadLabels, productName, prose } from '../labels.js';
import { csvButton, saveCsv } from '../table.js';

const PAGE = 30;
const STATUSES = ['qualified', 'suppressed', 'stale'];
const TYPES = [
  'usage_ceiling', 'seat_milestone', 'adjacent_pain', 'workaround',
  'stakeholder_expansion', 'strategic_shift', 'partner_flag', 'competitive_adjacent',
];

function evidence(s) {
  const e = s.evidence || {};
  const parts = [];
  if (e.limit !== undefined && e.value !== undefined) {
    parts.push(html`<div class="numbers" data-testid="evidence-numbers">
      <b>${fmtNum(e.value)}</b> of ${fmtNum(e.limit)} ${label(e.metric)} (${fmtNum(e.percent)}%) ${gauge(e.value, e.limit)}</div>`);
  } else if (e.milestone !== undefined) {
    parts.push(html`<div class="numbers" data-testid="evidence-numbers"><b>${fmtNum(e.value)}</b> ${label(e.metric)}${e.module ? ` in ${e.module}` : ''} — milestone ${fmtNum(e.milestone)}</div>`);
  }
  for (const t of e.tickets || []) {
    parts.push(html`<blockquote data-testid="evidence-quote">“${t.quote || t.subject}”
      <cite>${t.requester?.name}${t.requester?.role ? `, ${label(t.requester.role)}` : ''} · ticket ${t.ticket_id} · ${fmtDate(t.opened_at)}</cite></blockquote>`);
  }
  if (e.text) {
    parts.push(html`<blockquote data-testid="evidence-quote">“${e.text}”
      <cite>${e.author_role ? `${label(e.author_role)} note` : 'note'}${e.competitor ? ` · competitor ${e.competitor}` : ''}</cite></blockquote>`);
  }
  if (e.events) {
    parts.push(html`<ul class="events">${e.events.map((w) => html`<li>${label(w.kind)}: ${prose(w.detail)} <span class="sub">${fmtDate(w.at)}</span></li>`)}</ul>`);
  }
  if (e.persona) parts.push(html`<div class="numbers">${e.name}, ${e.title} <span class="sub">(${label(e.persona)})</span></div>`);
  return parts;
}

const CSV = [
  { title: 'signal id', value: (s) => s.id }, { title: 'detected', value: (s) => s.detected_at },
  { title: 'status', value: (s) => label(s.status) }, { title: 'type', value: (s) => label(s.type) },
  { title: 'account id', value: (s) => s.account_id }, { title: 'account', value: (s) => accountName(s.account_id) },
  { title: 'adjacent product', value: (s) => productName(s.adjacent_product) }, { title: 'score', value: (s) => s.score },
  { title: 'source', value: (s) => s.source }, { title: 'surfaced by', value: (s) => s.surfaced_by },
  { title: 'suppression reasons', value: (s) => s.suppression_reasons.map(label).join('; ') },
  { title: 'summary', value: (s) => s.evidence?.summary || '' },
];

function card(s, fresh) {
  return html`<article class="signal status-${s.status} ${fresh ? 'fresh' : ''}" data-testid="signal" data-signal-id="${s.id}" data-status="${s.status}">
    <header>
      <span class="badge status-${s.status}">${label(s.status)}</span>
      <b>${label(s.type)}</b> → <b>${productName(s.adjacent_product)}</b>
      <span class="sub"><a href="#/account/${encodeURIComponent(s.account_id)}" data-testid="signal-account">${accountName(s.account_id)}</a> · score ${s.score} · from ${label(s.source)}, surfaced by ${label(s.surfaced_by)}</span>
      ${fresh ? html`<span class="badge new" data-testid="new-badge">new</span>` : ''}
      <time datetime="${s.detected_at}" title="${fmtDate(s.detected_at)}">${ago(s.detected_at)}</time>
    </header>
    <p class="summary" data-testid="signal-summary">${prose(s.evidence?.summary)}</p>
    ${evidence(s)}
    <footer>
      ${s.suppression_reasons.map((r) => html`<span class="badge reason" data-testid="suppression-reason">${label(r)}</span>`)}
      ${s.flags.map((f) => html`<span class="badge flag">${label(f)}</span>`)}
      ${s.needs_verification ? html`<span class="badge flag">needs verification</span>` : ''}
    </footer>
  </article>`;
}

export function signalsView(el, route) {
  const status = route.query.get('status') || '';
  const type = route.query.get('type') || '';
  const cursors = [null];
  let page = 0;
  let seen = null; // ids shown by the previous poll of page 1; null before the first
  const fresh = new Map(); // id -> when it first appeared (kept marked for a minute)

  mount(el, html`
    <div class="view-head">
      <h1>Signals</h1>
      <form class="filters" id="signal-filter">
        <select name="type"><option value="">every type</option>
          ${TYPES.map((t) => html`<option value="${t}" ${t === type ? 'selected' : ''}>${label(t)}</option>`)}</select>
      </form>
    </div>
    <div class="chips">
      <a class="chip ${status ? '' : 'on'}" href="${hashFor('signals', { type })}">All</a>
      ${STATUSES.map((s) => html`<a class="chip status-${s} ${s === status ? 'on' : ''}" data-testid="status-${s}" href="${hashFor('signals', { status: s, type })}">${label(s)}</a>`)}
      ${csvButton('signals-csv', 'Export this page (CSV)')}
    </div>
    <div id="signal-list" class="feed" data-testid="signal-feed"><p class="loading">Loading…</p></div>
    <div class="pager">
      <button type="button" id="prev">← Newer</button><span id="page-info"></span><button type="button" id="next">Older →</button>
    </div>`);
  el.querySelector('#signal-filter').addEventListener('change', (e) => {
    window.location.hash = hashFor('signals', { status, type: e.target.value });
  });
  el.querySelector('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); update(); });
  el.querySelector('#next').addEventListener('click', () => { if (cursors[page + 1]) { page += 1; update(); } });

  let shown = [];
  el.querySelector('[data-testid="signals-csv"]').addEventListener('click', () => saveCsv('signals.csv', CSV, shown));

  async function update() {
    const data = await get('signal_ingest', '/v1/signals', { status, type, limit: PAGE, cursor: cursors[page] });
    await loadLabels(data.items.map((s) => s.account_id));
    if (!el.querySelector('#signal-list')) return; // another view replaced this one meanwhile
    shown = data.items;
    cursors[page + 1] = data.next_cursor;
    const now = Date.now();
    if (page === 0) {
      if (seen) for (const s of data.items) if (!seen.has(s.id) && !fresh.has(s.id)) fresh.set(s.id, now);
      seen = new Set(data.items.map((s) => s.id));
    }
    for (const [id, at] of fresh) if (now - at > 60_000) fresh.delete(id);
    const list = el.querySelector('#signal-list');
    mount(list, data.items.length ? data.items.map((s) => card(s, fresh.has(s.id)))
      : html`<p class="empty">No signal matches.</p>`);
    list.dataset.loaded = 'true';
    el.querySelector('#page-info').textContent = `page ${page + 1}`;
    el.querySelector('#prev').disabled = page === 0;
    el.querySelector('#next').disabled = !data.next_cursor;
  }

  return { update };
}
