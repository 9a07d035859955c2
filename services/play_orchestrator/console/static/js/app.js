// The console shell: the API key form, hash routing between the views, and
// polling (every poll_interval_s, or ?poll=N in the page URL) so the open view
// follows the events flowing in without a reload.

import { ApiError, apiKey, get, loadConfig, syncClock } from './api.js';
import { html, mount, parseHash } from './dom.js';
import { backtestView } from './views/backtest.js';
import { pipelineView } from './views/pipeline.js';
import { playView } from './views/play.js';
import { playsView } from './views/plays.js';
import { reviewsView } from './views/reviews.js';
import { signalsView } from './views/signals.js';

const VIEWS = { pipeline: pipelineView, plays: playsView, play: playView, signals: signalsView, reviews: reviewsView, backtest: backtestView };
const NAV = { play: 'plays' }; // a play's page lights up the Plays tab

const $ = (id) => document.getElementById(id);
let current = null; // { view, token }
let busy = false;
let pollMs = 5000;
let updates = 0;

function setStatus(ok, text) {
  const el = $('last-updated');
  el.textContent = text;
  $('live').className = ok ? 'live on' : 'live off';
}

async function refresh() {
  if (!current || busy) return;
  busy = true;
  const token = current.token;
  try {
    await Promise.all([current.view.update(), syncClock()]);
    if (token !== current.token) return;
    updates += 1;
    const el = $('last-updated');
    el.dataset.count = String(updates);
    setStatus(true, `updated ${new Date().toLocaleTimeString('en-GB')}`);
    $('banner').hidden = true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      apiKey.clear();
      showLogin('The API key was refused (401): enter a valid key.');
      return;
    }
    console.error(err);
    const banner = $('banner');
    banner.textContent = err instanceof ApiError ? `Could not refresh: ${err.message}` : `Could not refresh: ${err}`;
    banner.hidden = false;
    setStatus(false, 'update failed; retrying');
  } finally {
    busy = false;
  }
}

function route() {
  if (!apiKey.get()) return;
  const r = parseHash(window.location.hash);
  const make = VIEWS[r.name] || pipelineView;
  const el = $('view');
  el.replaceChildren();
  window.scrollTo(0, 0);
  const tab = NAV[r.name] || r.name;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('on', a.dataset.view === tab);
  current = { view: make(el, r), token: Symbol(r.name) };
  busy = false;
  refresh();
}

function showLogin(message = '') {
  current = null;
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('api-key').focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $('api-key').value.trim();
  if (!key) return;
  try {
    await get('play_orchestrator', '/v1/plays', { limit: 1 }, key);
  } catch (err) {
    $('login-error').textContent = err.status === 401 ? 'Unknown or revoked API key.'
      : err.status === 403 ? 'This key lacks the read scope.' : `Cannot reach play_orchestrator: ${err.message}`;
    return;
  }
  apiKey.set(key);
  $('api-key').value = '';
  start();
}

function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  route();
}

async function boot() {
  const config = await loadConfig();
  const fromUrl = Number(new URLSearchParams(window.location.search).get('poll'));
  pollMs = 1000 * (fromUrl > 0 ? fromUrl : config.poll_interval_s);
  $('poll-every').textContent = `every ${pollMs / 1000}s`;
  $('login-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => { apiKey.clear(); showLogin(); });
  window.addEventListener('hashchange', route);
  setInterval(refresh, pollMs);
  if (apiKey.get()) start(); else showLogin();
}

boot().catch((err) => {
  mount(document.body, html`<p class="error">The console could not start: ${String(err)}</p>`);
});
