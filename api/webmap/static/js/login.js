// Login: OpenID Connect authorization code with PKCE (RFC 7636), for the
// issuer and public client id the server's config.json names. The page
// redirects to the issuer's authorization endpoint with a one-time
// code_challenge, comes back to "/" with a code, exchanges it with the
// code_verifier at the token endpoint and keeps the ID token for this tab
// (sessionStorage); core.js sends it with every API call.
import { el, TOKEN, showError } from './core.js';
import { t } from './i18n.js';

const PENDING = 'envtrace.login';

function b64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random() {
  const a = new Uint8Array(32);
  crypto.getRandomValues(a);
  return b64url(a);
}

async function discover(issuer) {
  const res = await fetch(issuer.replace(/\/$/, '') + '/.well-known/openid-configuration');
  if (!res.ok) throw new Error('discovery: HTTP ' + res.status);
  return res.json();
}

function redirectURI() { return location.origin + '/'; }

async function signIn(login) {
  const meta = await discover(login.issuer);
  const verifier = random();
  const state = random();
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: location.search }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: login.client_id, redirect_uri: redirectURI(), scope: 'openid',
    state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(meta.authorization_endpoint + '?' + q);
}

// finish exchanges the code the issuer sent back, once, and restores the
// page's own query (language, case).
async function finish(login, q) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', '/' + ((pending && pending.back) || ''));
  if (!pending || q.get('state') !== pending.state) throw new Error(t('login.bad_state'));
  const meta = await discover(login.issuer);
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectURI(),
      client_id: login.client_id, code_verifier: pending.verifier,
    }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.id_token) throw new Error(body.error_description || body.error || ('HTTP ' + res.status));
  sessionStorage.setItem(TOKEN, body.id_token);
}

// signedIn is the signed-in user's claims (for display and for choosing
// what to offer, never for access: the server decides), null when no one
// is signed in.
export function signedIn() {
  const tok = sessionStorage.getItem(TOKEN);
  return tok ? claims(tok) : null;
}

// claims reads the token's payload for display only; the server verifies it.
function claims(tok) {
  try {
    const bin = atob(tok.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

function render(login, box) {
  const tok = sessionStorage.getItem(TOKEN);
  if (!tok) {
    box.replaceChildren(el('button', { type: 'button', id: 'login-button', text: t('action.login'), onclick: () => signIn(login).catch((e) => showError(e, t('login.failed'))) }));
    return;
  }
  const c = claims(tok);
  box.replaceChildren(
    el('span', { id: 'login-who', class: 'who', text: t('login.as', { name: c.name || c.sub || '', role: c.envtrace_role || 'public' }) }),
    el('button', { type: 'button', id: 'logout-button', text: t('action.logout'), onclick: () => { sessionStorage.removeItem(TOKEN); location.reload(); } }),
  );
}

// initLogin finishes a sign-in in progress and shows the button; it
// does nothing when the server configured no login.
export async function initLogin(config) {
  const box = document.getElementById('login');
  if (!config.login || !box) return;
  box.hidden = false;
  const q = new URLSearchParams(location.search);
  if (q.has('code') && q.has('state')) {
    try {
      await finish(config.login, q);
    } catch (e) {
      showError(e, t('login.failed'));
    }
  }
  render(config.login, box);
}
