// Backtest results: a job started with POST /v1/backtests (admin scope) or
// `crosssell backtest`, shown beside the live catalog's figures on the same
// history: signals per adjacent product and type, and the closed plays.

import { get } from '../api.js';
import { fmtNum, hashFor, html, label, mount } from '../dom.js';

const OUTCOMES = [
  ['plays_would_open', 'Plays that would open'],
  ['closed_plays', 'Plays that closed in the period'],
  ['won', 'Won'],
  ['won_found', 'Won plays it would also open'],
  ['recall_of_wins', 'Recall of wins'],
  ['lost_or_expired', 'Lost or expired'],
  ['lost_or_expired_avoided', 'Lost or expired it would avoid'],
  ['new_plays', 'New plays (no real play)'],
];

const cell = (v) => (v === null || v === undefined ? '—' : fmtNum(v, 0));
const share = (v) => (v === null || v === undefined ? '—' : `${fmtNum(v * 100, 0)}%`);
const pair = (a, b) => (a === b ? html`${cell(a)}` : html`${cell(a)} → <b>${cell(b)}</b>`);

function breakdown(result) {
  const key = (r) => `${r.adjacent_product}|${r.signal_type}`;
  const live = new Map(result.runs.live.breakdown.map((r) => [key(r), r]));
  const cand = new Map(result.runs.candidate.breakdown.map((r) => [key(r), r]));
  const empty = { qualified: 0, suppressed: 0, stale: 0, plays: 0, reasons: {} };
  const keys = [...new Set([...live.keys(), ...cand.keys()])].sort();
  return html`<table class="table" data-testid="backtest-breakdown">
    <thead><tr><th>Adjacent product</th><th>Signal type</th><th>Qualified</th><th>Suppressed</th><th>Stale</th><th>Plays would open</th><th>Suppressed by reason (candidate)</th></tr></thead>
    <tbody>${keys.map((k) => {
      const a = live.get(k) || empty;
      const b = cand.get(k) || empty;
      const [adj, type] = k.split('|');
      const reasons = Object.entries(b.reasons).sort((x, y) => y[1] - x[1]).map(([r, n]) => `${label(r)} ${n}`).join(', ');
      return html`<tr><td>${label(adj)}</td><td>${label(type)}</td><td>${pair(a.qualified, b.qualified)}</td>
        <td>${pair(a.suppressed, b.suppressed)}</td><td>${pair(a.stale, b.stale)}</td><td>${pair(a.plays, b.plays)}</td><td>${reasons}</td></tr>`;
    })}</tbody></table>`;
}

function outcomes(result) {
  const live = result.runs.live.outcomes;
  const cand = result.runs.candidate.outcomes;
  return html`<table class="table" data-testid="backtest-outcomes">
    <thead><tr><th></th><th>Live catalog</th><th>Candidate</th></tr></thead>
    <tbody>${OUTCOMES.map(([k, name]) => {
      const fmt = k === 'recall_of_wins' ? share : cell;
      return html`<tr><td>${name}</td><td>${fmt(live[k])}</td><td>${fmt(cand[k])}</td></tr>`;
    })}</tbody></table>`;
}

export function report(job) {
  const p = job.progress;
  if (job.status === 'running') {
    return html`<p data-testid="backtest-progress">Replaying: ${fmtNum(p.events_done, 0)} of ${p.events_total === null ? '…' : fmtNum(p.events_total, 0)} events.</p>`;
  }
  if (job.status === 'failed') return html`<p class="error">The backtest failed: ${job.error}</p>`;
  const r = job.result;
  const f = r.fidelity;
  return html`<p class="sub">${fmtNum(r.events_replayed, 0)} events replayed, ${r.period.since ? `counting from ${r.period.since}` : 'whole journal'} to ${r.period.until}.
      The live catalog's replay matches ${fmtNum(f.same, 0)} of ${fmtNum(f.stored, 0)} stored signals.</p>
    <h2>Signals (live catalog → candidate)</h2>${breakdown(r)}
    <h2>Against the plays that closed</h2>${outcomes(r)}`;
}

export function backtestView(el, route) {
  const id = route.query.get('id') || '';
  mount(el, html`
    <div class="view-head"><h1>Backtest</h1>
      <form class="filters" id="backtest-pick"><input name="id" value="${id}" placeholder="bt-…" aria-label="Backtest id"><button type="submit">Show</button></form>
    </div>
    <p class="sub">Start one with <code>POST /v1/backtests</code> on signal ingest (admin key) or <code>crosssell backtest</code>.</p>
    <div id="backtest-result">${id ? html`<p class="loading">Loading…</p>` : ''}</div>`);
  el.querySelector('#backtest-pick').addEventListener('submit', (e) => {
    e.preventDefault();
    window.location.hash = hashFor('backtest', { id: e.target.id.value.trim() });
  });

  async function update() {
    if (!id) return;
    const job = await get('signal_ingest', `/v1/backtests/${encodeURIComponent(id)}`);
    const target = el.querySelector('#backtest-result');
    if (!target) return; // another view replaced this one meanwhile
    mount(target, report(job));
    target.dataset.loaded = job.status;
  }

  return { update };
}
