// The services' public REST APIs, called with the API key the user entered
// (kept in sessionStorage: gone when the tab closes). play_orchestrator is this
// page's own origin; the others' URLs come from /console/config.json.

const KEY = 'crosssell.console.apiKey';
const ACTOR = 'crosssell.console.actor';
let config = null;

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

// The person using the console: sent as X-Actor with every change, so the
// play's history names them (never the API key).
export const actor = {
  get: () => sessionStorage.getItem(ACTOR) || '',
  set: (name) => sessionStorage.setItem(ACTOR, name),
};

export class ApiError extends Error {
  constructor(status, detail, url, body = null) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
    this.url = url;
    this.body = body; // the error's JSON: 422 field errors, missing brief items, current state
  }
}

async function failure(answer, url) {
  let body = null;
  try { body = await answer.json(); } catch { /* not JSON */ }
  const detail = body?.detail ?? answer.statusText;
  return new ApiError(answer.status, typeof detail === 'string' ? detail : JSON.stringify(detail), url, body);
}

function urlFor(service, path, params = {}) {
  const url = new URL(config.services[service] + path);
  for (const [name, value] of Object.entries(params)) {
    for (const v of [].concat(value)) {
      if (v !== null && v !== undefined && v !== '') url.searchParams.append(name, v);
    }
  }
  return url;
}

let clockOffsetMs = 0;

// play_orchestrator's clock (deadlines are counted from it; in a test system
// it may have been moved): the browser's clock plus the last offset seen.
export const serverNow = () => Date.now() + clockOffsetMs;

async function fetchConfig() {
  const answer = await fetch('config.json', { cache: 'no-store' });
  if (!answer.ok) throw new ApiError(answer.status, 'no console config', 'config.json');
  const data = await answer.json();
  clockOffsetMs = new Date(data.now).getTime() - Date.now();
  return data;
}

export async function loadConfig() {
  config = await fetchConfig();
  config.services.play_orchestrator = window.location.origin;
  return config;
}

export async function syncClock() {
  await fetchConfig();
}

export const serviceUrl = (service) => config.services[service];

// GET a JSON resource; params with null/undefined/'' values are left out,
// arrays become repeated parameters (?state=open&state=briefed).
export async function get(service, path, params = {}, key = apiKey.get()) {
  const url = urlFor(service, path, params);
  let answer;
  try {
    answer = await fetch(url, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `${service} unreachable (${err.message})`, url.href);
  }
  if (!answer.ok) throw await failure(answer, url.href);
  return answer.json();
}

// A change on play_orchestrator (PUT/POST with a JSON body), as the REST API
// takes it: same scopes, same error messages (ApiError.body holds them).
export async function send(method, path, body) {
  const url = urlFor('play_orchestrator', path);
  const headers = { Authorization: `Bearer ${apiKey.get()}`, 'Content-Type': 'application/json' };
  if (actor.get()) headers['X-Actor'] = actor.get();
  let answer;
  try {
    answer = await fetch(url, { method, headers, body: JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, `play_orchestrator unreachable (${err.message})`, url.href);
  }
  if (!answer.ok) throw await failure(answer, url.href);
  return answer.json();
}

// A file the API makes (CSV), saved by the browser under ``filename``.
export async function download(service, path, params, filename) {
  const url = urlFor(service, path, params);
  const answer = await fetch(url, { headers: { Authorization: `Bearer ${apiKey.get()}` }, cache: 'no-store' });
  if (!answer.ok) throw await failure(answer, url.href);
  saveBlob(await answer.blob(), filename);
}

export function saveBlob(blob, filename) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
