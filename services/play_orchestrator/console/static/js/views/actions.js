// The play page's actions: every play command (brief, meeting, discovery,
// sponsor, exception, close), offered by the play's state, sent to the same
// REST API with the same errors shown inline (forms.js).

import { html, mount } from '../dom.js';
import { actionForm, field, localToIso, values, wire } from '../forms.js';
import { label } from '../labels.js';

// What each state accepts (the API decides; this only picks the forms shown),
// the usual next step first.
const ACTIONS = {
  open: ['brief', 'exception', 'close'],
  briefed: ['meeting', 'brief', 'exception', 'close'],
  meeting_booked: ['discovery', 'meeting', 'brief', 'exception', 'close'],
  discovery_done: ['sponsor', 'discovery', 'exception', 'close'],
  sponsor_engaged: ['close', 'sponsor', 'discovery', 'exception'],
  paused: ['close'],
};
const TITLES = {
  brief: 'Pre-call brief', meeting: 'Book the joint meeting', discovery: 'Record discovery',
  sponsor: 'Engage the executive sponsor', exception: 'Grant a written exception', close: 'Close the play',
};

const dayInput = (iso) => (iso ? iso.slice(0, 10) : '');
const localInput = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16) : '');

const FORMS = {
  brief: (p) => {
    const b = p.brief;
    const pain = b.pain || {};
    return actionForm('brief', TITLES.brief, html`
      ${field('signal.description', 'Item 2 — the observable signal', { rows: 2, value: b.signal?.description, required: true })}
      ${field('sponsor.name', 'Item 4 — executive sponsor', { value: b.sponsor?.name, required: true })}
      ${field('sponsor.title', 'Sponsor title', { value: b.sponsor?.title })}
      ${field('sponsor.relationship_owner', 'Relationship owner', { value: b.sponsor?.relationship_owner || p.csm || p.owner })}
      ${field('pain.operator.name', 'Item 5 — operator who named the pain', { value: pain.operator?.name, required: true })}
      ${field('pain.operator.title', 'Operator title', { value: pain.operator?.title })}
      ${field('pain.where', 'Where (ticket or recorded call)', { value: pain.where })}
      ${field('pain.medium', 'How', { value: pain.medium || 'written', options: [['written', label('written')], ['recorded_call', label('recorded_call')]] })}
      ${field('pain.confirmed_at', 'Confirmed on', { type: 'date', value: dayInput(pain.confirmed_at) })}
      ${field('pain.quote', 'Their words', { rows: 2, value: pain.quote })}`, 'Submit the brief');
  },
  meeting: (p) => {
    const c = p.brief.commitment || {};
    return actionForm('meeting', TITLES.meeting, html`
      ${field('meeting_at', 'When (UTC)', { type: 'datetime-local', value: localInput(c.meeting_at), required: true })}
      ${field('attendees', 'Attendees (comma-separated)', { value: (c.attendees || []).join(', '), required: true })}
      ${field('agenda', 'Agenda line', { value: c.agenda })}
      ${field('next_step', 'Next step', { value: c.next_step })}`, 'Book the meeting');
  },
  discovery: (p) => {
    const a = p.discovery?.answers || {};
    return actionForm('discovery', TITLES.discovery, html`
      ${field('current_workflow', '1. The current workflow: who owns it, what tools, what cycle time', { rows: 2, value: a.current_workflow, required: true })}
      ${field('time_or_accuracy_loss', '2. Where time or accuracy is lost, and its cost', { rows: 2, value: a.time_or_accuracy_loss, required: true })}
      ${field('one_fix', '3. The one fix, and who feels it first', { rows: 2, value: a.one_fix, required: true })}
      ${field('fit', 'There is a fit (untick: no fit disqualifies the play)', { type: 'checkbox', value: true })}`, 'Record discovery');
  },
  sponsor: (p) => {
    const s = p.sponsor || p.brief.sponsor || {};
    return actionForm('sponsor', TITLES.sponsor, html`
      ${field('name', 'Name', { value: s.name, required: true })}
      ${field('title', 'Title', { value: s.title, required: true })}
      ${field('relationship_owner', 'Relationship owner', { value: s.relationship_owner })}`, 'Engage the sponsor');
  },
  exception: () => actionForm('exception', TITLES.exception, html`
      ${field('reason', 'Written reason (at least 20 characters)', { rows: 2, required: true })}
      ${field('extension_days', 'Extend the window by (days)', { type: 'number', value: 7 })}`, 'Grant the exception'),
  close: (p) => actionForm('close', TITLES.close, html`
      ${field('outcome', 'Outcome', { options: p.state === 'sponsor_engaged' ? [['won', 'Won'], ['lost', 'Lost']] : [['lost', 'Lost']] })}
      ${field('amount', 'Signed amount (won)', { type: 'number' })}
      ${field('reason', 'Reason (lost)', { rows: 2 })}`, 'Close the play'),
};

const BODIES = {
  brief: (v) => {
    // An item left empty is left out: the API keeps its pre-filled value, or
    // names it as missing (items 2, 4, 5) - the console judges nothing itself.
    const text = (x) => x ?? '';
    const body = {};
    if (v.signal.description) body.signal = { description: v.signal.description };
    if (v.sponsor.name || v.sponsor.title) {
      body.sponsor = { name: text(v.sponsor.name), title: text(v.sponsor.title), relationship_owner: v.sponsor.relationship_owner };
    }
    if (v.pain.operator.name) {
      body.pain = {
        operator: { name: v.pain.operator.name, title: text(v.pain.operator.title) },
        where: text(v.pain.where), quote: text(v.pain.quote), medium: v.pain.medium || 'written',
        confirmed_at: v.pain.confirmed_at ? `${v.pain.confirmed_at}T00:00:00Z` : null,
      };
    }
    return body;
  },
  meeting: (v) => ({
    meeting_at: localToIso(v.meeting_at),
    attendees: (v.attendees || '').split(',').map((s) => s.trim()).filter(Boolean),
    agenda: v.agenda || '',
    next_step: v.next_step || '',
  }),
  discovery: (v) => ({
    current_workflow: v.current_workflow || '', time_or_accuracy_loss: v.time_or_accuracy_loss || '',
    one_fix: v.one_fix || '', fit: v.fit,
  }),
  sponsor: (v) => ({ name: v.name || '', title: v.title || '', relationship_owner: v.relationship_owner }),
  exception: (v) => ({ reason: v.reason || '', extension_days: v.extension_days ? Number(v.extension_days) : null }),
  close: (v) => ({ outcome: v.outcome, amount: v.amount ? Number(v.amount) : null, reason: v.reason || '' }),
};
const METHOD = { brief: 'PUT' };

// Draw the actions for play ``p`` into ``el``; ``done`` runs after a command
// the API accepted (the page reloads the play).
export function renderActions(el, p, done) {
  const names = ACTIONS[p.state] || [];
  if (!names.length) {
    mount(el, html`<p class="empty" data-testid="no-actions">${label(p.state)}: no further commands.</p>`);
    return;
  }
  let open = el.dataset.open && names.includes(el.dataset.open) ? el.dataset.open : names[0];
  mount(el, html`<article class="card" data-testid="actions">
    <h2>Actions <small>as ${p.state === 'paused' ? 'the play is paused' : label(p.state).toLowerCase()}</small></h2>
    <div class="chips" role="tablist">${names.map((n) => html`<button type="button" class="chip ${n === open ? 'on' : ''}" data-show="${n}" data-testid="action-${n}">${TITLES[n]}</button>`)}</div>
    <div id="action-form"></div></article>`);
  const holder = el.querySelector('#action-form');
  const show = (name) => {
    open = name;
    el.dataset.open = name;
    for (const b of el.querySelectorAll('[data-show]')) b.classList.toggle('on', b.dataset.show === name);
    mount(holder, FORMS[name](p));
    const form = holder.querySelector('form');
    const path = `/v1/plays/${encodeURIComponent(p.id)}/${name}`;
    wire(form, METHOD[name] || 'POST', path, (f) => BODIES[name](values(f)), done);
  };
  el.querySelector('.chips').addEventListener('click', (e) => {
    const b = e.target.closest('[data-show]');
    if (b) show(b.dataset.show);
  });
  show(open);
}

// True while the user is typing into a form: the poll must not redraw it.
export const busy = (el) => Boolean(el.querySelector('form[data-dirty="true"]')) || el.contains(document.activeElement);
