// Shared page plumbing: DOM building (text only, never innerHTML, so data
// cannot inject markup), the API client, the error box and busy state.
import { t } from './i18n.js';

export const API = '/api/v1';

export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function cssID(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, '_'); }

export class ApiError extends Error {
  constructor(status, body) {
    const p = body && typeof body === 'object' ? body : {};
    super(p.detail || p.title || ('HTTP ' + status));
    this.status = status;
    this.problem = p;
  }
}

// TOKEN keeps the signed-in user's ID token for this tab (login.js).
export const TOKEN = 'envtrace.token';

// withBearer adds the signed-in user's token to a request that carries no
// Authorization of its own (the dumping desk's agency key wins).
function withBearer(opts) {
  const tok = sessionStorage.getItem(TOKEN);
  if (!tok) return opts;
  const o = Object.assign({}, opts);
  const h = new Headers(o.headers || {});
  if (!h.has('Authorization')) h.set('Authorization', 'Bearer ' + tok);
  o.headers = h;
  return o;
}

// ogc fetches an OGC API document (path below /ogc) with the signed-in
// user's token, so that staff get the layers their role may read; null
// when the layer is absent or refused.
export async function ogc(path) {
  const res = await fetch('/ogc' + path, withBearer({ headers: { Accept: 'application/geo+json, application/json' } }));
  return res.ok ? res.json() : null;
}

// api fetches a JSON answer; problems become ApiError.
export async function api(path, opts) {
  let res;
  try {
    res = await fetch(API + path, withBearer(opts));
  } catch (e) {
    throw new ApiError(0, { title: t('error.unreachable'), detail: String(e.message || e) });
  }
  const ct = res.headers.get('Content-Type') || '';
  const body = ct.includes('json') ? await res.json() : { title: t('error.unexpected'), detail: (await res.text()).slice(0, 300) };
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

// apiPage fetches a page the API renders (HTML) with the signed-in
// user's token; problems become ApiError.
export async function apiPage(path) {
  let res;
  try {
    res = await fetch(API + path, withBearer({ headers: { Accept: 'text/html, application/problem+json' } }));
  } catch (e) {
    throw new ApiError(0, { title: t('error.unreachable'), detail: String(e.message || e) });
  }
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  return res.text();
}

export function postJSON(path, body) {
  return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

const errorBox = () => document.getElementById('error');

export function showError(err, context) {
  const p = (err && err.problem) || {};
  const box = errorBox();
  box.replaceChildren(
    el('button', { class: 'dismiss', type: 'button', 'aria-label': t('action.dismiss'), onclick: clearError }, '×'),
    el('h3', { text: (context ? context + t('punct.colon') : '') + (p.title || t('error.generic')) }),
    el('p', { text: p.detail || (err && err.message) || String(err) }),
    p['invalid-params'] && p['invalid-params'].length
      ? el('ul', null, p['invalid-params'].map((ip) => el('li', null, el('code', { text: ip.name }), ' ', ip.reason)))
      : null,
    p.request_id ? el('p', { class: 'small', text: t('error.request_id', { id: p.request_id }) }) : null,
  );
  box.hidden = false;
  return p;
}

export function clearError() {
  const box = errorBox();
  box.hidden = true;
  box.replaceChildren();
  document.querySelectorAll('.invalid').forEach((n) => n.classList.remove('invalid'));
}

let busyCount = 0;
export function busy(text) {
  const loading = document.getElementById('loading');
  busyCount++;
  document.getElementById('loading-text').textContent = text;
  loading.hidden = false;
  return () => {
    busyCount = Math.max(0, busyCount - 1);
    if (busyCount === 0) loading.hidden = true;
  };
}

export function busyNode(text) {
  return el('div', { class: 'busy', role: 'status' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

// setPanel replaces the side panel's content and opens it (on a phone the
// panel is a sheet that may be folded).
export function setPanel(...nodes) {
  const panel = document.getElementById('panel');
  panel.replaceChildren(...nodes);
  panel.scrollTop = 0;
  document.getElementById('side').scrollTop = 0;
  document.body.classList.remove('panel-folded');
}
