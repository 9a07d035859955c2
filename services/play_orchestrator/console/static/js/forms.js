// Forms that send a command and show the API's answer where it belongs: a
// 422's field errors under their fields (pydantic ``loc``), a brief's missing
// items beside those items, a 409's current state and any other refusal at
// the top of the form. The API is the only judge: the console checks nothing
// the API would not.

import { ApiError, send } from './api.js';
import { html, mount } from './dom.js';

// One labelled field. ``name`` is the body path the API reports in ``loc``
// (e.g. "sponsor.name"); the error under it has data-error-for="<name>".
export function field(name, title, { type = 'text', value = '', rows = 0, options = null, required = false, hint = '' } = {}) {
  let input;
  if (options) {
    input = html`<select name="${name}">${options.map(([v, t]) => html`<option value="${v}" ${v === value ? 'selected' : ''}>${t}</option>`)}</select>`;
  } else if (rows) {
    input = html`<textarea name="${name}" rows="${rows}">${value ?? ''}</textarea>`;
  } else {
    input = html`<input name="${name}" type="${type}" value="${value ?? ''}" ${type === 'checkbox' && value ? 'checked' : ''}>`;
  }
  return html`<label class="field ${type === 'checkbox' ? 'check' : ''}" data-field="${name}">
    <span>${title}${required ? html` <span class="req">required</span>` : ''}</span>${input}
    ${hint ? html`<small class="hint">${hint}</small>` : ''}
    <small class="field-error" data-error-for="${name}" role="alert"></small></label>`;
}

export const actionForm = (id, title, fields, submit) => html`<form class="action-form" data-action="${id}" data-testid="form-${id}" novalidate>
  <h3>${title}</h3><p class="form-error" data-testid="form-error" role="alert"></p>
  <div class="fields">${fields}</div>
  <div class="form-buttons"><button type="submit" class="primary" data-testid="submit-${id}">${submit}</button></div></form>`;

function clear(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
}

function fieldError(form, name, message) {
  // the deepest field the location names, or its closest parent group
  const parts = name.split('.');
  while (parts.length) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(parts.join('.'))}"]`);
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
      slot.closest('.field')?.classList.add('invalid');
      return true;
    }
    parts.pop();
  }
  return false;
}

// Where a brief's missing required item is shown (items 2, 4 and 5).
const BRIEF_SLOTS = { 2: 'signal.description', 4: 'sponsor.name', 5: 'pain.operator.name' };

export function showErrors(form, err) {
  clear(form);
  const top = form.querySelector('.form-error');
  if (!(err instanceof ApiError)) {
    top.textContent = String(err);
    return;
  }
  const body = err.body || {};
  const messages = [];
  if (Array.isArray(body.detail)) {
    for (const e of body.detail) {
      const loc = (e.loc || []).filter((p) => p !== 'body').join('.');
      const text = e.msg.replace(/^Value error, /, '');
      if (!fieldError(form, loc, text)) messages.push(loc ? `${loc}: ${text}` : text);
    }
  } else if (body.missing_items) {
    body.missing_items.forEach((item, i) => {
      if (!fieldError(form, BRIEF_SLOTS[item] || '', body.missing[i])) messages.push(body.missing[i]);
    });
    messages.unshift(err.detail);
  } else {
    messages.push(err.detail);
  }
  top.textContent = messages.join(' · ');
  form.dataset.status = String(err.status);
}

// Send on submit; ``build(form)`` makes the body (or throws a message for the
// form), ``done(answer)`` runs after a 2xx.
export function wire(form, method, path, build, done) {
  form.addEventListener('input', () => { form.dataset.dirty = 'true'; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const answer = await send(method, path, build(form));
      clear(form);
      form.dataset.dirty = '';
      form.dataset.status = '200';
      await done(answer);
    } catch (err) {
      showErrors(form, err);
    } finally {
      button.disabled = false;
    }
  });
}

// Form values: '' becomes null; "a.b" names become nested objects.
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    const value = el.type === 'checkbox' ? el.checked : el.value.trim() || null;
    const parts = el.name.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = node[p] ??= {};
    node[parts.at(-1)] = value;
  }
  return out;
}

export const localToIso = (value) => (value ? new Date(value).toISOString() : null);

export function flash(el, text) {
  mount(el, html`<p class="flash" role="status" data-testid="flash">${text}</p>`);
}
