// The farmland feature: irrigation intakes and the irrigated areas they
// water, coloured by the years their soil takes to reach the monitoring
// standard; the forward impact of a discharge or a reading (the intakes it
// reaches, when, at what concentration, the way the water takes down
// rivers and canals from the discharge, and the areas the intakes feed);
// and the alert that closes the exceeding gates. See
// docs/farmland.md. Without irrigation data the feature stays off.
import { el, api, showError, clearError, busyNode, setPanel } from './core.js';
import { t, time, num, paramName, unit } from './i18n.js';

const RISK = [[50, 'risk-high', '#b2182b'], [200, 'risk-medium', '#ef8a62'], [1000, 'risk-low', '#fddbc7']];
const NONE = ['risk-none', '#bdbdbd'];
const state = { ctx: null, intakes: new Map(), areas: new Map(), years: new Map(), reached: null, path: null };

export const farmland = {
  id: 'farmland',
  async init(ctx) {
    state.ctx = ctx;
    let intakes, areas;
    try {
      [intakes, areas] = await Promise.all([ogc('intakes'), ogc('irrigated-areas')]);
    } catch {
      return; // no irrigation data: nothing to show
    }
    await loadRisk();
    const areaLayer = L.geoJSON(areas, {
      style: (f) => ({ color: '#555', weight: 1, fillColor: riskOf(f.properties.area_id)[1], fillOpacity: 0.55, className: 'farmland-area ' + riskOf(f.properties.area_id)[0] }),
      onEachFeature: (f, layer) => {
        state.areas.set(f.properties.area_id, { feature: f, layer });
        const y = state.years.get(f.properties.area_id);
        layer.bindTooltip(t('farmland.area_tip', { id: f.properties.area_id, ha: num(f.properties.area_ha, 1), years: y === undefined || y === null ? '—' : num(y, 0) }));
      },
    }).addTo(ctx.map);
    const intakeLayer = L.layerGroup().addTo(ctx.map);
    for (const f of intakes.features) {
      const [lon, lat] = f.geometry.coordinates;
      const m = L.circleMarker([lat, lon], { radius: 6, color: '#fff', weight: 2, fillColor: '#2166ac', fillOpacity: 1, className: 'farmland-intake' }).addTo(intakeLayer);
      m.bindTooltip(t('farmland.intake_tip', { name: f.properties.name, office: f.properties.office }));
      state.intakes.set(f.properties.intake_id, { feature: f, marker: m });
    }
    ctx.switcher.addOverlay(areaLayer, t('farmland.layer_areas'));
    ctx.switcher.addOverlay(intakeLayer, t('farmland.layer_intakes'));
    ctx.legend.section(t('farmland.legend'), [['dot farmland-intake', t('farmland.legend_intake'), intakeLayer]]
      .concat(RISK.map(([y, cls]) => ['dot ' + cls, t('farmland.legend_' + cls, { years: y }), areaLayer]), [['dot ' + NONE[0], t('farmland.legend_risk-none'), areaLayer]]));
    document.querySelector('.toolbar').prepend(el('button', { type: 'button', id: 'farmland-button', text: t('farmland.action.open'), onclick: form }));
    document.body.dataset.farmlandIntakes = String(state.intakes.size);
  },
};

// ogc reads a whole OGC API collection as GeoJSON in lon/lat.
async function ogc(id) {
  const res = await fetch('/ogc/collections/' + id + '/items?limit=10000&f=json');
  if (!res.ok) throw new Error(id + ': HTTP ' + res.status);
  return res.json();
}

// loadRisk reads the accumulation ranking over every reading up to now.
async function loadRisk() {
  const q = new URLSearchParams({ from: '2000-01-01T00:00:00+08:00', to: new Date(Date.now() + 86400000).toISOString() });
  try {
    const r = await api('/farmland/accumulation?' + q);
    for (const a of r.areas) state.years.set(a.area_id, a.years_to_monitoring);
  } catch {
    // no ranking: every area stays grey
  }
}

function riskOf(areaID) {
  const y = state.years.get(areaID);
  if (y === undefined || y === null) return NONE;
  for (const [limit, cls, colour] of RISK) if (y < limit) return [cls, colour];
  return NONE;
}

// form asks for the source of the water: a facility's discharge or a
// station's reading.
function form() {
  clearError();
  const field = (key, input) => el('div', null, el('label', { for: input.id, text: t(key) }), input);
  const kind = el('select', { id: 'f-kind' }, el('option', { value: 'facility' }, t('farmland.kind.facility')), el('option', { value: 'station' }, t('farmland.kind.station')));
  const id = el('input', { id: 'f-id', type: 'text', required: true });
  const parameter = el('input', { id: 'f-parameter', type: 'text', value: 'Cu' });
  const value = el('input', { id: 'f-value', type: 'text', inputmode: 'decimal' });
  const u = el('input', { id: 'f-unit', type: 'text', value: 'mg/L' });
  const at = el('input', { id: 'f-time', type: 'text', placeholder: '2026-08-14T04:00:00+08:00' });
  const out = el('div', { id: 'farmland-out' });
  const query = () => {
    const q = new URLSearchParams({ [kind.value]: id.value.trim(), parameter: parameter.value.trim() });
    if (value.value.trim()) { q.set('value', value.value.trim()); q.set('unit', u.value.trim()); }
    if (at.value.trim()) q.set('time', at.value.trim());
    return q;
  };
  const impactButton = el('button', { id: 'f-impact', class: 'primary', type: 'button', text: t('farmland.action.impact'), onclick: () => impact(query(), out) });
  const alertButton = el('button', { id: 'f-alert', type: 'button', text: t('farmland.action.alert'), onclick: () => raise(query(), out) });
  setPanel(el('div', { class: 'farmland-form', id: 'farmland-form' },
    el('h2', { class: 'title', text: t('farmland.title') }),
    el('p', { class: 'hint', text: t('farmland.help') }),
    el('div', { class: 'grid' }, field('farmland.field.kind', kind), field('farmland.field.id', id), field('farmland.field.parameter', parameter),
      field('farmland.field.value', value), field('farmland.field.unit', u), field('farmland.field.time', at)),
    el('div', { class: 'actions' }, impactButton, alertButton), out));
}

// impact draws the forward impact: the reached intakes and the areas they
// feed, and lists the intakes nearest in time first.
async function impact(q, out) {
  clearError();
  out.replaceChildren(busyNode(t('farmland.loading')));
  try {
    const r = await api('/farmland/impact?' + q);
    draw(r.intakes);
    await drawPath(q, r.intakes);
    out.replaceChildren(r.intakes.length ? table(r.intakes) : el('p', { class: 'hint', text: t('farmland.none_reached') }));
    document.body.dataset.farmlandImpact = String(r.intakes.length);
  } catch (e) {
    out.replaceChildren();
    showError(e, t('farmland.title'));
  }
}

// drawPath draws the water's way down rivers and canals from the
// discharge (the facility's outfalls, or the station) as far as the last
// intake it reaches: the forward impact on the map.
async function drawPath(q, rows) {
  if (state.path) state.path.remove();
  state.path = L.layerGroup().addTo(state.ctx.map);
  document.body.dataset.farmlandPath = '0';
  if (!rows.length) return;
  const facility = q.has('facility');
  const id = encodeURIComponent(q.get(facility ? 'facility' : 'station'));
  const o = await api(facility ? '/facilities/' + id : '/stations/' + id);
  const starts = facility ? o.outfalls.filter((x) => x.place).map((x) => x.place.reach) : (o.place ? [o.place.reach] : []);
  const hours = Math.ceil(Math.max(...rows.map((r) => r.travel_hours)) + 1);
  let n = 0;
  for (const start of starts) {
    const g = await api('/navigate?' + new URLSearchParams({ start, mode: 'DD', max_hours: String(hours), format: 'geojson' }));
    L.geoJSON(g, { interactive: false, style: { color: '#b2182b', weight: 5, opacity: 0.75, className: 'farmland-path' } }).addTo(state.path);
    n += g.features.length;
  }
  document.body.dataset.farmlandPath = String(n);
}

// COLUMNS are the impact table's columns, each labelled farmland.col.<key>.
const COLUMNS = ['intake', 'arrival', 'hours', 'dilution', 'concentration', 'standard', 'area', 'office'];

// table lists the reached intakes, one row each. Every cell carries its
// column's label (data-label), which a phone shows beside the value when
// the rows stack as cards (style.css).
function table(rows) {
  const cells = (r) => [nameOf(r.intake_id), time(r.arrival_time), num(r.travel_hours, 1), num(r.dilution, 1),
    num(r.concentration, 4) + ' ' + unit(r.unit), r.standard === null ? '—' : num(r.standard, 4), num(r.area_ha, 1), r.office];
  return el('table', { class: 'farmland-impact', id: 'farmland-impact' },
    el('thead', null, el('tr', null, COLUMNS.map((k) => el('th', { text: t('farmland.col.' + k) })))),
    el('tbody', null, rows.map((r) => el('tr', { class: r.exceeds ? 'exceeds' : '', dataset: { intake: r.intake_id } },
      cells(r).map((text, i) => el('td', { text, dataset: { label: t('farmland.col.' + COLUMNS[i]) } }))))));
}

function nameOf(intakeID) {
  const i = state.intakes.get(intakeID);
  return i ? i.feature.properties.name + ' (' + intakeID + ')' : intakeID;
}

// draw marks the reached intakes (red where they exceed) and outlines the
// areas they feed: the impact downstream of the discharge.
function draw(rows) {
  for (const { marker } of state.intakes.values()) marker.setStyle({ fillColor: '#2166ac', radius: 6 });
  for (const { layer } of state.areas.values()) layer.setStyle({ weight: 1, color: '#555' });
  for (const r of rows) {
    const i = state.intakes.get(r.intake_id);
    if (i) i.marker.setStyle({ fillColor: r.exceeds ? '#d7191c' : '#fdae61', radius: 9 });
    for (const { feature, layer } of state.areas.values()) {
      if (feature.properties.intake_ids.split(',').includes(r.intake_id)) layer.setStyle({ weight: 3, color: r.exceeds ? '#d7191c' : '#fdae61' });
    }
  }
}

// raise records the alert and shows which gates to close, by when, and
// whom to call.
async function raise(q, out) {
  clearError();
  out.replaceChildren(busyNode(t('farmland.loading')));
  try {
    const r = await api('/farmland/alerts?' + q, { method: 'POST' });
    if (!r.alert) {
      out.replaceChildren(el('p', { class: 'ok', id: 'farmland-alert', dataset: { intakes: '0' }, text: t('farmland.no_alert') }));
      return;
    }
    const a = r.alert;
    out.replaceChildren(el('div', { id: 'farmland-alert', class: 'farmland-alert', dataset: { id: a.alert_id, intakes: String(a.intakes.length) } },
      el('h3', { text: t('farmland.alert_title', { id: a.alert_id, param: paramName(a.parameter), n: a.intakes.length }) }),
      el('ul', null, a.intakes.map((i) => el('li', { dataset: { intake: i.intake_id } },
        el('strong', { text: t('farmland.close_by', { name: i.name, at: time(i.close_by), hours: num(i.hours_left, 1) }) }),
        el('div', { class: 'small', text: t('farmland.call', { office: i.office, contact: i.contact }) }))))));
  } catch (e) {
    out.replaceChildren();
    showError(e, t('farmland.title'));
  }
}
