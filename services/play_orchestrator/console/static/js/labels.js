// Labels in words: a table for the system's own vocabulary (states, signal
// types, reasons, personas, timers) and the catalog's names for products and
// accounts (GET /v1/labels). Nothing on screen is a raw id or snake_case.

import { get } from './api.js';

const TABLE = {
  // play states
  open: 'Open', briefed: 'Briefed', meeting_booked: 'Meeting booked', discovery_done: 'Discovery done',
  sponsor_engaged: 'Sponsor engaged', won: 'Won', lost: 'Lost', paused: 'Paused', withdrawn: 'Withdrawn',
  expired: 'Expired', disqualified: 'Disqualified', active: 'Active', all: 'All',
  // signal types
  usage_ceiling: 'Usage ceiling', seat_milestone: 'Seat milestone', adjacent_pain: 'Adjacent pain',
  workaround: 'Workaround', stakeholder_expansion: 'New stakeholder', strategic_shift: 'Strategic shift',
  partner_flag: 'Partner flag', competitive_adjacent: 'Competitor in the adjacent space',
  // signal statuses
  qualified: 'Qualified', suppressed: 'Suppressed', stale: 'Stale',
  // who surfaced it
  system: 'System', csm: 'CSM', ae: 'AE', partner: 'Partner', product: 'Product data', support: 'Support',
  gainsight: 'Gainsight', churnzero: 'ChurnZero', catalyst: 'Catalyst', qbr_note: 'QBR note',
  // timers and reviews
  meeting_due: 'Joint meeting due', review_day7: 'Day-7 review', review_day14: 'Day-14 review',
  review_day21: 'Day-21 review', sponsor_due: 'Sponsor due', business_case_due: 'Business case due',
  window_deadline: 'Window deadline', withdraw_due: 'Withdrawn if still paused',
  meeting: 'meeting', sponsor: 'sponsor', business_case: 'business case',
  // review outcomes and pause reasons
  on_track: 'On track', at_risk: 'At risk', escalated: 'Escalated', close_play: 'Close the play',
  escalation_opened: 'Escalation open', renewal_negotiation: 'Renewal in negotiation',
  // phases, health, media
  discovery: 'Discovery', value_mapping: 'Value mapping', close: 'Close',
  green: 'Green', yellow: 'Yellow', red: 'Red', written: 'in writing', recorded_call: 'on a recorded call',
  // commands in the history
  submit_brief: 'Brief submitted', book_meeting: 'Meeting booked', 'record_discovery(fit)': 'Discovery recorded',
  'record_discovery(no fit)': 'Discovery: no fit', engage_sponsor: 'Sponsor engaged', pause: 'Paused',
  resume: 'Resumed', grant_exception: 'Exception granted', 'close(won)': 'Closed won', 'close(lost)': 'Closed lost',
  disqualify: 'Disqualified', withdraw: 'Withdrawn', expire: 'Expired', resolve_review: 'Review resolved',
  'resolve_review(close play)': 'Closed at a review', open_play: 'Opened',
  // gate and suppression reasons, personas, metrics seen in evidence
  open_escalation: 'Open escalation', renewal_window: 'Renewal window', health_red: 'Health red',
  health_yellow: 'Health yellow', play_open: 'A play is already open', cooldown: 'Cooling down after a play',
  already_owned: 'Already owns the product', low_adoption: 'Low adoption of the core product',
  director_of_analytics: 'Director of Analytics', export_to_spreadsheet: 'Exports to spreadsheets',
  active_seats: 'active seats', api_calls: 'API calls', automations_run: 'automations run', storage_gb: 'storage (GB)',
  needs_verification: 'Needs verification', third_party_tool: 'third-party tool', manual_data_entry: 'manual data entry',
  custom_script: 'custom script',
};

const names = { products: {}, accounts: {} };

// "director_of_analytics" -> "Director of analytics": the fallback for words
// the table does not know yet.
export function words(value) {
  const text = String(value ?? '').replaceAll('_', ' ').replace(/\s+/g, ' ').trim();
  return text ? text[0].toUpperCase() + text.slice(1) : '';
}

export const label = (value) => (value === null || value === undefined || value === '' ? '' : TABLE[value] ?? words(value));
export const productName = (id) => names.products[id] || words(id);

// Free text the services wrote (summaries, prefilled brief items, reasons)
// with any snake_case word in it said in words.
export const prose = (text) => String(text ?? '').replace(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g,
  (w) => names.products[w] || (TABLE[w] ? TABLE[w].toLowerCase() : w.replaceAll('_', ' ')));
export const accountName = (id, fallback = '') => names.accounts[id] || fallback || id;

// Product names once; account names for the ids a view is about to show.
export async function loadLabels(accountIds = []) {
  const wanted = [...new Set(accountIds)].filter((id) => id && !names.accounts[id]).slice(0, 500);
  const answer = await get('play_orchestrator', '/v1/labels', { account: wanted });
  Object.assign(names.products, answer.products);
  Object.assign(names.accounts, answer.accounts);
}

// [id, name] of every adjacent product known, by name.
export const productNames = () => Object.entries(names.products).sort((a, b) => a[1].localeCompare(b[1]));
