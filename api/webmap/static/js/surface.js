// The triangulation surface of an odour ranking window (GET
// /api/v1/odour/rank): the likelihood surface's cells coloured by how many
// petitions a source there would explain, its maximum marked with the
// nearest facility and distance, and the ranked candidates listed. It is
// a panel of the odour feature (odour.js), whose catalogue holds its text.
// See docs/odour.md.
import { el, api, showError, clearError, busyNode, setPanel } from './core.js';
import { t, num, has } from './i18n.js';

// SHADES colour a cell by its share of the surface maximum (lower bounds).
const SHADES = [[0.8, '#7f2704'], [0.6, '#d94801'], [0.4, '#fd8d3c'], [0.2, '#fdbe85'], [0, '#feedde']];

// rankForm opens the panel that asks for a window and draws its surface
// in layer.
export function rankForm(ctx, layer) {
  clearError();
  const field = (key, input) => el('div', null, el('label', { for: input.id, text: t(key) }), input);
  const from = el('input', { id: 'rank-from', type: 'text', placeholder: '2026-08-20T00:00:00+08:00' });
  const to = el('input', { id: 'rank-to', type: 'text', placeholder: '2026-08-27T00:00:00+08:00' });
  const out = el('div', { id: 'rank-out' });
  const draw = async () => {
    out.replaceChildren(busyNode(t('odour.rank.loading')));
    try {
      const res = await api('/odour/rank?' + new URLSearchParams({ from: from.value.trim(), to: to.value.trim() }));
      layer.clearLayers();
      drawSurface(ctx, layer, res);
      out.replaceChildren(candidates(res));
      document.body.dataset.odourRank = String(res.surface.length);
    } catch (e) {
      out.replaceChildren();
      showError(e, t('odour.rank.failed'));
      document.body.dataset.odourRank = 'error';
    }
  };
  setPanel(el('div', { class: 'farmland-form', id: 'rank-form' },
    el('h2', { class: 'title', text: t('odour.rank.title') }),
    el('p', { class: 'hint', text: t('odour.rank.help') }),
    el('div', { class: 'grid' }, field('odour.rank.from', from), field('odour.rank.to', to)),
    el('div', { class: 'actions' }, el('button', { id: 'rank-draw', class: 'primary', type: 'button', text: t('odour.rank.draw'), onclick: draw })),
    out));
}

// drawSurface draws the cells and the maximum, and fits the map to them.
function drawSurface(ctx, layer, res) {
  const m = res.surface_max;
  if (!m) return;
  const half = m.surface_cell_m / 2;
  const bounds = L.latLngBounds([]);
  for (const c of res.surface) {
    const dLat = half / 111320;
    const dLon = half / (111320 * Math.cos(c.lat * Math.PI / 180));
    const share = c.value / m.value;
    const colour = SHADES.find(([lo]) => share >= lo)[1];
    const b = [[c.lat - dLat, c.lon - dLon], [c.lat + dLat, c.lon + dLon]];
    bounds.extend(b);
    L.rectangle(b, { stroke: false, fillColor: colour, fillOpacity: 0.55, className: 'odour-surface-cell' })
      .addTo(layer).bindTooltip(t('odour.rank.cell', { value: num(c.value, 2), share: num(share * 100, 0) }));
  }
  drawSurfaceMax(layer, m);
  if (bounds.isValid()) ctx.map.fitBounds(bounds);
}

// reasonText is a ranking's confidence reason in the page's language: the
// catalogue's text for its code (odour.reason.<code>) filled with its
// parameters, else the engine's English text.
export function reasonText(conf) {
  const key = 'odour.reason.' + conf.code;
  if (!conf.code || !has(key)) return conf.reason;
  const p = {};
  for (const [k, v] of Object.entries(conf.params || {})) p[k] = typeof v === 'number' ? num(v, 2) : (v === null ? '—' : v);
  return t(key, p);
}

// drawSurfaceMax marks the surface maximum with its nearest facility.
export function drawSurfaceMax(layer, m) {
  L.circleMarker([m.lat, m.lon], { radius: 7, color: '#000', weight: 2, fillColor: '#fdae6b', fillOpacity: 0.9, className: 'odour-surface-max' })
    .addTo(layer).bindTooltip(t('odour.surface_max', { facility: m.nearest_facility_id, distance: num(m.distance_m, 0), value: num(m.value, 2) }));
}

// candidates lists the ranking with its evidence and confidence.
function candidates(res) {
  return el('div', { class: 'rank-summary' },
    el('p', { text: t('odour.rank.summary', { n: res.petitions, level: t('odour.level.' + res.confidence.level) }) }),
    el('p', { class: 'small odour-reason', text: reasonText(res.confidence) }),
    el('ol', { class: 'odour-candidates' }, res.candidates.slice(0, 10).map((c) => el('li', {
      text: t('odour.rank.candidate', {
        name: c.name, id: c.facility_id, score: num(c.score, 2), supporting: c.evidence.supporting_petitions,
        surface: num(c.evidence.surface * 100, 0),
      }),
    }))));
}
