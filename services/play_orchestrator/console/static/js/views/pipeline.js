// Pipeline: the scorecard (each metric with its definition, the n behind it
// and the playbook's target), amounts open / won / lost, the CSM / AE credit
// split, the funnel and the Salesforce sync queue. Every tile and bar drills
// down to the plays behind it.

import { get, serverNow } from '../api.js';
import { barChart, funnelChart } from '../charts.js';
import { STATES, ago, fmtDay, fmtMoney, fmtNum, fmtPct, hashFor, html, label, mount } from '../dom.js';
import { csvButton, saveCsv } from '../table.js';

const PERIODS = [30, 90, 180, 365];
const plays = (query) => hashFor('plays', { state: 'all', ...query });

function targetLine(t) {
  if (!t) return '';
  const value = t.unit === 'days' ? `under ${fmtNum(t.value, 0)} d` : `${fmtNum(t.value, 0)}%`;
  const verdict = t.met === null ? 'no data yet' : t.met ? 'met' : 'below target';
  return html`<div class="kpi-target ${t.met === null ? '' : t.met ? 'good' : 'bad'}" data-testid="target">target ${value} · ${verdict}</div>`;
}

// One tile: value, the n behind it, the target, and what it means (the
// definition is on the tile, not in a tooltip: managers read it once).
function kpi({ id, name, value, n, target, definition, href }) {
  return html`<a class="kpi drill" href="${href}" data-testid="kpi-${id}">
    <div class="kpi-name">${name}</div>
    <div class="kpi-value">${value}</div>
    <div class="kpi-note" data-testid="kpi-n">${n}</div>
    ${targetLine(target)}
    <div class="kpi-def" data-testid="kpi-definition">${definition}</div>
  </a>`;
}

const rateRows = (groups, filter) => groups.map((g) => ({
  label: g.group, value: g.rate_pct ?? 0, text: `${fmtPct(g.rate_pct, 0)} (${g.won} of ${g.decided})`,
  href: plays({ [filter]: g.group, state: 'all' }),
}));

function syncCard(sync) {
  if (sync instanceof Error) return html`<p class="error">Salesforce sync service: ${sync.message}</p>`;
  const usage = sync.api_usage;
  return html`<dl class="facts" data-testid="sync-status">
    <dt>Writes pending</dt><dd data-testid="sync-pending">${sync.pending}${sync.urgent ? ` (${sync.urgent} urgent)` : ''}</dd>
    <dt>Retrying / deferred</dt><dd>${sync.retrying} / ${sync.deferred}${sync.deferring ? ' — deferring to save API calls' : ''}</dd>
    <dt>Failed</dt><dd class="${sync.failed ? 'bad' : ''}">${sync.failed}${
      Object.entries(sync.failures_by_code).map(([code, n]) => ` · ${code} ×${n}`).join('')}</dd>
    <dt>API calls today</dt><dd>${usage ? `${usage.used.toLocaleString('en-US')} of ${usage.limit.toLocaleString('en-US')} (${(usage.share * 100).toFixed(2)}%, cap ${(usage.max_share * 100).toFixed(0)}%)` : '—'}</dd>
    <dt>Last write acknowledged</dt><dd>${sync.last_success_at ? ago(sync.last_success_at) : 'never'}</dd>
  </dl>`;
}

function tiles(card, f) {
  const m = card.metrics;
  const d = card.definitions;
  const t = card.targets;
  const decided = `${m.won} won · ${m.lost} lost · ${m.expired} expired: n = ${card.decided}`;
  return [
    { id: 'coverage', name: 'Coverage', value: fmtPct(m.coverage_pct), n: `${m.accounts_touched} of ${m.eligible_accounts} eligible accounts`, target: t.coverage_pct, definition: d.coverage_pct, href: plays({}) },
    { id: 'opened', name: 'Opportunity creation', value: fmtPct(m.opportunity_creation_rate_pct), n: `${m.plays_opened} plays opened ÷ ${m.eligible_accounts} eligible accounts`, target: t.opportunity_creation_rate_pct, definition: d.opportunity_creation_rate_pct, href: plays({}) },
    { id: 'win-rate', name: 'Win rate', value: fmtPct(m.win_rate_pct), n: decided, target: t.win_rate_pct, definition: d.win_rate_pct, href: plays({ state: 'won' }) },
    { id: 'cycle', name: 'Median cycle', value: m.median_cycle_days === null ? '—' : `${fmtNum(m.median_cycle_days)} d`, n: `n = ${m.won} won plays`, target: t.median_cycle_days, definition: d.median_cycle_days, href: plays({ state: 'won' }) },
    { id: 'uplift', name: 'Uplift', value: fmtPct(m.avg_uplift_pct), n: `n = ${card.won_with_core_acv} won plays`, target: t.avg_uplift_pct, definition: d.avg_uplift_pct, href: plays({ state: 'won', sort: '-won_amount' }) },
    { id: 'nrr', name: 'Cohort NRR (cross-sell)', value: t.cohort_nrr_pct.actual === null ? '—' : fmtPct(t.cohort_nrr_pct.actual), n: `${fmtMoney(m.won_acv)} won ÷ ${fmtMoney(m.book_arr)} book ARR = ${fmtNum(m.nrr_contribution_points, 2)} pts`, target: t.cohort_nrr_pct, definition: d.cohort_nrr_pct, href: plays({ state: 'won' }) },
    { id: 'reviews', name: 'Reviews due', value: String(f.reviews_due), n: 'day-7 and day-14 reviews not resolved yet', definition: 'Reviews raised on plays still active and not resolved by a manager.', href: '#/reviews' },
  ].map(kpi);
}

function amountsCard(card) {
  const a = card.amounts;
  const c = card.credit;
  const d = card.definitions;
  const tile = (id, name, amount, n, definition, href) => html`<a class="kpi drill" href="${href}" data-testid="amount-${id}">
    <div class="kpi-name">${name}</div><div class="kpi-value small">${fmtMoney(amount)}</div>
    <div class="kpi-note">${n} plays</div><div class="kpi-def">${definition}</div></a>`;
  return html`<section class="kpis" data-testid="amounts">
    ${tile('open', 'Open pipeline', a.open_amount, a.open_plays, d.open_amount, plays({ state: 'active', sort: '-expected_amount' }))}
    ${tile('won', 'Won', a.won_amount, a.won_plays, d.won_amount, plays({ state: 'won' }))}
    ${tile('lost', 'Lost or expired', a.lost_amount, a.lost_plays, d.lost_amount, plays({ state: 'lost' }))}
    ${tile('disqualified', 'Disqualified', a.disqualified_amount, a.disqualified_plays, d.disqualified_amount, plays({ state: 'disqualified' }))}
    <div class="kpi" data-testid="credit-split"><div class="kpi-name">Credit of won cross-sell ACV</div>
      <div class="kpi-value small">CSM ${fmtMoney(c.csm)} · AE ${fmtMoney(c.ae)}</div>
      <div class="kpi-note">CSM share ${fmtPct(c.csm_share * 100, 0)} of ${fmtMoney(c.won_acv)}</div>
      <div class="kpi-def">The CSM surfaced and qualified the need, the AE closed it (CSM_CREDIT_SHARE).</div></div>
  </section>`;
}

const CSV = [
  { title: 'metric', value: (r) => r.name }, { title: 'actual', value: (r) => r.actual ?? '' },
  { title: 'target', value: (r) => r.target ?? '' }, { title: 'met', value: (r) => r.met ?? '' },
  { title: 'n', value: (r) => r.n }, { title: 'definition', value: (r) => r.definition },
];

export function pipelineView(el, route) {
  const days = PERIODS.includes(Number(route.query.get('days'))) ? Number(route.query.get('days')) : 90;
  let last = null;
  mount(el, html`
    <div class="view-head">
      <h1>Pipeline</h1>
      <div class="chips" role="group" aria-label="period">
        ${PERIODS.map((d) => html`<a class="chip ${d === days ? 'on' : ''}" href="${hashFor('pipeline', { days: d })}">${d} days</a>`)}
        ${csvButton('pipeline-csv', 'Export the scorecard (CSV)')}
      </div>
    </div>
    <div id="pipeline-body" class="loading">Loading…</div>`);
  const body = el.querySelector('#pipeline-body');
  el.querySelector('[data-testid="pipeline-csv"]').addEventListener('click', () => {
    if (!last) return;
    const rows = Object.entries(last.targets).map(([name, t]) => ({ name: label(name), actual: t.actual, target: t.value, met: t.met, n: name === 'win_rate_pct' ? last.decided : '', definition: last.definitions[name] }));
    for (const g of last.by_signal_type) rows.push({ name: `win rate, ${label(g.group)}`, actual: g.rate_pct, n: g.decided, definition: last.definitions.win_rate_pct });
    saveCsv(`scorecard-${days}d.csv`, CSV, rows);
  });

  async function update() {
    const since = new Date(serverNow() - days * 86_400_000).toISOString();
    const [card, f, sync] = await Promise.all([
      get('play_orchestrator', '/v1/metrics/scorecard', { since }),
      get('play_orchestrator', '/v1/metrics/funnel', { since }),
      get('crm_sync', '/v1/sync/status').catch((err) => err),
    ]);
    if (!body.isConnected) return; // the user moved to another view while this loaded
    last = card;
    const m = card.metrics;
    const stateRows = STATES.filter((s) => f.states[s]).map((s) => ({
      label: s, value: f.states[s].plays, cls: `state-${s}`, href: plays({ state: s }),
      text: `${f.states[s].plays}${f.states[s].overdue ? ` · ${f.states[s].overdue} overdue` : ''}`,
    }));
    mount(body, html`
      <p class="period">Plays opened ${fmtDay(m.since)} – ${fmtDay(m.until)} · <span title="${card.definitions.eligible_accounts}">${m.eligible_accounts} eligible accounts</span> (${card.definitions.eligible_accounts}) · book ARR ${fmtMoney(m.book_arr)}</p>
      <section class="kpis">${tiles(card, f)}</section>
      ${amountsCard(card)}
      <section class="grid2">
        <article class="card"><h2>Funnel <small>plays opened in the period, by the furthest stage reached</small></h2>
          ${funnelChart(f.funnel, { href: (stage) => plays({ state: stage }) })}</article>
        <article class="card"><h2>Plays by state <small>now, every play</small></h2>
          ${barChart(stateRows, { testid: 'state-chart' })}</article>
        <article class="card"><h2>Win rate by who surfaced it <small>won of decided (n)</small></h2>
          ${barChart(rateRows(card.by_surfaced_by, 'surfaced'), { max: 100, testid: 'winrate-surfaced' })}</article>
        <article class="card"><h2>Win rate by signal type <small>won of decided (n)</small></h2>
          ${barChart(rateRows(card.by_signal_type, 'type'), { max: 100, labelWidth: 230, testid: 'winrate-type' })}</article>
      </section>
      <article class="card"><h2>Salesforce sync <small>the write queue to Salesforce and the API allocation</small></h2>${syncCard(sync)}</article>`);
    body.classList.remove('loading');
    body.dataset.loaded = 'true';
    body.dataset.playsOpened = m.plays_opened;
  }

  return { update };
}
