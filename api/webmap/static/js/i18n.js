// Message catalogues and locale-aware formatting. Every string the page
// shows comes from a catalogue (static/i18n/<feature>.<lang>.json): this
// module loads them and formats numbers, times and dates for the language.
// Scripts never hold display text.

const LANGS = { 'zh-TW': 'zh-Hant-TW', en: 'en' };
const messages = {};
let lang = 'zh-TW';

// pickLanguage reads ?lang= (zh-TW by default) and sets <html lang>.
export function pickLanguage() {
  const q = new URLSearchParams(location.search).get('lang');
  lang = q && LANGS[q] ? q : 'zh-TW';
  document.documentElement.lang = LANGS[lang];
  return lang;
}

export function language() { return lang; }

// loadCatalogues fetches each feature's catalogue for the language.
export async function loadCatalogues(features) {
  await Promise.all(features.map(async (f) => {
    const res = await fetch('/webmap/i18n/' + f + '.' + lang + '.json');
    if (!res.ok) throw new Error('catalogue ' + f + '.' + lang + ': HTTP ' + res.status);
    Object.assign(messages, await res.json());
  }));
}

// t looks a message up and fills {name} placeholders. A missing key is
// shown as the key itself, so it is noticed and never crashes the page.
export function t(key, params) {
  let s = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined ? m : String(params[k])));
  return s;
}

// has says whether a key exists (optional messages such as parameter names).
export function has(key) { return Object.prototype.hasOwnProperty.call(messages, key); }

// paramName is a parameter as staff know it (its catalogue name, e.g. the
// Chinese name followed by the abbreviation).
export function paramName(id) { return has('param.' + id) ? t('param.' + id) : id; }

// industryName is an industry category as staff know it (the Chinese
// category name of tracing/industry, from the generated ref catalogue), the code
// itself when the catalogue lacks it.
export function industryName(code) { return code && has('industry.' + code) ? t('industry.' + code) : (code || ''); }

// countyName is a county code's name (Taichung City for TXG) from the ref
// catalogue, the code itself when unknown.
export function countyName(code) { return code && has('county.' + code) ? t('county.' + code) : (code || ''); }

const TZ = 'Asia/Taipei';
const locale = () => (lang === 'zh-TW' ? 'zh-TW' : 'en-GB');

// num formats a number for the language with at most digits decimals.
export function num(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  if (typeof v !== 'number') return String(v);
  const d = digits === undefined ? 3 : digits;
  if (v !== 0 && Math.abs(v) < Math.pow(10, -d)) return v.toExponential(1);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: d }).format(v);
}

// time shows an instant in Taiwan time with its offset:
// 2026/08/14 04:00 (UTC+8).
export function time(s) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  const f = new Intl.DateTimeFormat(locale(), {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  return f.format(d) + ' (UTC+8)';
}

// rocDate is the Minguo (ROC) date beside a Gregorian one where staff
// expect it; empty in English.
export function rocDate(s) {
  if (!s || lang !== 'zh-TW') return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat('zh-TW-u-ca-roc', { timeZone: TZ, era: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(d);
}

// timeWithROC is time() followed by the ROC date in zh-TW.
export function timeWithROC(s) {
  const r = rocDate(s);
  return time(s) + (r ? '（' + r + '）' : '');
}

// unit localises a unit symbol through the catalogue.
export function unit(u) { return has('unit.' + u) ? t('unit.' + u) : u; }
