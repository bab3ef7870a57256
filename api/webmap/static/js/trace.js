// A trace on the map and in the panel: reaches by status (still under
// suspicion, cleared by a clean station, the stretch of an unexplained
// verdict), ranked outfalls, the verdict with its baseline, and a card of
// evidence per suspect.
import { el } from './core.js';
import { t, num, time, timeWithROC, paramName, unit, industryName } from './i18n.js';

export const REACH_STYLE = {
  suspect: { color: '#e66100', weight: 6, opacity: 0.85, lineCap: 'round' },
  cleared: { color: '#1a9850', weight: 4, opacity: 0.9, dashArray: '4 7', lineCap: 'butt' },
  unexplained: { color: '#7b3294', weight: 8, opacity: 0.9, lineCap: 'round' },
};

// NAMES_NOBODY lists the verdicts under which nobody is marked on the map.
const NAMES_NOBODY = ['within_normal_range', 'not_traceable'];

// verdictOf reads the verdict of a result (the engine's field when it
// gives one).
export function verdictOf(res) {
  if (res.verdict) return res.verdict;
  return res.unexplained && res.unexplained.explained ? 'explained' : 'unexplained';
}

// drawTrace draws a trace's features (the GeoJSON of /trace, or a saved
// case's map turned into features) and returns the layer.
export function drawTrace(map, features, verdict, onFacility) {
  const fc = { type: 'FeatureCollection', features };
  const marksNobody = NAMES_NOBODY.includes(verdict);
  // Only an explained verdict ranks anyone: under the others a named
  // facility could carry at most part of the load, and gets no number.
  const ranks = verdict === 'explained';
  const reaches = L.geoJSON(fc, {
    pane: 'traced', interactive: false,
    filter: (f) => f.properties.kind === 'reach' && f.geometry,
    style: (f) => Object.assign({ className: 'reach-' + f.properties.status }, REACH_STYLE[f.properties.status] || REACH_STYLE.suspect),
  });
  const marks = L.geoJSON(fc, {
    filter: (f) => f.properties.kind !== 'reach' && f.geometry && !(marksNobody && f.properties.kind === 'suspect'),
    pointToLayer: (f, latlng) => {
      const p = Object.assign({}, f.properties);
      if (p.kind === 'suspect' && !ranks) p.kind = 'insufficient';
      if (p.kind === 'suspect') {
        const icon = L.divIcon({ className: 'suspect-icon' + (p.rank === 1 ? ' first' : ''), html: '', iconSize: [24, 24] });
        const m = L.marker(latlng, { icon, pane: 'traceMarks', title: t('trace.marker_suspect', { rank: p.rank, name: p.name }) });
        m.on('add', (e) => { e.target.getElement().textContent = String(p.rank); });
        return m;
      }
      if (p.kind === 'ruled_out' || p.kind === 'insufficient') {
        const icon = L.divIcon({ className: p.kind === 'ruled_out' ? 'ruled-icon' : 'insufficient-icon', html: '', iconSize: [16, 16] });
        const m = L.marker(latlng, { icon, pane: 'traceMarks', title: t('trace.marker_' + p.kind, { name: p.name }) });
        m.on('add', (e) => { e.target.getElement().textContent = p.kind === 'ruled_out' ? '×' : '·'; });
        return m;
      }
      return L.circleMarker(latlng, { pane: 'traceMarks', radius: 14, color: '#e66100', weight: 3, fill: false, interactive: false, className: 'traced-station' });
    },
    onEachFeature: (f, layer) => {
      if (f.properties.facility_id) layer.on('click', () => onFacility(f.properties.facility_id));
    },
  });
  const group = L.layerGroup([reaches, marks]).addTo(map);
  const b = reaches.getBounds();
  if (b.isValid()) {
    b.extend(marks.getBounds());
    map.fitBounds(b, { padding: [40, 40], maxZoom: 14 });
  }
  return group;
}

// caseFeatures turns a saved case's map into the features drawTrace reads.
export function caseFeatures(station, m) {
  const pt = (p) => ({ type: 'Point', coordinates: p });
  const out = [{ type: 'Feature', geometry: pt(m.station), properties: { kind: 'station', station } }];
  for (const o of m.outfalls) {
    out.push({ type: 'Feature', geometry: pt(o.position), properties: { kind: o.role, facility_id: o.facility_id, name: o.name, outfall: o.outfall, rank: o.rank } });
  }
  for (const r of m.reaches) {
    out.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: r.line }, properties: { kind: 'reach', reach_id: r.id, name: r.name, status: r.status } });
  }
  return out;
}

function dl(pairs) {
  return el('dl', { class: 'obs' }, pairs.filter(Boolean).flatMap(([k, v, cls]) => [el('dt', { text: k }), el('dd', { class: cls, text: v })]));
}

// verdictBox explains the verdict in words and numbers: the baseline and
// standard under a verdict that names nobody, the stretch under an
// unexplained one.
function verdictBox(res) {
  const v = verdictOf(res);
  const o = res.observation;
  const u = res.unexplained || {};
  const b = res.baseline;
  const rows = [];
  if (b) {
    rows.push([t('trace.baseline'), t('trace.baseline_value', { median: num(b.median, 4), lower: num(b.lower, 4), upper: num(b.upper, 4), n: b.n, unit: o.unit })]);
  }
  const sd = res.standard;
  if (sd) rows.push([t('trace.standard'), t('trace.standard_value', { cls: sd.class || '', limit: limitText(sd), unit: o.unit })]);
  return el('div', { class: 'verdict v-' + v, id: 'verdict', dataset: { verdict: v } },
    el('strong', { text: t('verdict.' + v) }),
    el('p', { text: t('verdict.' + v + '.help') }),
    v === 'unexplained' && u.between && u.between.length === 2
      ? el('p', { class: 'stretch', text: t('trace.stretch', { from: u.between[0], to: u.between[1] }) }) : null,
    rows.length ? dl(rows) : null,
    el('p', { class: 'small', id: 'verdict-reason', text: reasonText(res) }),
    res.warnings && res.warnings.length ? el('ul', { class: 'small', id: 'warnings' }, res.warnings.map((w) => el('li', { text: w }))) : null);
}

// limitText writes a class standard's bound: from below (DO), above (most)
// or both (pH).
function limitText(sd) {
  return [sd.min !== undefined ? '≥ ' + num(sd.min, 4) : '', sd.max !== undefined ? '≤ ' + num(sd.max, 4) : ''].filter(Boolean).join(', ');
}

const known = (x) => x !== null && x !== undefined;

// reasonText says why the verdict is what it is, in the page's language,
// from the result's own numbers: the station's normal range, or the river
// standard when the history is too short, then what the ranking found
// (the suspect that can carry the load, or the stretch to search). It is
// the one place the map words a verdict's reason (catalogue keys
// reason.*); the engine's English sentence (result.reason) is for the
// command line and the API.
export function reasonText(res) {
  const v = verdictOf(res);
  const o = res.observation || {};
  const b = res.baseline || {};
  const sd = res.standard;
  const p = { param: paramName(res.parameter), value: num(o.value, 4), unit: unit(o.unit), n: b.n || 0 };
  const parts = [];
  let judged = true;
  if (known(b.lower) && known(b.upper)) {
    Object.assign(p, { lower: num(b.lower, 4), upper: num(b.upper, 4), median: num(b.median, 4) });
    parts.push(t(v === 'within_normal_range' ? 'reason.within_range' : o.value > b.median ? 'reason.above_range' : 'reason.below_range', p));
  } else if (sd) {
    Object.assign(p, { cls: sd.class || '', limit: limitText(sd) });
    parts.push(t(sd.violated ? 'reason.breaks_standard' : 'reason.meets_standard', p));
    judged = sd.violated;
  } else {
    parts.push(t('reason.no_reference', p));
    judged = false;
  }
  const u = res.unexplained || {};
  const top = (res.suspects || [])[0];
  if (v === 'not_traceable' && judged) parts.push(t('reason.untraceable', p));
  if (v === 'explained' && top) parts.push(t('reason.explained', { id: top.facility_id, name: top.name }));
  if (v === 'unexplained' && u.between && u.between.length === 2) {
    parts.push(t('reason.unexplained', { from: u.between[0] === 'headwaters' ? t('reason.headwaters') : u.between[0], to: u.between[1] }));
  }
  return parts.join(t('punct.clause_sep'));
}

// insufficientText says why a facility cannot carry the load, from its
// evidence's numbers: the volume it could release at most and how many
// times that the reading needs, or that no volume is known.
function insufficientText(ev) {
  if (!(ev.max_volume_m3_day > 0)) return t('trace.insufficient_no_volume');
  return t('trace.insufficient_reason', { ratio: num(ev.required_to_capacity_ratio, 1), volume: num(ev.max_volume_m3_day, 0),
    req: num(ev.required_load_kg_day, 1), max: num(ev.max_load_kg_day, 1) });
}

// bracketingText says what the upstream stations showed about a facility,
// from the evidence's notes (bracketing_by: each station that counted,
// its sample's time and weight) through the catalogue (bracket.*). A
// result saved before the engine gave the notes has only its English
// sentence, shown as it is.
function bracketingText(ev) {
  if (!ev.bracketing_by || !ev.bracketing_by.length) return ev.bracketing || '';
  return ev.bracketing_by.map((n) => t('bracket.' + n.kind, { station: n.station, time: time(n.time), weight: num(n.weight, 2) }))
    .join(t('punct.clause_sep'));
}

// industryOf names a suspect's industry: its profile's category name, or
// the category as recorded when envtrace does not know it.
function industryOf(ev) {
  return ev.industry_profile && ev.industry_profile !== 'generic' ? industryName(ev.industry_profile) : industryName(ev.industry);
}

// factorLine explains one score factor in a line.
function factorLine(name, value) {
  return el('li', { class: 'factor' }, el('span', { class: 'fname', text: t('factor.' + name) }), ' ',
    el('span', { class: 'fval num', text: num(value, 3) }), ' — ', t('factor.' + name + '.help'));
}

function coverage(ev, parameter) {
  if (ev.permit_covers_parameter) return t('evidence.covered_permit', { permit: ev.permit || '', param: parameter });
  if (ev.industry_profile_covers_parameter) return t('evidence.covered_profile', { param: parameter });
  return t('evidence.covered_none', { param: parameter });
}

// ruledOutText says why a facility is ruled out: what the upstream
// stations showed, or else that neither its permit nor its industry
// covers the parameter.
function ruledOutText(ev, parameter) {
  const b = bracketingText(ev);
  if (b) return b;
  if (!ev.permit_covers_parameter && !ev.industry_profile_covers_parameter) return coverage(ev, parameter);
  return t('trace.ruled_out_reason');
}

// suspectCard shows one suspect's evidence in words and numbers.
function suspectCard(s, res, onFocus) {
  const ev = s.evidence;
  const u = res.observation.unit;
  const permitted = ev.permitted_load_kg_day ? num(ev.permitted_load_kg_day, 1) : '—';
  const rows = [
    [t('evidence.window'), t('evidence.window_value', { from: time(ev.discharge_window.from), to: time(ev.discharge_window.to) })],
    [t('evidence.distance'), t('evidence.distance_value', { km: num(s.distance_km, 1), h: num(s.travel_hours, 1) })],
    [t('evidence.load'), t('evidence.load_value', { req: num(ev.required_load_kg_day, 1), perm: permitted })
      + (ev.required_to_permitted_ratio ? t('evidence.ratio', { x: num(ev.required_to_permitted_ratio, 1) }) : ''), 'load'],
    [t('evidence.conc'), t('evidence.conc_value', { req: num(ev.required_effluent_conc, 2), limit: ev.permit_limit !== undefined ? num(ev.permit_limit, 3) : '—', max: num(ev.plausible_max_conc, 1), unit: u }), 'conc'],
    [t('evidence.coverage'), coverage(ev, paramName(res.parameter)), 'coverage'],
    [t('evidence.exceedances'), ev.past_exceedances_of_parameter
      ? t('evidence.exceedances_value', { n: ev.past_exceedances_of_parameter, dates: (ev.exceedance_periods || []).join(t('punct.list_sep')) })
      : t('evidence.exceedances_none'), 'exceedances'],
    ev.bracketing ? [t('evidence.bracketing'), bracketingText(ev), 'bracketing'] : null,
  ];
  const card = el('article', { class: 'suspect-card' + (s.rank === 1 ? ' top' : ''), dataset: { facility: s.facility_id, rank: s.rank }, tabindex: '0' },
    el('header', null, el('span', { class: 'rank', text: String(s.rank) }),
      el('div', null, el('strong', { text: s.name }), el('div', { class: 'small', text: [s.facility_id, industryOf(ev), t('evidence.outfall', { id: ev.outfall })].join(' · ') })),
      el('span', { class: 'score', title: t('evidence.score'), text: num(s.score, 3) })),
    dl(rows),
    el('details', { class: 'factors' }, el('summary', { text: t('evidence.factors') }),
      el('ul', null, Object.entries(ev.factors || {}).map(([k, v]) => factorLine(k, v)))));
  card.addEventListener('click', () => onFocus(s));
  card.addEventListener('keydown', (e) => { if (e.key === 'Enter') onFocus(s); });
  return card;
}

// traceResults is the panel of a trace result.
export function traceResults(res, onFocus) {
  const o = res.observation;
  const v = verdictOf(res);
  const marks = v === 'explained';
  // Engines before the verdict contract listed unexplained candidates as
  // suspects: they are shown as insufficient, never ranked.
  const insufficientList = res.insufficient || (v === 'unexplained' ? res.suspects : []);
  const obs = dl([
    [t('trace.reading'), paramName(res.parameter) + ' ' + num(o.value, 4) + ' ' + unit(o.unit)],
    [t('trace.sampled'), timeWithROC(o.time)],
    [t('trace.background'), num(o.background, 4) + ' ' + unit(o.unit)],
    // No flow is looked up for a reading that names nobody.
    [t('trace.flow'), o.flow_source ? num(o.flow_m3s, 3) + ' m³/s (' + t('flow_source.' + o.flow_source) + ')' : '—'],
    [t('trace.excess'), num(o.excess_load_kg_day, 2) + ' ' + unit('kg/day')],
  ]);
  const suspects = marks && res.suspects.length
    ? el('div', { id: 'suspects', class: 'suspects' }, res.suspects.map((s) => suspectCard(s, res, onFocus)))
    : el('p', { class: 'hint', id: 'suspects-none', text: t(marks ? 'trace.no_suspects' : v === 'unexplained' ? 'trace.none_ranked' : 'trace.nobody_marked') });
  const insufficient = insufficientList.length
    ? el('details', { id: 'insufficient', open: true }, el('summary', { text: t('trace.insufficient', { n: insufficientList.length }) }),
      el('ul', { class: 'ruled' }, insufficientList.map((s) => el('li', null, el('strong', { text: s.name }), ' (' + s.facility_id + ') — ',
        insufficientText(s.evidence)))))
    : null;
  const ruled = res.ruled_out.length
    ? el('details', { id: 'ruled-out', open: res.ruled_out.length <= 5 },
      el('summary', { text: t('trace.ruled_out', { n: res.ruled_out.length }) }),
      el('ul', { class: 'ruled' }, res.ruled_out.map((s) => el('li', null, el('strong', { text: s.name }), ' (' + s.facility_id + ') — ', ruledOutText(s.evidence, paramName(res.parameter))))))
    : null;
  const ups = res.upstream_stations.length
    ? el('table', { id: 'upstream' },
      el('caption', { text: t('trace.upstream') }),
      el('thead', null, el('tr', null, ['station', 'hours', 'time', 'value', 'background', 'verdict'].map((k) => el('th', { scope: 'col', text: t('upstream.' + k) })))),
      el('tbody', null, res.upstream_stations.map((c) => el('tr', null,
        el('td', { class: 'nowrap', text: c.station }), el('td', { class: 'num', text: num(c.travel_hours, 1) }),
        el('td', { class: 'small', text: time(c.time) }), el('td', { class: 'num', text: num(c.value, 4) }),
        el('td', { class: 'num', text: num(c.background, 4) }),
        el('td', null, el('span', { class: 'st-verdict ' + c.verdict, text: t('upstream.verdict.' + c.verdict) }))))))
    : el('p', { class: 'hint', text: t('trace.upstream_none') });
  return el('div', { class: 'trace-result' },
    el('h3', { text: t('trace.result') }), verdictBox(res), obs,
    el('h3', { text: t('trace.suspects', { n: marks ? res.suspects.length : 0 }) }), suspects, insufficient, ruled, ups);
}
