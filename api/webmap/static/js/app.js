// envtrace web map: plain ES modules over the envtrace JSON API, no build
// step. It picks the language, loads the catalogues of the core and of
// each feature, builds the map and lets each feature add itself.
import { pickLanguage, loadCatalogues, t } from './i18n.js';
import { api, showError, busy } from './core.js';
import { createMap, createLegend, drawContext } from './map.js';
import { features } from './features.js';
import { initLogin } from './login.js';

// translatePage fills the static page's data-i18n elements.
function translatePage() {
  for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
  for (const n of document.querySelectorAll('[data-i18n-label]')) n.setAttribute('aria-label', t(n.dataset.i18nLabel));
  document.title = t('app.title');
  const other = document.getElementById('lang-switch');
  const en = document.documentElement.lang === 'en';
  const q = new URLSearchParams(location.search);
  if (en) q.delete('lang'); else q.set('lang', 'en');
  other.href = '/' + (q.toString() ? '?' + q : '');
  other.lang = en ? 'zh-Hant-TW' : 'en';
}

async function start() {
  pickLanguage();
  let done = () => {};
  try {
    await loadCatalogues(['core', 'ref'].concat(features.map((f) => f.id)));
    translatePage();
    done = busy(t('app.loading'));
    const config = await fetch('/webmap/config.json').then((r) => r.json());
    // Sign-in first, so every later call carries the user's token.
    await initLogin(config);
    const network = await api('/network.geojson');
    const ctx = createMap(config);
    ctx.legend = createLegend(ctx.map);
    ctx.context = drawContext(ctx, network);
    document.getElementById('fold-button').addEventListener('click', () => document.body.classList.toggle('panel-folded'));
    for (const f of features) await f.init(ctx);
    document.body.dataset.ready = 'true';
  } catch (e) {
    showError(e, t('app.load_failed'));
    document.body.dataset.ready = 'error';
  } finally {
    done();
  }
}

start();
