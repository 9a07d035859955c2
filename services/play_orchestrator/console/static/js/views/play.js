// One play: brief, discovery answers, sponsor, deadlines, full history, and the
// Salesforce Opportunity's hygiene, all from GET /v1/plays/{id}.

import { get, serverNow } from '../api.js';
import {
  ACTIVE_STATES, daysLeft, fmtDate, fmtDaysLeft, fmtMoney, flags, html, label, mount, stateBadge,
} from '../dom.js';
import { loadLabels, productName, prose } from '../labels.js';
import { csvButton, saveCsv } from '../table.js';
import { busy, renderActions } from './actions.js';

const field = (name, value, testid = '') => html`<dt>${name}</dt><dd data-testid="${testid}">${value ?? '—'}</dd>`;

function briefCard(p) {
  const b = p.brief;
  const check = p.brief_check;
  const item = (n, title, required, body) => html`<li class="${required ? 'required' : ''}">
    <span class="n">${n}</span><div><b>${title}</b>${required ? html` <span class="req">required</span>` : ''}
    <div>${body}</div></div></li>`;
  const pain = b.pain;
  return html`<article class="card" data-testid="brief">
    <h2>Pre-call brief <small>revision ${p.brief_revision}</small>
      ${check.complete ? html`<span class="badge ok" data-testid="brief-complete">complete</span>`
        : html`<span class="badge flag-overdue" data-testid="brief-complete">incomplete</span>`}</h2>
    ${check.missing.length ? html`<p class="error">Missing: ${check.missing.join('; ')}</p>` : ''}
    ${check.warnings.map((w) => html`<p class="warn">${w}</p>`)}
    <ol class="brief">
      ${item(1, 'Customer', false, b.customer ? `${b.customer.account_name} · ${label(b.customer.core_product)} · ACV ${fmtMoney(b.customer.core_acv)} · renews ${b.customer.renewal_date || '—'}` : '—')}
      ${item(2, 'Observable signal', true, prose(b.signal?.description) || '—')}
      ${item(3, 'Adjacent product and the problem it solves', false, b.adjacent ? html`<b>${productName(b.adjacent.product)}</b>: ${prose(b.adjacent.problem)}` : '—')}
      ${item(4, 'Executive sponsor', true, b.sponsor?.name ? html`<span data-testid="brief-sponsor">${b.sponsor.name}, ${b.sponsor.title}</span>${b.sponsor.relationship_owner ? html` (relationship owner <span data-testid="brief-owner">${b.sponsor.relationship_owner}</span>)` : ''}` : '—')}
      ${item(5, 'Pain confirmation', true, pain ? html`${pain.operator.name}${pain.operator.title ? `, ${pain.operator.title}` : ''} — ${pain.where} (${label(pain.medium)}, ${fmtDate(pain.confirmed_at)})${pain.quote ? html`<blockquote>${pain.quote}</blockquote>` : ''}` : '—')}
      ${item(6, '14-day commitment', false, b.commitment ? `${b.commitment.meeting_at ? fmtDate(b.commitment.meeting_at) : 'no meeting yet'} · ${b.commitment.attendees.join(', ') || 'no attendees'} · ${b.commitment.agenda || ''}${b.commitment.next_step ? ` · next: ${b.commitment.next_step}` : ''}` : '—')}
    </ol>
  </article>`;
}

function discoveryCard(p) {
  const d = p.discovery;
  return html`<article class="card" data-testid="discovery">
    <h2>Discovery ${d ? html`<small>${fmtDate(d.discovered_at)} · ${d.fit === false ? 'no fit' : 'fit'}</small>` : ''}</h2>
    ${d ? html`<dl class="qa">
        <dt>Current workflow</dt><dd data-testid="discovery-1">${d.answers.current_workflow}</dd>
        <dt>Where time or accuracy is lost, and its cost</dt><dd data-testid="discovery-2">${d.answers.time_or_accuracy_loss}</dd>
        <dt>The one fix, and who feels it first</dt><dd data-testid="discovery-3">${d.answers.one_fix}</dd>
        ${d.champion ? html`<dt>Champion</dt><dd>${d.champion.name}${d.champion.title ? `, ${d.champion.title}` : ''}</dd>` : ''}
      </dl>` : html`<p class="empty" data-testid="discovery-none">No discovery recorded yet.</p>`}
  </article>`;
}

function sponsorCard(p) {
  const s = p.sponsor;
  return html`<article class="card" data-testid="sponsor">
    <h2>Executive sponsor ${p.sponsor_engaged_at ? html`<small>engaged ${fmtDate(p.sponsor_engaged_at)}</small>` : ''}</h2>
    ${s ? html`<dl class="facts">
        ${field('Name', s.name, 'sponsor-name')}${field('Title', s.title, 'sponsor-title')}
        ${field('Relationship owner', s.relationship_owner, 'sponsor-owner')}${field('Last touch', fmtDate(s.last_touch))}
      </dl>` : html`<p class="empty" data-testid="sponsor-none">Not engaged yet${p.brief.sponsor?.name ? ` (brief names ${p.brief.sponsor.name})` : ''}.</p>`}
  </article>`;
}

function crmCard(p) {
  const crm = p.crm;
  const complete = crm?.hygiene === 'Complete';
  return html`<article class="card" data-testid="crm">
    <h2>Salesforce Opportunity</h2>
    ${crm ? html`<dl class="facts">
        ${field('Opportunity', crm.opportunity_id, 'crm-opportunity')}
        ${field('Stage', crm.stage, 'crm-stage')}
        <dt>Hygiene</dt><dd data-testid="crm-hygiene" class="${complete ? 'good' : 'bad'}">${crm.hygiene || 'not checked yet'}</dd>
        ${field('Synced', fmtDate(crm.synced_at))}
      </dl>` : html`<p class="empty" data-testid="crm-none">No Opportunity synced yet.</p>`}
  </article>`;
}

function deadlinesCard(p, now) {
  return html`<article class="card" data-testid="deadlines">
    <h2>Deadlines</h2>
    <table class="table compact"><thead><tr><th>What</th><th>Due</th><th>Status</th></tr></thead><tbody>
      ${p.timers.map((t) => html`<tr class="${t.status === 'due' ? 'overdue' : ''}" data-testid="timer" data-kind="${t.kind}">
        <td>${label(t.kind)}</td><td>${fmtDate(t.due_at)}</td>
        <td>${t.status === 'fired' ? `fired ${fmtDate(t.fired_at)}` : t.status === 'pending' ? `in ${fmtDaysLeft(daysLeft(t.due_at, now))}` : 'due now'}</td></tr>`)}
    </tbody></table>
    ${p.overdue_items.length ? html`<p class="error">Overdue: ${p.overdue_items.map(label).join(', ')}</p>` : ''}
    ${p.exceptions.map((x) => html`<p class="note">Exception ${fmtDate(x.granted_at)} by ${x.actor}: “${x.reason}” — deadline ${fmtDate(x.previous_deadline)} → ${fmtDate(x.new_deadline)}</p>`)}
    ${p.pauses.map((x) => html`<p class="note">Paused ${fmtDate(x.started_at)}${x.ended_at ? ` – ${fmtDate(x.ended_at)}` : ' (still paused)'}: ${x.reasons.map(label).join(', ')}</p>`)}
    ${p.reviews.map((r) => html`<p class="note" data-testid="play-review">Day-${r.day} review raised ${fmtDate(r.raised_at)} (${label(r.state)})${r.resolved_at ? html` — <b>${label(r.outcome)}</b> by ${r.resolved_by}: “${r.note}”` : ' — not resolved yet'}</p>`)}
  </article>`;
}

function historyCard(p) {
  return html`<article class="card" data-testid="history">
    <h2>History <small>${p.history.length} transitions</small> ${csvButton('history-csv')}</h2>
    <table class="table compact"><thead><tr><th>At</th><th>From → to</th><th>Who</th><th>What</th><th>Reason</th></tr></thead>
    <tbody>${p.history.map((h) => html`<tr data-testid="history-row" data-to="${h.to}">
      <td>${fmtDate(h.at)}</td><td>${h.from ? label(h.from) : '—'} → <b>${label(h.to)}</b></td>
      <td data-testid="history-actor">${h.actor === 'system' ? 'the system' : h.actor}</td><td>${label(h.command)}</td><td>${prose(h.reason)}</td></tr>`)}</tbody></table>
  </article>`;
}

function signalCard(p) {
  return html`<article class="card" data-testid="play-signal">
    <h2>Signal <small>${p.signal.signal_types.map(label).join(', ')} · score ${p.signal.score} · ${p.signal.sources.map(label).join(', ')}</small></h2>
    ${p.signal.needs_verification ? html`<p class="warn">Needs verification: the need may be projected.</p>` : ''}
    ${p.signal.evidence.map((e) => html`<div class="evidence"><p>${prose(e.summary)}</p>
      ${(e.tickets || []).map((t) => html`<blockquote>${t.quote || t.subject}<cite>${t.requester?.name}${t.requester?.title ? `, ${t.requester.title}` : ''} · ${t.ticket_id}</cite></blockquote>`)}</div>`)}
  </article>`;
}

const HISTORY_CSV = [
  { title: 'at', value: (h) => h.at }, { title: 'from', value: (h) => h.from || '' },
  { title: 'to', value: (h) => h.to }, { title: 'actor', value: (h) => h.actor },
  { title: 'command', value: (h) => h.command }, { title: 'reason', value: (h) => h.reason || '' },
];

export function playView(el, route) {
  const id = route.rest[0];
  mount(el, html`<div id="play-top" class="loading">Loading…</div><div id="play-actions"></div><div id="play-body"></div><div id="play-history"></div>`);
  const top = el.querySelector('#play-top');
  const body = el.querySelector('#play-body');
  const actions = el.querySelector('#play-actions');
  const history = el.querySelector('#play-history');
  let shown = null; // the version whose actions are drawn
  let play = null;

  history.addEventListener('click', (e) => {
    if (e.target.closest('[data-testid="history-csv"]') && play) saveCsv(`play-${play.id}-history.csv`, HISTORY_CSV, play.history);
  });

  async function update(force = false) {
    const p = await get('play_orchestrator', `/v1/plays/${encodeURIComponent(id)}`);
    if (!body.isConnected) return; // the user moved to another view while this loaded
    await loadLabels([p.account_id]);
    play = p;
    const now = serverNow();
    const active = ACTIVE_STATES.includes(p.state);
    const left = daysLeft(p.deadline, now);
    mount(top, html`
      <p class="crumbs"><a href="#/plays">← Plays</a> · <a href="#/account/${encodeURIComponent(p.account_id)}" data-testid="account-link">${p.account_name} account page</a></p>
      <div class="view-head play-head" data-testid="play-head" data-play-id="${p.id}" data-version="${p.version}">
        <div>
          <h1 data-testid="play-account">${p.account_name}</h1>
          <div class="sub"><span data-testid="play-adjacent">${productName(p.adjacent_product)}</span> cross-sell · ${p.template === 'joint-14' ? '14-day joint play' : '41-day signal play'}${p.phase ? ` · ${label(p.phase)} phase` : ''}</div>
        </div>
        <div class="head-badges"><span data-testid="play-state">${stateBadge(p.state)}</span>${flags(p)}</div>
      </div>
      <section class="kpis">
        <div class="kpi"><div class="kpi-name">Owner (AE)</div><div class="kpi-value small" data-testid="play-owner">${p.owner || '—'}</div><div class="kpi-note">CSM ${p.csm || '—'}</div></div>
        <div class="kpi"><div class="kpi-name">Deadline</div><div class="kpi-value small" data-testid="play-deadline" data-iso="${p.deadline}">${fmtDate(p.deadline)}</div>
          <div class="kpi-note ${active && left < 0 ? 'bad' : ''}">${active ? `${fmtDaysLeft(left)} left` : `closed ${fmtDate(p.closed_at)}`}</div></div>
        <div class="kpi"><div class="kpi-name">Expected amount</div><div class="kpi-value small" data-testid="play-expected">${fmtMoney(p.expected_amount)}</div><div class="kpi-note">core ACV ${fmtMoney(p.core_acv)}</div></div>
        <div class="kpi"><div class="kpi-name">Outcome</div><div class="kpi-value small" data-testid="play-outcome">${p.outcome ? `${label(p.outcome.result)}${p.outcome.amount ? ` · ${fmtMoney(p.outcome.amount)}` : ''}` : '—'}</div><div class="kpi-note">${p.outcome?.reason || `opened ${fmtDate(p.opened_at)}`}</div></div>
      </section>
      ${p.warnings.map((w) => html`<p class="warn">${w}</p>`)}`);
    mount(body, html`
      <section class="grid2">
        ${briefCard(p)}
        <div class="stack">${crmCard(p)}${sponsorCard(p)}${deadlinesCard(p, now)}</div>
        ${discoveryCard(p)}
        ${signalCard(p)}
      </section>`);
    if (force || (shown !== p.version && !busy(actions))) {
      shown = p.version;
      renderActions(actions, p, async () => {
        delete actions.dataset.open; // show the next step's form
        await update(true);
      });
    }
    mount(history, historyCard(p));
    top.classList.remove('loading');
    body.dataset.loaded = 'true';
  }

  return { update };
}
