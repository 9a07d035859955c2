// Pipeline: the funnel, the pipeline metrics and the Salesforce sync queue.

import { get, serverNow } from '../api.js';
import { barChart, funnelChart } from '../charts.js';
import { STATES, ago, fmtDay, fmtMoney, fmtNum, fmtPct, hashFor, html, mount } from '../dom.js';

const PERIODS = [30, 90, 180, 365];

function kpi(name, value, note, testid) {
  return html`<div class="kpi" data-testid="kpi-${testid}">
    <div class="kpi-name">${name}</div>
    <div class="kpi-value">${value}</div>
    <div class="kpi-note">${note}</div>
  </div>`;
}

function rateRows(rates) {
  return Object.entries(rates)
    .sort((a, b) => b[1] - a[1])
    .map(([name, rate]) => ({ label: name, value: rate, text: fmtPct(rate, 0) }));
}

function syncCard(sync) {
  if (sync instanceof Error) {
    return html`<p class="error">crm_sync: ${sync.message}</p>`;
  }
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

export function pipelineView(el, route) {
  const days = PERIODS.includes(Number(route.query.get('days'))) ? Number(route.query.get('days')) : 90;
  mount(el, html`
    <div class="view-head">
      <h1>Pipeline</h1>
      <div class="chips" role="group" aria-label="period">
        ${PERIODS.map((d) => html`<a class="chip ${d === days ? 'on' : ''}" href="${hashFor('pipeline', { days: d })}">${d} days</a>`)}
      </div>
    </div>
    <div id="pipeline-body" class="loading">Loading…</div>`);
  const body = el.querySelector('#pipeline-body');

  async function update() {
    const since = new Date(serverNow() - days * 86_400_000).toISOString();
    const [m, f, sync] = await Promise.all([
      get('play_orchestrator', '/v1/metrics/pipeline', { since }),
      get('play_orchestrator', '/v1/metrics/funnel', { since }),
      get('crm_sync', '/v1/sync/status').catch((err) => err),
    ]);
    if (!body.isConnected) return; // the user moved to another view while this loaded
    const decided = m.won + m.lost + m.expired;
    const stateRows = STATES.filter((s) => f.states[s]).map((s) => ({
      label: s,
      value: f.states[s].plays,
      text: `${f.states[s].plays}${f.states[s].overdue ? ` · ${f.states[s].overdue} overdue` : ''}`,
      cls: `state-${s}`,
    }));
    mount(body, html`
      <p class="period">Plays opened ${fmtDay(m.since)} – ${fmtDay(m.until)} · ${m.eligible_accounts} eligible accounts · book ARR ${fmtMoney(m.book_arr)}</p>
      <section class="kpis">
        ${kpi('Coverage', fmtPct(m.coverage_pct), `${m.accounts_touched} of ${m.eligible_accounts} accounts touched`, 'coverage')}
        ${kpi('Plays opened', m.plays_opened, `${fmtPct(m.opportunity_creation_rate_pct)} opportunity creation rate`, 'opened')}
        ${kpi('Win rate', fmtPct(m.win_rate_pct), `${m.won} won · ${m.lost} lost · ${m.expired} expired of ${decided}`, 'win-rate')}
        ${kpi('Median cycle', m.median_cycle_days === null ? '—' : `${fmtNum(m.median_cycle_days)} d`, 'signal to signed order', 'cycle')}
        ${kpi('Uplift', fmtPct(m.avg_uplift_pct), 'average, % of core ACV', 'uplift')}
        ${kpi('NRR contribution', m.nrr_contribution_points === null ? '—' : `${fmtNum(m.nrr_contribution_points, 2)} pts`, `${fmtMoney(m.won_acv)} won cross-sell ACV`, 'nrr')}
        ${kpi('Reviews due', f.reviews_due, html`<a href="#/reviews">open the review queue</a>`, 'reviews')}
      </section>
      <section class="grid2">
        <article class="card">
          <h2>Funnel <small>plays opened in the period, by the furthest stage reached</small></h2>
          ${funnelChart(f.funnel)}
        </article>
        <article class="card">
          <h2>Plays by state <small>now, every play</small></h2>
          ${barChart(stateRows, { testid: 'state-chart' })}
        </article>
        <article class="card">
          <h2>Win rate by who surfaced it</h2>
          ${barChart(rateRows(m.win_rate_by_surfaced_by), { max: 100, testid: 'winrate-surfaced' })}
        </article>
        <article class="card">
          <h2>Win rate by signal type</h2>
          ${barChart(rateRows(m.win_rate_by_signal_type), { max: 100, labelWidth: 190, testid: 'winrate-type' })}
        </article>
      </section>
      <article class="card">
        <h2>Salesforce sync <small>crm_sync write queue and API allocation</small></h2>
        ${syncCard(sync)}
      </article>`);
    body.classList.remove('loading');
    body.dataset.loaded = 'true';
    body.dataset.playsOpened = m.plays_opened;
  }

  return { update };
}
