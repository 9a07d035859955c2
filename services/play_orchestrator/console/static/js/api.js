// The services' public REST APIs, called with the API key the user entered
// (kept in sessionStorage: gone when the tab closes). play_orchestrator is this
// page's own origin; the others' URLs come from /console/config.json.

const KEY = 'crosssell.console.apiKey';
let config = null;

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, detail, url) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
    this.url = url;
  }
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
  const url = new URL(config.services[service] + path);
  for (const [name, value] of Object.entries(params)) {
    for (const v of [].concat(value)) {
      if (v !== null && v !== undefined && v !== '') url.searchParams.append(name, v);
    }
  }
  let answer;
  try {
    answer = await fetch(url, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `${service} unreachable (${err.message})`, url.href);
  }
  if (!answer.ok) {
    let detail = answer.statusText;
    try { detail = (await answer.json()).detail ?? detail; } catch { /* not JSON */ }
    throw new ApiError(answer.status, typeof detail === 'string' ? detail : JSON.stringify(detail), url.href);
  }
  return answer.json();
}
