// The water feature: stations coloured by RPI, facilities and outfalls,
// the station and facility panels with their charts, the trace form, one
// request per trace, Clear, save as case, and trace from my location.
import { el, api, apiPage, postJSON, cssID, showError, clearError, busy, busyNode, setPanel } from './core.js';
import { signedIn } from './login.js';
import { t, num, time, paramName, unit, industryName } from './i18n.js';
import { label } from './map.js';
import { drawTrace, traceResults, verdictOf } from './trace.js';
import { stationChart, rpiChart, effluentChart } from './charts.js';
import { openCase, listCases, initCases, clearCaseItems } from './cases.js';

const RPI_COLORS = { 1: '#1a9850', 2: '#d4b300', 3: '#f46d43', 4: '#a50026' };
const NO_RPI = '#8c8c8c';
// Parameters a trace can follow, most asked first.
const TRACEABLE = ['COD', 'BOD5', 'NH3-N', 'SS', 'DO', 'pH', 'Cu', 'Zn', 'Ni', 'Cr', 'Cr6+', 'Cd', 'Pb', 'Hg', 'As', 'CN', 'TN', 'TP', 'COND'];

const state = { ctx: null, stations: new Map(), facilities: new Map(), outfalls: new Map(), scenarios: [], scenario: null,
  traceLayer: null, stationPanel: null, lastTrace: null };

export const water = {
  id: 'water',
  async init(ctx) {
    state.ctx = ctx;
    ctx.legend.section(t('legend.rpi'), [1, 2, 3, 4].map((c) => ['dot rpi-' + c, t('rpi.class.' + c)]).concat([['dot rpi-none', t('rpi.none')]]));
    ctx.legend.section(t('legend.map'), [['sq', t('legend.facility')], ['of', t('legend.outfall')], ['river', t('legend.river'), ctx.context.rivers],
      ['basin', t('legend.basin'), ctx.context.basin]]);
    ctx.legend.section(t('legend.trace'), [['reach-suspect', t('legend.reach_suspect')], ['reach-cleared', t('legend.reach_cleared')],
      ['reach-unexplained', t('legend.reach_unexplained')], ['rank', t('legend.rank')]], () => state.traceLayer);
    const [stations, facilities, scenarios] = await Promise.all([api('/stations'), api('/facilities'), api('/scenarios').catch(() => ({ scenarios: [] }))]);
    const labels = L.layerGroup().addTo(ctx.map);
    drawFacilities(facilities.facilities, labels);
    drawStations(stations.stations, labels);
    ctx.switcher.addOverlay(labels, t('map.layer.labels'));
    fillScenarios(scenarios.scenarios);
    document.getElementById('clear-button').addEventListener('click', clearTrace);
    document.getElementById('locate-button').addEventListener('click', traceFromHere);
    initCases(ctx);
    document.getElementById('cases-button').addEventListener('click', () => listCases(ctxForCases()));
    const caseID = new URLSearchParams(location.search).get('case');
    if (caseID) await openCase(ctxForCases(), caseID);
  },
};

function ctxForCases() {
  return { map: state.ctx.map, show: showTraceLayer, openFacility, focus: focusOutfall };
}

function showTraceLayer(features, verdict) {
  if (state.traceLayer) state.traceLayer.remove();
  state.traceLayer = drawTrace(state.ctx.map, features, verdict, openFacility);
  document.getElementById('clear-button').hidden = false;
}

function clearTrace() {
  clearCaseItems();
  if (state.traceLayer) state.traceLayer.remove();
  state.traceLayer = null;
  state.lastTrace = null;
  document.getElementById('clear-button').hidden = true;
  const r = document.getElementById('trace-results');
  if (r) {
    r.replaceChildren();
    r.removeAttribute('data-done');
  }
}

function stationColor(st) { return (st.rpi && RPI_COLORS[st.rpi.class_code]) || NO_RPI; }

function drawFacilities(list, labels) {
  const { map } = state.ctx;
  for (const f of list) {
    state.facilities.set(f.id, f);
    for (const o of f.outfalls) {
      const m = L.circleMarker([o.position[1], o.position[0]], {
        pane: 'outfalls', radius: 3, color: '#fff', weight: 1, fillColor: '#3b3b3b', fillOpacity: 1, className: 'outfall-marker',
      }).addTo(map);
      m.bindTooltip(t('facility.outfall_tip', { name: f.name, id: o.id }));
      m.on('click', () => openFacility(f.id));
      state.outfalls.set(f.id + ':' + o.id, m);
    }
    if (!f.position) continue;
    const icon = L.divIcon({ className: 'facility-icon fac-' + cssID(f.id), iconSize: [12, 12] });
    const m = L.marker([f.position[1], f.position[0]], { icon, keyboard: true, title: f.name + ' (' + f.id + ')', alt: f.name }).addTo(map);
    m.on('click', () => openFacility(f.id));
    m.on('keypress', (e) => { if (e.originalEvent.key === 'Enter') openFacility(f.id); });
    label(labels, [f.position[1], f.position[0]], f.name, 'facility');
  }
}

function drawStations(list, labels) {
  const { map } = state.ctx;
  for (const st of list) {
    state.stations.set(st.id, st);
    const m = L.circleMarker([st.position[1], st.position[0]], {
      pane: 'stations', radius: 9, color: '#fff', weight: 2, fillColor: stationColor(st), fillOpacity: 1,
      className: 'station-marker st-' + cssID(st.id),
    }).addTo(map);
    const rpiText = st.rpi ? t('station.rpi_tip', { index: num(st.rpi.index, 1), cls: t('rpi.class.' + st.rpi.class_code) }) : t('rpi.none');
    m.bindTooltip(st.id + ' ' + st.name + ' · ' + rpiText, { className: 'station-label' });
    m.on('click', () => openStation(st.id));
    label(labels, [st.position[1], st.position[0]], st.id, 'station');
  }
}

function fillScenarios(list) {
  const select = document.getElementById('scenario');
  const desc = document.getElementById('scenario-desc');
  state.scenarios = list;
  select.replaceChildren(el('option', { value: '' }, list.length ? t('scenario.choose') : t('scenario.none')));
  for (const s of list) {
    select.append(el('option', { value: s.id }, t('scenario.' + s.id) !== 'scenario.' + s.id ? t('scenario.' + s.id)
      : s.id + ' — ' + s.station + ' ' + s.parameter + ' ' + s.value + ' ' + s.unit));
  }
  select.disabled = list.length === 0;
  select.addEventListener('change', () => {
    const s = state.scenarios.find((x) => x.id === select.value) || null;
    state.scenario = s;
    desc.textContent = s ? s.description : '';
    if (s) openStation(s.station);
  });
}

function focusOutfall(facility, outfall) {
  const m = state.outfalls.get(facility + ':' + outfall);
  if (m) {
    state.ctx.map.setView(m.getLatLng(), Math.max(state.ctx.map.getZoom(), 14));
    m.openTooltip();
  }
}

// ---------- station ----------

async function openStation(id) {
  clearError();
  state.ctx.map.closePopup();
  setPanel(busyNode(t('station.loading', { id })));
  const done = busy(t('station.loading', { id }));
  let st;
  let rpi;
  try {
    [st, rpi] = await Promise.all([api('/stations/' + encodeURIComponent(id)), api('/stations/' + encodeURIComponent(id) + '/rpi')]);
  } catch (e) {
    showError(e, t('station.title', { id }));
    setPanel(el('p', { class: 'hint', text: t('station.failed') }));
    return;
  } finally {
    done();
  }
  const node = stationPanel(st, rpi.rpi);
  state.stationPanel = node;
  setPanel(node);
}

function stationPanel(st, rpi) {
  const results = el('div', { id: 'trace-results', 'aria-live': 'polite' });
  const latest = st.latest.length
    ? el('table', { class: 'latest' },
      el('caption', { text: t('station.latest') }),
      el('thead', null, el('tr', null, el('th', { scope: 'col', text: t('reading.parameter') }), el('th', { scope: 'col', class: 'num', text: t('reading.value') }),
        el('th', { scope: 'col', text: t('reading.time') }))),
      el('tbody', null, st.latest.map((r) => el('tr', null, el('td', { text: paramName(r.parameter) }),
        el('td', { class: 'num', text: (r.censored ? '<' : '') + num(r.value, 4) + ' ' + unit(r.unit) }), el('td', { class: 'small', text: time(r.time) })))))
    : el('p', { class: 'hint', text: t('station.no_readings') });
  const charts = el('div', { class: 'charts', id: 'station-charts' });
  const params = [...new Set(st.latest.map((r) => r.parameter))];
  const pick = el('select', { id: 'chart-parameter', 'aria-label': t('chart.pick_parameter') }, params.map((p) => el('option', { value: p }, paramName(p))));
  const chartBox = el('div', { class: 'chart-box' });
  const draw = async (p, trace) => {
    const page = await api('/stations/' + encodeURIComponent(st.id) + '/readings?limit=5000&parameter=' + encodeURIComponent(p));
    const u = (st.latest.find((r) => r.parameter === p) || {}).unit || '';
    chartBox.replaceChildren(stationChart(page.readings, p, unit(u), trace));
  };
  pick.addEventListener('change', () => draw(pick.value).catch((e) => showError(e, t('chart.station_title', { param: pick.value }))));
  charts.append(el('label', { for: 'chart-parameter', text: t('chart.pick_parameter') }), pick, chartBox, rpi.length ? rpiChart(rpi) : el('p', { class: 'hint', text: t('chart.rpi_none') }));
  const first = st.latest.find((r) => r.parameter === 'COD') || st.latest[0];
  if (first) {
    pick.value = first.parameter;
    draw(first.parameter).catch((e) => showError(e, t('chart.station_title', { param: first.parameter })));
  }
  const node = el('div', { class: 'station', dataset: { station: st.id } },
    el('h2', { class: 'title', text: st.id + ' ' + st.name }),
    el('p', { class: 'meta', text: [st.river, t('station.kind.' + st.kind), st.rpi ? 'RPI ' + num(st.rpi.index, 1) + ' ' + t('rpi.class.' + st.rpi.class_code) : t('rpi.none')].filter(Boolean).join(' · ') }),
    st.place ? null : el('p', { class: 'warn', text: t('station.off_network') }),
    el('h3', { text: t('station.trace') }), traceForm(st, results, (trace) => draw(trace.parameter, trace)), results,
    el('h3', { text: t('station.charts') }), charts,
    latest);
  return node;
}

// traceDefaults are the reading the form starts with: the scenario's, or
// the station's latest COD (or any) reading.
function traceDefaults(st) {
  const sc = state.scenario && state.scenario.station === st.id ? state.scenario : null;
  if (sc) return { parameter: sc.parameter, value: sc.value, unit: sc.unit, time: sc.time, flow: sc.flow_m3s };
  const r = st.latest.find((x) => x.parameter === 'COD') || st.latest[0];
  if (!r) return { parameter: 'COD', value: '', unit: 'mg/L', time: '', flow: '' };
  return { parameter: r.parameter, value: r.value, unit: r.unit, time: r.time, flow: r.flow_unit === 'm³/s' ? r.flow : '' };
}

function traceForm(st, results, onTraced) {
  const d = traceDefaults(st);
  const params = TRACEABLE.slice();
  if (!params.includes(d.parameter)) params.unshift(d.parameter);
  const field = (key, input, full) => el('div', { class: full ? 'full' : null }, el('label', { for: input.id, text: t(key) }), input);
  const parameter = el('select', { id: 'f-parameter', name: 'parameter' }, params.map((p) => el('option', { value: p, selected: p === d.parameter }, paramName(p))));
  const value = el('input', { id: 'f-value', name: 'value', type: 'text', inputmode: 'decimal', value: String(d.value), required: true });
  const unitIn = el('input', { id: 'f-unit', name: 'unit', type: 'text', value: d.unit, required: true });
  const timeIn = el('input', { id: 'f-time', name: 'time', type: 'text', value: d.time, placeholder: '2026-08-14T04:00:00+08:00', required: true, 'aria-describedby': 'f-time-help' });
  const flow = el('input', { id: 'f-flow', name: 'flow', type: 'text', inputmode: 'decimal', value: String(d.flow || ''), placeholder: t('form.flow_placeholder') });
  const maxHours = el('input', { id: 'f-max-hours', name: 'max_hours', type: 'text', inputmode: 'decimal', value: '72' });
  const button = el('button', { id: 'trace-button', class: 'primary', type: 'submit', text: t('action.trace') });
  parameter.addEventListener('change', () => {
    const r = (st.latest || []).find((x) => x.parameter === parameter.value);
    if (r) {
      value.value = r.value;
      unitIn.value = r.unit;
      timeIn.value = r.time;
    }
  });
  const inputs = { value, unit: unitIn, time: timeIn, flow, max_hours: maxHours, parameter };
  const form = el('form', { class: 'trace', id: 'trace-form', novalidate: true },
    el('div', { class: 'grid' },
      field('form.parameter', parameter), field('form.value', value), field('form.unit', unitIn), field('form.flow', flow),
      field('form.time', timeIn, true), field('form.max_hours', maxHours)),
    el('p', { class: 'hint', id: 'f-time-help', text: t('form.time_help') }),
    el('div', { class: 'actions' }, button));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ station: st.id, parameter: parameter.value, value: value.value.trim(), unit: unitIn.value.trim(),
      time: timeIn.value.trim(), max_hours: maxHours.value.trim() || '72' });
    if (flow.value.trim() !== '') q.set('flow', flow.value.trim());
    runTrace(q, button, results, inputs, onTraced);
  });
  return form;
}

// runTrace makes the one request of a trace: its GeoJSON carries the
// result too.
async function runTrace(q, button, results, inputs, onTraced) {
  clearError();
  button.disabled = true;
  button.textContent = t('action.tracing');
  results.removeAttribute('data-done');
  results.replaceChildren(busyNode(t('trace.busy')));
  const done = busy(t('trace.busy'));
  try {
    q.set('format', 'geojson');
    const fc = await api('/trace?' + q);
    const res = fc.result;
    showTraceLayer(fc.features, verdictOf(res));
    state.lastTrace = { q, res };
    results.replaceChildren(traceResults(res, (s) => focusOutfall(s.facility_id, s.evidence.outfall)), saveCaseForm(q));
    results.dataset.done = 'true';
    onTraced({ parameter: res.parameter, time: res.observation.time, value: res.observation.value, baseline: res.baseline,
      standard: res.standard ? res.standard.limit : null });
    results.scrollIntoView({ block: 'start' });
  } catch (e) {
    const p = showError(e, t('trace.title'));
    for (const ip of p['invalid-params'] || []) {
      if (inputs[ip.name]) inputs[ip.name].classList.add('invalid');
    }
    results.replaceChildren();
    results.dataset.done = 'error';
  } finally {
    button.disabled = false;
    button.textContent = t('action.trace');
    done();
  }
}

function saveCaseForm(q) {
  const title = el('input', { id: 'case-title', type: 'text', value: t('case.default_title', { station: q.get('station'), param: paramName(q.get('parameter')), time: time(q.get('time')) }), maxlength: '200' });
  const button = el('button', { id: 'save-case', type: 'submit', class: 'primary', text: t('action.save_case') });
  const out = el('div', { id: 'case-saved', 'aria-live': 'polite' });
  const form = el('form', { class: 'save-case', novalidate: true },
    el('label', { for: 'case-title', text: t('case.title_label') }), title, el('div', { class: 'actions' }, button), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError();
    button.disabled = true;
    const body = { title: title.value.trim(), trace: { station: q.get('station'), parameter: q.get('parameter'), value: Number(q.get('value')),
      unit: q.get('unit'), time: q.get('time'), max_hours: Number(q.get('max_hours')) } };
    if (q.get('flow')) body.trace.flow = Number(q.get('flow'));
    try {
      const c = await postJSON('/cases', body);
      const link = '/?case=' + encodeURIComponent(c.id) + (document.documentElement.lang === 'en' ? '&lang=en' : '');
      out.replaceChildren(el('p', { class: 'ok', dataset: { case: c.id } }, t('case.saved', { id: c.id }), ' ',
        el('a', { href: link, id: 'case-link', text: t('case.permalink') }), ' · ',
        el('a', { href: '/api/v1/cases/' + encodeURIComponent(c.id) + '/report', target: '_blank', rel: 'noopener', text: t('case.report') })));
    } catch (e) {
      showError(e, t('case.save_failed'));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// ---------- facility ----------

async function openFacility(id) {
  clearError();
  const back = state.stationPanel
    ? el('button', { class: 'back', type: 'button', onclick: () => setPanel(state.stationPanel) }, t('action.back_to_station', { id: state.stationPanel.dataset.station || '' }))
    : null;
  setPanel(back || '', busyNode(t('facility.loading', { id })));
  const done = busy(t('facility.loading', { id }));
  let f;
  let checks;
  let effluent;
  try {
    const p = '/facilities/' + encodeURIComponent(id);
    [f, checks, effluent] = await Promise.all([api(p), api(p + '/checks'), api(p + '/effluent')]);
  } catch (e) {
    showError(e, t('facility.title', { id }));
    setPanel(back || '', el('p', { class: 'hint', text: t('facility.failed') }));
    return;
  } finally {
    done();
  }
  setPanel(back || '', facilityPanel(f, checks.findings, effluent.values));
}

function facilityPanel(f, findings, values) {
  const permits = f.permits.map((p) => el('div', { class: 'permit' },
    el('h4', { text: t('facility.permit', { id: p.id }) }),
    el('p', { class: 'meta', text: t('facility.valid', { from: p.valid_from, to: p.valid_to }) }),
    el('dl', { class: 'obs' },
      el('dt', { text: t('facility.max_discharge') }), el('dd', { text: num(p.max_daily_m3, 1) + ' ' + unit('m³/day') }),
      el('dt', { text: t('facility.intake') }), el('dd', { text: p.intake_m3_day !== null ? num(p.intake_m3_day, 1) + ' ' + unit('m³/day') : '—' }),
      el('dt', { text: t('facility.capacity') }), el('dd', { text: p.treatment_capacity_m3_day !== null ? num(p.treatment_capacity_m3_day, 1) + ' ' + unit('m³/day') : '—' })),
    p.limits.length
      ? el('table', null,
        el('thead', null, el('tr', null, ['parameter', 'limit', 'unit', 'basis', 'outfall'].map((k) => el('th', { scope: 'col', text: t('limit.' + k) })))),
        el('tbody', null, p.limits.map((l) => el('tr', null,
          el('td', { text: paramName(l.parameter) }),
          el('td', { class: 'num', text: l.value === null ? t('limit.report_only') : (l.bound === 'lower' ? '≥ ' : '≤ ') + num(l.value, 4) }),
          el('td', { text: unit(l.unit) }), el('td', { class: 'small', text: t('statbase.' + l.stat_base) }),
          el('td', { text: l.outfall || t('limit.all_outfalls') })))))
      : el('p', { class: 'hint', text: t('facility.no_limits') })));
  const checks = findings.length
    ? el('ul', { class: 'findings', id: 'findings' }, findings.map((x) => el('li', null,
      el('span', { class: 'badge sev-' + x.severity, text: t('severity.' + x.severity) }), ' ', el('strong', { text: t('check.' + x.check) }), ' ', x.message)))
    : el('p', { class: 'hint', text: t('facility.no_findings') });
  // One chart per parameter and statistical base that has a numeric limit.
  const keys = [...new Set(values.filter((v) => v.limit > 0).map((v) => v.parameter + '|' + v.stat_base))];
  const charts = el('div', { class: 'charts', id: 'effluent-charts' }, keys.length
    ? keys.map((k) => effluentChart(values, ...k.split('|')))
    : el('p', { class: 'hint', text: t('facility.no_reports') }));
  const near = f.downstream_stations.length
    ? el('ul', { class: 'ruled', id: 'downstream' }, f.downstream_stations.map((n) => el('li', null,
      el('a', { href: '#', onclick: (e) => { e.preventDefault(); openStation(n.station); } }, n.station), ' — ',
      t('facility.downstream_value', { km: num(n.distance_km, 1), h: num(n.travel_hours, 1) }))))
    : el('p', { class: 'hint', text: t('facility.no_downstream') });
  return el('div', { class: 'facility', dataset: { facility: f.id } },
    el('h2', { class: 'title', text: f.name }),
    el('p', { class: 'meta', text: [f.id, industryName(f.industry), f.receiving_water].filter(Boolean).join(' · ') }),
    portalLink(f.id),
    el('h3', { text: t('facility.effluent') }), charts,
    el('h3', { text: t('facility.checks') }), checks,
    el('h3', { text: t('facility.downstream') }), near,
    el('h3', { text: t('facility.permits') }), permits.length ? permits : el('p', { class: 'hint', text: t('facility.no_permit') }),
    el('h3', { text: t('facility.outfalls') }),
    el('ul', { class: 'ruled' }, f.outfalls.map((o) => el('li', null, o.id + (o.place ? ' → ' + t('facility.reach', { id: o.place.reach }) : ' ' + t('facility.off_network'))))));
}

// portalLink offers a signed-in facility its own self-management portal
// from its own facility's view; nobody else is offered it (the portal
// answers only the facility itself).
function portalLink(id) {
  const c = signedIn();
  if (!c || c.envtrace_role !== 'facility' || c.facility !== id) return null;
  return el('p', { class: 'portal-link' }, el('a', { href: '#', id: 'portal-link', onclick: (e) => { e.preventDefault(); openPortal(); } }, t('facility.portal')));
}

// openPortal shows the portal page in place of the map (Back returns to
// it). The page needs the user's token, which a plain link does not
// send: it is fetched with it and shown from a blob URL, under the map's
// policy, which lets the page's style sheet in by its hash.
async function openPortal() {
  clearError();
  const done = busy(t('facility.portal_loading'));
  try {
    const page = await apiPage('/portal?format=html');
    location.assign(URL.createObjectURL(new Blob([page], { type: 'text/html;charset=utf-8' })));
  } catch (e) {
    showError(e, t('facility.portal'));
  } finally {
    done();
  }
}

// ---------- trace from my location ----------

// traceFromHere snaps the device's position to the nearest reach and
// shows what lies upstream of it: the reaches within a day's travel and
// the facilities whose outfalls are on them, nearest first.
function traceFromHere() {
  clearError();
  if (!navigator.geolocation) {
    showError(new Error(t('locate.unsupported')), t('locate.title'));
    return;
  }
  const done = busy(t('locate.busy'));
  navigator.geolocation.getCurrentPosition(async (pos) => {
    try {
      const pt = pos.coords.longitude + ',' + pos.coords.latitude;
      const snap = await api('/snap?point=' + encodeURIComponent(pt) + '&crs=EPSG:4326&k=1');
      const c = snap.candidates[0];
      const fc = await api('/navigate?start=' + encodeURIComponent(c.reach_id) + '&mode=UT&max_hours=24&format=geojson');
      const reaches = new Map();
      const features = fc.features.map((f) => {
        reaches.set(f.properties.id, f.properties.travel_hours);
        return { type: 'Feature', geometry: f.geometry, properties: { kind: 'reach', status: 'suspect', reach_id: f.properties.id } };
      });
      features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [pos.coords.longitude, pos.coords.latitude] }, properties: { kind: 'station' } });
      showTraceLayer(features, 'explained');
      const up = [];
      for (const f of state.facilities.values()) {
        for (const o of f.outfalls) {
          if (o.place && reaches.has(o.place.reach)) up.push({ f, o, h: reaches.get(o.place.reach) });
        }
      }
      up.sort((a, b) => a.h - b.h);
      setPanel(el('div', { class: 'located', id: 'located', dataset: { reach: c.reach_id } },
        el('h2', { class: 'title', text: t('locate.title') }),
        el('p', { text: t('locate.snapped', { reach: c.reach_id, m: num(c.offset_m, 0) }) }),
        el('h3', { text: t('locate.upstream', { n: up.length }) }),
        up.length ? el('ul', { class: 'ruled' }, up.map((x) => el('li', null,
          el('a', { href: '#', onclick: (e) => { e.preventDefault(); openFacility(x.f.id); } }, x.f.name), ' (' + x.f.id + ') — ',
          t('locate.hours', { h: num(x.h, 1) })))) : el('p', { class: 'hint', text: t('locate.none') })));
    } catch (e) {
      showError(e, t('locate.title'));
    } finally {
      done();
    }
  }, (err) => {
    done();
    showError(new Error(err.message || String(err.code)), t('locate.denied'));
  }, { enableHighAccuracy: true, timeout: 15000 });
}
