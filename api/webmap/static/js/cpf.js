// The CPF polar plot: a monitor's conditional probability function
// (GET /api/v1/air/cpf) drawn on the map at the monitor as SVG wedges, one
// per wind sector, pointing where the wind came from, their length the
// sector's CPF; the high sectors are highlighted and the facilities lying
// in them marked. It is a panel of the odour feature (odour.js), whose
// catalogue holds its text. See docs/air.md.
import { el, api, showError, clearError, busyNode, setPanel } from './core.js';
import { t, num, paramName } from './i18n.js';

// RADIUS_M is the length of a wedge with CPF 1.
const RADIUS_M = 4000;

// cpfForm opens the panel that asks for a monitor and a parameter and
// draws their CPF in layer.
export function cpfForm(ctx, layer) {
  clearError();
  const field = (key, input) => el('div', null, el('label', { for: input.id, text: t(key) }), input);
  const monitor = el('input', { id: 'cpf-monitor', type: 'text', required: true });
  const parameter = el('input', { id: 'cpf-parameter', type: 'text', value: 'H2S' });
  const percentile = el('input', { id: 'cpf-percentile', type: 'text', inputmode: 'decimal', value: '90' });
  const out = el('div', { id: 'cpf-out' });
  const draw = async () => {
    const q = new URLSearchParams({ monitor: monitor.value.trim(), parameter: parameter.value.trim(), percentile: percentile.value.trim() });
    out.replaceChildren(busyNode(t('odour.cpf.loading')));
    try {
      const res = await api('/air/cpf?' + q);
      layer.clearLayers();
      drawCPF(ctx, layer, res);
      out.replaceChildren(summary(res));
      document.body.dataset.cpf = res.monitor;
    } catch (e) {
      out.replaceChildren();
      showError(e, t('odour.cpf.failed'));
      document.body.dataset.cpf = 'error';
    }
  };
  setPanel(el('div', { class: 'farmland-form', id: 'cpf-form' },
    el('h2', { class: 'title', text: t('odour.cpf.title') }),
    el('p', { class: 'hint', text: t('odour.cpf.help') }),
    el('div', { class: 'grid' }, field('odour.cpf.monitor', monitor), field('odour.cpf.parameter', parameter),
      field('odour.cpf.percentile', percentile)),
    el('div', { class: 'actions' }, el('button', { id: 'cpf-draw', class: 'primary', type: 'button', text: t('odour.cpf.draw'), onclick: draw })),
    out));
}

// onPhone says the map is on a phone (the width at which the panel
// becomes a sheet, as style.css sets it) or another touch screen.
const onPhone = () => window.matchMedia('(max-width: 700px), (pointer: coarse)').matches;

// tip binds a wedge's, the monitor's or a facility's text: a tooltip on
// hover; on a phone a popup, one open at a time, because tooltips opened
// by taps stay open and pile up over the plot.
function tip(layer, text) {
  return onPhone() ? layer.bindPopup(text, { className: 'cpf-popup', autoPan: false }) : layer.bindTooltip(text);
}

// offset is the point distM metres from [lat, lon] at bearing deg.
function offset(lat, lon, bearingDeg, distM) {
  const b = bearingDeg * Math.PI / 180;
  const dLat = distM * Math.cos(b) / 111320;
  const dLon = distM * Math.sin(b) / (111320 * Math.cos(lat * Math.PI / 180));
  return [lat + dLat, lon + dLon];
}

// drawCPF draws the wedges, the facilities in high sectors and fits the map.
function drawCPF(ctx, layer, res) {
  const name = paramName(res.parameter);
  for (const s of res.sectors) {
    if (s.cpf === null || s.cpf === 0) continue;
    const r = RADIUS_M * s.cpf;
    const pts = [[res.lat, res.lon]];
    for (let a = s.from_deg; a <= s.to_deg + 1e-9; a += (s.to_deg - s.from_deg) / 6) pts.push(offset(res.lat, res.lon, a, r));
    tip(L.polygon(pts, {
      color: s.high ? '#a50f15' : '#fc9272', weight: 1, fillColor: s.high ? '#de2d26' : '#fcbba1', fillOpacity: 0.7,
      className: 'cpf-wedge' + (s.high ? ' cpf-high' : ''),
    }).addTo(layer), t('odour.cpf.sector', {
      from: num(s.from_deg, 0), to: num(s.to_deg, 0), cpf: num(s.cpf, 2), exceed: s.exceed, n: s.n, parameter: name,
    }));
  }
  tip(L.circleMarker([res.lat, res.lon], { radius: 5, color: '#000', weight: 2, fillColor: '#fff', fillOpacity: 1, className: 'cpf-monitor' })
    .addTo(layer), t('odour.cpf.monitor_tip', { id: res.monitor }));
  for (const f of res.facilities) {
    tip(L.circleMarker(offset(res.lat, res.lon, f.bearing_deg, f.distance_m), {
      radius: 8, color: '#a50f15', weight: 3, fill: false, className: 'cpf-facility',
    }).addTo(layer), t('odour.cpf.facility', { name: f.name, id: f.facility_id, distance: num(f.distance_m, 0), cpf: num(f.cpf, 2) }));
  }
  ctx.map.fitBounds(L.latLng(res.lat, res.lon).toBounds(2.4 * RADIUS_M));
}

// summary is the panel's text about a CPF.
function summary(res) {
  return el('div', { class: 'cpf-summary' },
    el('p', { text: t('odour.cpf.summary', {
      id: res.monitor, parameter: paramName(res.parameter), percentile: num(res.percentile, 0),
      threshold: num(res.threshold, 3), unit: res.unit, n: res.n, exceed: res.exceed,
    }) }),
    el('ol', { class: 'cpf-facilities' }, res.facilities.map((f) => el('li', {
      text: t('odour.cpf.facility', { name: f.name, id: f.facility_id, distance: num(f.distance_m, 0), cpf: num(f.cpf, 2) }),
    }))));
}
