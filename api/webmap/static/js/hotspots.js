// Hot spots and air risk areas on the map: the units of a Gi* or emerging
// hot spot (EHSA) analysis (GET /api/v1/hotspots) as hexagons coloured by
// their class, and the air risk areas (GET /api/v1/air/risk) as hexagons
// shaded by score. It is a panel of the odour feature (odour.js), whose
// catalogue holds its text. See docs/hotspots.md.
import { el, api, showError, clearError, busyNode, setPanel } from './core.js';
import { t, num } from './i18n.js';

// HOT and COLD colour a unit by its kind (hot, cold) and strength.
export const HOT = { strong: '#b2182b', weak: '#ef8a62' };
export const COLD = { strong: '#2166ac', weak: '#67a9cf' };
// STRONG are the EHSA patterns drawn in the strong shade.
const STRONG = new Set(['new', 'consecutive', 'intensifying', 'persistent']);

// hotspotForm opens the panel that asks for an analysis or a risk screen
// and draws it in layer.
export function hotspotForm(ctx, layer) {
  clearError();
  const field = (key, input) => el('div', null, el('label', { for: input.id, text: t(key) }), input);
  const signal = el('select', { id: 'hs-signal' }, ['petitions', 'sensor-exceedances', 'violations'].map((s) => el('option', { value: s }, t('odour.hotspot.signal.' + s))));
  const method = el('select', { id: 'hs-method' }, ['gi', 'ehsa'].map((m) => el('option', { value: m }, t('odour.hotspot.method.' + m))));
  const edge = el('input', { id: 'hs-edge', type: 'text', inputmode: 'decimal', value: '1000' });
  const from = el('input', { id: 'hs-from', type: 'text', placeholder: '2026-08-01T00:00:00+08:00' });
  const to = el('input', { id: 'hs-to', type: 'text', placeholder: '2026-09-01T00:00:00+08:00' });
  const out = el('div', { id: 'hs-out' });
  const window = () => {
    const q = new URLSearchParams({ hex_edge: edge.value.trim() });
    if (from.value.trim()) q.set('from', from.value.trim());
    if (to.value.trim()) q.set('to', to.value.trim());
    return q;
  };
  const run = (what) => async () => {
    out.replaceChildren(busyNode(t('odour.hotspot.loading')));
    try {
      const q = window();
      let n;
      layer.clearLayers();
      if (what === 'hotspots') {
        q.set('signal', signal.value);
        q.set('method', method.value);
        n = drawUnits(ctx, layer, await api('/hotspots?' + q), Number(q.get('hex_edge')));
      } else {
        n = drawRisk(ctx, layer, await api('/air/risk?' + q), Number(q.get('hex_edge')));
      }
      out.replaceChildren(el('p', { text: t('odour.hotspot.drawn.' + what, { n }) }));
      document.body.dataset.hotspots = what + ':' + n;
    } catch (e) {
      out.replaceChildren();
      showError(e, t('odour.hotspot.failed'));
      document.body.dataset.hotspots = 'error';
    }
  };
  setPanel(el('div', { class: 'farmland-form', id: 'hotspot-form' },
    el('h2', { class: 'title', text: t('odour.hotspot.title') }),
    el('p', { class: 'hint', text: t('odour.hotspot.help') }),
    el('div', { class: 'grid' }, field('odour.hotspot.signal', signal), field('odour.hotspot.method', method),
      field('odour.hotspot.edge', edge), field('odour.rank.from', from), field('odour.rank.to', to)),
    el('div', { class: 'actions' },
      el('button', { id: 'hs-draw', class: 'primary', type: 'button', text: t('odour.hotspot.draw'), onclick: run('hotspots') }),
      el('button', { id: 'risk-draw', type: 'button', text: t('odour.hotspot.risk'), onclick: run('risk') })),
    out));
}

// hexagon is a pointy-top hexagon of edge metres centred at [lat, lon].
function hexagon(lat, lon, edge) {
  const pts = [];
  for (let i = 0; i < 6; i++) {
    const b = (i * 60) * Math.PI / 180;
    pts.push([lat + edge * Math.cos(b) / 111320, lon + edge * Math.sin(b) / (111320 * Math.cos(lat * Math.PI / 180))]);
  }
  return pts;
}

// kindOf splits a unit's class into its kind (hot, cold) and pattern.
export function kindOf(u) {
  if (u.spot) return { kind: u.spot, pattern: '', strong: true };
  const m = /^(.*) (hot|cold) spot$/.exec(u.class || '');
  if (!m) return null;
  return { kind: m[2], pattern: m[1], strong: STRONG.has(m[1]) };
}

// drawUnits draws the classified units (hexagons of edge metres) and
// returns how many.
function drawUnits(ctx, layer, res, edge) {
  const bounds = L.latLngBounds([]);
  let n = 0;
  for (const u of res.units) {
    const k = kindOf(u);
    if (!k) continue;
    const colour = (k.kind === 'hot' ? HOT : COLD)[k.strong ? 'strong' : 'weak'];
    const label = k.pattern ? t('odour.hotspot.pattern.' + k.pattern) + t('odour.hotspot.kind.' + k.kind) : t('odour.hotspot.kind.' + k.kind);
    const poly = L.polygon(hexagon(u.lat, u.lon, edge), {
      color: '#333', weight: 0.5, fillColor: colour, fillOpacity: 0.6, className: 'hotspot-unit hotspot-' + k.kind,
    }).addTo(layer).bindTooltip(t('odour.hotspot.unit', { id: u.id, label, count: u.count, z: u.z === undefined ? '—' : num(u.z, 2) }));
    bounds.extend(poly.getBounds());
    n++;
  }
  if (bounds.isValid()) ctx.map.fitBounds(bounds);
  return n;
}

// drawRisk draws the risk areas on their hot spot hexagons and returns how
// many.
function drawRisk(ctx, layer, res, edge) {
  const units = new Map(res.hotspots.units.map((u) => [u.id, u]));
  const top = Math.max(...res.areas.map((a) => a.score), 1e-12);
  const bounds = L.latLngBounds([]);
  let n = 0;
  for (const a of res.areas) {
    const u = units.get(a.unit);
    if (!u) continue;
    const poly = L.polygon(hexagon(u.lat, u.lon, edge), {
      color: '#54278f', weight: 1, fillColor: '#6a51a3', fillOpacity: 0.2 + 0.6 * (a.score / top), className: 'risk-area',
    }).addTo(layer).bindTooltip(t('odour.hotspot.risk_area', { id: a.unit, score: num(a.score, 2), facilities: a.facilities, z: num(a.hotspot_z, 2) }));
    bounds.extend(poly.getBounds());
    n++;
  }
  if (bounds.isValid()) ctx.map.fitBounds(bounds);
  return n;
}
