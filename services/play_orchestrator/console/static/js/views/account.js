// One account: facts (owners, health, products, renewals), usage against
// limits, the gates still closed per adjacent product (with reasons), its
// signals (signal_ingest's GET /v1/accounts/{id}) and its plays.

import { get } from '../api.js';
import { gauge } from '../charts.js';
import { fmtDate, fmtDay, fmtMoney, fmtNum, html, label, mount, stateBadge } from '../dom.js';
import { loadLabels, productName, prose } from '../labels.js';
import { csvButton, saveCsv } from '../table.js';

const PLAY_CSV = [
  { title: 'play id', value: (p) => p.id }, { title: 'adjacent product', value: (p) => productName(p.adjacent_product) },
  { title: 'state', value: (p) => p.state }, { title: 'owner', value: (p) => p.owner || '' },
  { title: 'opened', value: (p) => p.opened_at }, { title: 'deadline', value: (p) => p.deadline },
  { title: 'expected amount', value: (p) => p.expected_amount }, { title: 'won amount', value: (p) => p.won_amount ?? '' },
];

function facts(a) {
  return html`<article class="card" data-testid="account-facts"><h2>Facts</h2><dl class="facts">
    <dt>Health</dt><dd>${a.health ? html`<span class="badge health-${a.health}">${label(a.health)}</span>` : '—'}${a.health_at ? ` since ${fmtDay(a.health_at)}` : ''}</dd>
    <dt>CSM</dt><dd>${a.csm_owner || '—'}</dd><dt>AE</dt><dd>${a.ae_owner || '—'}</dd>
    <dt>Open escalations</dt><dd>${a.open_escalations.length ? a.open_escalations.join(', ') : 'none'}</dd>
  </dl>
  <table class="table compact"><thead><tr><th>Product</th><th>Tier</th><th class="num">ACV</th><th>Renews</th><th class="num">Adoption</th></tr></thead>
  <tbody>${a.products.map((p) => html`<tr><td>${productName(p.product)}</td><td>${p.tier || '—'}</td><td class="num">${fmtMoney(p.acv)}</td>
    <td>${fmtDay(p.renewal_date)}${a.renewals?.[p.product]?.status ? ` (${label(a.renewals[p.product].status)})` : ''}</td><td class="num">${p.adoption_pct === null ? '—' : `${fmtNum(p.adoption_pct, 0)}%`}</td></tr>`)}</tbody></table></article>`;
}

function usage(a) {
  return html`<article class="card" data-testid="account-usage"><h2>Usage against limits</h2>
    ${a.usage.length ? html`<table class="table compact"><thead><tr><th>Product</th><th>Metric</th><th class="num">Value</th><th class="num">Limit</th><th></th></tr></thead><tbody>
    ${a.usage.map((u) => html`<tr><td>${productName(u.product)}${u.module ? ` · ${u.module}` : ''}</td><td>${label(u.metric)}</td>
      <td class="num">${fmtNum(u.value, 0)}</td><td class="num">${u.limit ? fmtNum(u.limit, 0) : '—'}</td>
      <td>${u.limit ? html`${gauge(u.value, u.limit)} ${fmtNum(u.percent_of_limit)}%` : ''}</td></tr>`)}</tbody></table>`
    : html`<p class="empty">No usage reported.</p>`}</article>`;
}

function gates(a) {
  const closed = Object.entries(a.open_gates || {});
  return html`<article class="card" data-testid="account-gates"><h2>Gates <small>what holds a play back, per adjacent product</small></h2>
    ${closed.length ? html`<ul class="gates">${closed.map(([adj, reasons]) => html`<li><b>${productName(adj)}</b>: ${reasons.map(label).join('; ')}</li>`)}</ul>`
    : html`<p class="good">Every gate is open.</p>`}
    ${Object.entries(a.play_scores || {}).map(([adj, s]) => html`<p class="note">${productName(adj)}: play score ${fmtNum(s.score)} of ${fmtNum(s.threshold)} needed${s.opens ? ' — opens a play' : ''}</p>`)}
  </article>`;
}

export function accountView(el, route) {
  const id = route.rest[0];
  mount(el, html`<div id="account-body" class="loading">Loading…</div>`);
  const body = el.querySelector('#account-body');
  let plays = [];
  body.addEventListener('click', (e) => {
    if (e.target.closest('[data-testid="account-plays-csv"]')) saveCsv(`account-${id}-plays.csv`, PLAY_CSV, plays);
  });

  async function update() {
    const [a, p] = await Promise.all([
      get('signal_ingest', `/v1/accounts/${encodeURIComponent(id)}`),
      get('play_orchestrator', '/v1/board/plays', { account_id: id, limit: 200 }),
      loadLabels([id]),
    ]);
    if (!body.isConnected) return;
    plays = p.items;
    mount(body, html`
      <p class="crumbs"><a href="#/plays">← Plays</a></p>
      <div class="view-head"><div><h1 data-testid="account-name">${a.name || id}</h1><div class="sub">${label(a.health)} health · CSM ${a.csm_owner || '—'} · AE ${a.ae_owner || '—'}</div></div></div>
      <section class="grid2">${facts(a)}${gates(a)}${usage(a)}
        <article class="card" data-testid="account-plays"><h2>Plays <small>${plays.length}</small> ${csvButton('account-plays-csv')}</h2>
          ${plays.length ? html`<table class="table compact"><tbody>${plays.map((x) => html`<tr><td><a href="#/play/${encodeURIComponent(x.id)}">${productName(x.adjacent_product)}</a></td>
            <td>${stateBadge(x.state)}</td><td>${x.owner || '—'}</td><td>${fmtDay(x.opened_at)}</td><td class="num">${fmtMoney(x.won_amount ?? x.expected_amount)}</td></tr>`)}</tbody></table>`
          : html`<p class="empty">No play yet.</p>`}</article>
      </section>
      <article class="card" data-testid="account-signals"><h2>Signals <small>the newest ${a.signals.length}</small></h2>
        <table class="table compact"><thead><tr><th>Detected</th><th>Status</th><th>Type</th><th>Adjacent product</th><th class="num">Score</th><th>Summary</th></tr></thead><tbody>
        ${a.signals.map((s) => html`<tr><td>${fmtDate(s.detected_at)}</td><td>${label(s.status)}</td><td>${label(s.type)}</td><td>${productName(s.adjacent_product)}</td>
          <td class="num">${s.score}</td><td>${prose(s.evidence?.summary)}${s.suppression_reasons.length ? html`<div class="sub">held back: ${s.suppression_reasons.map(label).join('; ')}</div>` : ''}</td></tr>`)}</tbody></table></article>`);
    body.classList.remove('loading');
    body.dataset.loaded = 'true';
  }

  return { update };
}
