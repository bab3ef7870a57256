// envtrace web map: plain JavaScript over the envtrace JSON API, no build
// step. Every piece of data is put into the page with textContent (never
// innerHTML), so names from the data cannot inject markup.
(function () {
  'use strict';

  const API = '/api/v1';

  // RPI classes as MOENV defines them, with the map's colours (also in
  // style.css as --rpi-N).
  const RPI_CLASSES = [
    { code: 1, label: 'Unpolluted / slightly', zh: '未(稍)受污染', color: '#1a9850' },
    { code: 2, label: 'Lightly polluted', zh: '輕度污染', color: '#d4b300' },
    { code: 3, label: 'Moderately polluted', zh: '中度污染', color: '#f46d43' },
    { code: 4, label: 'Severely polluted', zh: '嚴重污染', color: '#a50026' },
  ];
  const NO_RPI_COLOR = '#8c8c8c';

  // Parameters a trace can follow (concentrations), most asked first.
  const TRACEABLE = ['COD', 'BOD5', 'NH3-N', 'SS', 'Cu', 'Zn', 'Ni', 'Cr', 'Cr6+', 'Cd', 'Pb', 'Hg', 'As', 'CN',
    'TN', 'TP', 'NO3-N', 'OG', 'DO'];

  const state = {
    stations: new Map(),
    facilities: new Map(),
    scenarios: [],
    scenario: null,
    stationMarkers: new Map(),
    outfallMarkers: new Map(),
    traceLayer: null,
    stationPanel: null, // the last station panel, to come back to
    stationID: null,
  };

  // ---------- small helpers ----------

  function el(tag, attrs, ...children) {
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
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function fmt(v, digits) {
    if (v === undefined || v === null || Number.isNaN(v)) return '—';
    if (typeof v !== 'number') return String(v);
    if (v !== 0 && Math.abs(v) < 0.001) return v.toExponential(2);
    return Number(v.toFixed(digits === undefined ? 3 : digits)).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 3 : digits });
  }

  // Times are shown as the server sent them (in the zone the reading was
  // taken in), minus the noise.
  function fmtTime(s) {
    if (!s) return '—';
    return String(s).replace(/\.\d+(?=[Z+-]|$)/, '').replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d):00(?=[Z+-]|$)/, '$1 $2').replace('T', ' ');
  }

  // Scores lie in 0–1; tiny ones are shown as such, not in exponent form.
  function fmtScore(v) {
    if (v >= 0.01) return v.toFixed(3);
    if (v > 0) return v.toPrecision(1);
    return '0';
  }

  function rpiClass(code) {
    return RPI_CLASSES.find((c) => c.code === code);
  }

  function cssID(s) {
    return String(s).replace(/[^A-Za-z0-9_-]/g, '_');
  }

  class ApiError extends Error {
    constructor(status, body) {
      const p = body && typeof body === 'object' ? body : {};
      super(p.detail || p.title || ('HTTP ' + status));
      this.status = status;
      this.problem = p;
    }
  }

  async function api(path, opts) {
    let res;
    try {
      res = await fetch(API + path, opts);
    } catch (e) {
      throw new ApiError(0, { title: 'The server cannot be reached', detail: String(e.message || e) });
    }
    const ct = res.headers.get('Content-Type') || '';
    let body;
    if (ct.includes('json')) {
      body = await res.json();
    } else {
      body = { title: 'Unexpected answer', detail: (await res.text()).slice(0, 300) };
    }
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }

  // ---------- errors and loading state ----------

  const errorBox = document.getElementById('error');

  function showError(err, context) {
    const p = (err && err.problem) || {};
    errorBox.replaceChildren(
      el('button', { class: 'dismiss', type: 'button', 'aria-label': 'Dismiss', onclick: clearError }, '×'),
      el('h3', { text: (context ? context + ': ' : '') + (p.title || 'Something went wrong') }),
      el('p', { text: p.detail || (err && err.message) || String(err) }),
      p['invalid-params'] && p['invalid-params'].length
        ? el('ul', null, p['invalid-params'].map((ip) => el('li', null, el('code', { text: ip.name }), ' ', ip.reason)))
        : null,
      p.request_id ? el('p', { class: 'small', text: 'Request id ' + p.request_id }) : null,
    );
    errorBox.hidden = false;
    return p;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    document.querySelectorAll('.invalid').forEach((n) => n.classList.remove('invalid'));
  }

  const loading = document.getElementById('loading');
  const loadingText = document.getElementById('loading-text');
  let busyCount = 0;
  function busy(text) {
    busyCount++;
    loadingText.textContent = text;
    loading.hidden = false;
    return () => {
      busyCount--;
      if (busyCount <= 0) {
        busyCount = 0;
        loading.hidden = true;
      }
    };
  }

  const panel = document.getElementById('panel');
  function setPanel(...nodes) {
    panel.replaceChildren(...nodes);
    panel.scrollTop = 0;
    document.getElementById('side').scrollTop = 0;
  }

  function busyNode(text) {
    return el('div', { class: 'busy', role: 'status' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
  }

  // ---------- the map ----------

  const map = L.map('map', { attributionControl: false, zoomSnap: 0.25, preferCanvas: false });
  map.setView([24.1, 120.65], 11);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  // Panes, bottom to top: rivers, the traced reaches, outfalls, facilities,
  // stations, trace markers.
  [['rivers', 350], ['traced', 380], ['outfalls', 420], ['stations', 640], ['traceMarks', 660]].forEach(([name, z]) => {
    map.createPane(name).style.zIndex = z;
  });

  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    const rows = RPI_CLASSES.map((c) => el('div', { class: 'row' },
      el('span', { class: 'sym dot rpi-' + c.code }), c.label + ' ' + c.zh));
    return el('div', { class: 'legend', id: 'legend' },
      el('h4', { text: 'River Pollution Index (RPI)' }),
      rows,
      el('div', { class: 'row' }, el('span', { class: 'sym dot rpi-none' }), 'No RPI (incomplete sample)'),
      el('div', { class: 'sep' }),
      el('div', { class: 'row' }, el('span', { class: 'sym sq' }), 'Facility (permitted discharger)'),
      el('div', { class: 'row' }, el('span', { class: 'sym of' }), 'Outfall'),
      el('div', { class: 'row' }, el('span', { class: 'sym river' }), 'River / canal'),
      el('div', { class: 'row' }, el('span', { class: 'sym traced' }), 'Traced upstream reaches'),
      el('div', { class: 'row' }, el('span', { class: 'sym rank', text: '1' }), 'Suspect outfall, by rank'),
    );
  };
  legend.addTo(map);

  function stationColor(st) {
    const c = st.rpi && rpiClass(st.rpi.class_code);
    return c ? c.color : NO_RPI_COLOR;
  }

  function drawNetwork(fc) {
    const layer = L.geoJSON(fc, {
      pane: 'rivers',
      interactive: false,
      style: (f) => ({
        color: '#4a90c2',
        weight: 0.8 + Math.min(f.properties.stream_order || 1, 6) * 0.7,
        opacity: 0.9,
        lineCap: 'round',
      }),
    }).addTo(map);
    const b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [20, 20] });
  }

  function drawFacilities(list) {
    for (const f of list) {
      state.facilities.set(f.id, f);
      for (const o of f.outfalls) {
        const m = L.circleMarker([o.position[1], o.position[0]], {
          pane: 'outfalls', radius: 3, color: '#fff', weight: 1, fillColor: '#3b3b3b', fillOpacity: 1,
          className: 'outfall-marker',
        }).addTo(map);
        m.bindTooltip(f.name + ' · outfall ' + o.id);
        m.on('click', () => openFacility(f.id));
        state.outfallMarkers.set(f.id + ':' + o.id, m);
      }
      if (!f.position) continue;
      const icon = L.divIcon({ className: 'facility-icon fac-' + cssID(f.id), iconSize: [11, 11] });
      const m = L.marker([f.position[1], f.position[0]], { icon, keyboard: true, title: f.name + ' (' + f.id + ')' }).addTo(map);
      m.on('click', () => openFacility(f.id));
    }
  }

  function drawStations(list) {
    for (const st of list) {
      state.stations.set(st.id, st);
      const m = L.circleMarker([st.position[1], st.position[0]], {
        pane: 'stations', radius: 8, color: '#fff', weight: 2, fillColor: stationColor(st), fillOpacity: 1,
        className: 'station-marker st-' + cssID(st.id),
      }).addTo(map);
      const rpiText = st.rpi ? ' · RPI ' + st.rpi.index + ' ' + st.rpi.class_zh : ' · no RPI';
      m.bindTooltip(st.id + ' ' + st.name + rpiText, { className: 'station-label' });
      m.on('click', () => openStation(st.id));
      state.stationMarkers.set(st.id, m);
    }
  }

  // ---------- scenarios ----------

  const scenarioSelect = document.getElementById('scenario');
  const scenarioDesc = document.getElementById('scenario-desc');

  function fillScenarios(list) {
    state.scenarios = list;
    scenarioSelect.replaceChildren(el('option', { value: '' }, list.length ? '— choose a known case —' : '— none offered by this server —'));
    for (const s of list) {
      scenarioSelect.append(el('option', { value: s.id }, s.id + ' — ' + s.station + ' ' + s.parameter + ' ' + s.value + ' ' + s.unit));
    }
    scenarioSelect.disabled = list.length === 0;
  }

  scenarioSelect.addEventListener('change', () => {
    const s = state.scenarios.find((x) => x.id === scenarioSelect.value) || null;
    state.scenario = s;
    scenarioDesc.textContent = s ? s.description : '';
    if (s) {
      const st = state.stations.get(s.station);
      if (st) map.setView([st.position[1], st.position[0]], Math.max(map.getZoom(), 12));
      openStation(s.station);
    }
  });

  // ---------- station panel ----------

  function rpiBadge(rpi) {
    if (!rpi) return el('span', { class: 'badge', text: 'no RPI' });
    const c = rpiClass(rpi.class_code);
    return el('span', { class: 'badge rpi-' + rpi.class_code, title: 'RPI of the sample of ' + fmtTime(rpi.time) },
      'RPI ' + rpi.index + ' · ' + (c ? c.label : rpi.class) + ' ' + rpi.class_zh);
  }

  async function openStation(id) {
    clearError();
    state.stationID = id;
    setPanel(busyNode('Loading station ' + id + '…'));
    const done = busy('Loading station…');
    let st;
    try {
      st = await api('/stations/' + encodeURIComponent(id));
    } catch (e) {
      showError(e, 'Station ' + id);
      setPanel(el('p', { class: 'hint', text: 'The station could not be loaded.' }));
      return;
    } finally {
      done();
    }
    if (state.stationID !== id) return; // another station was clicked meanwhile
    const node = stationPanel(st);
    state.stationPanel = node;
    setPanel(node);
  }

  function stationPanel(st) {
    const latest = st.latest || [];
    const readings = el('div', { class: 'readings' },
      el('table', null,
        el('thead', null, el('tr', null, el('th', { text: 'Parameter' }), el('th', { class: 'num', text: 'Value' }), el('th', { text: 'Unit' }), el('th', { text: 'Time' }))),
        el('tbody', null, latest.map((r) => el('tr', null,
          el('td', { text: r.parameter }),
          el('td', { class: 'num', text: (r.censored ? '<' : '') + fmt(r.value, 4) }),
          el('td', { text: r.unit }),
          el('td', { class: 'small', text: fmtTime(r.time) }))))));
    const results = el('div', { id: 'trace-results' });
    return el('div', { class: 'station', dataset: { station: st.id } },
      el('h2', { class: 'title', text: st.id + ' ' + st.name }),
      el('p', { class: 'meta' }, [st.river, st.kind === 'continuous' ? 'continuous monitor' : 'fixed sampling',
        st.place ? 'reach ' + st.place.reach : 'not on the network'].filter(Boolean).join(' · ')),
      rpiBadge(st.rpi),
      el('h3', { text: 'Latest readings' }),
      latest.length ? readings : el('p', { class: 'hint', text: 'No readings.' }),
      traceForm(st, results),
      results,
    );
  }

  // defaults picks what the form starts with: the chosen scenario at this
  // station, else the latest reading of the most asked-for parameter.
  function defaults(st) {
    const s = state.scenario;
    if (s && s.station === st.id) {
      return { parameter: s.parameter, value: s.value, unit: s.unit, time: s.time, flow: s.flow_m3s || '' };
    }
    const latest = st.latest || [];
    for (const p of TRACEABLE) {
      const r = latest.find((x) => x.parameter === p);
      if (r) return { parameter: r.parameter, value: r.value, unit: r.unit, time: r.time, flow: '' };
    }
    return { parameter: 'COD', value: '', unit: 'mg/L', time: '', flow: '' };
  }

  function traceForm(st, results) {
    const d = defaults(st);
    const params = TRACEABLE.slice();
    if (!params.includes(d.parameter)) params.unshift(d.parameter);
    const field = (label, input, full) => el('div', { class: full ? 'full' : null }, el('label', { for: input.id, text: label }), input);
    const parameter = el('select', { id: 'f-parameter', name: 'parameter' }, params.map((p) => el('option', { value: p, selected: p === d.parameter }, p)));
    const value = el('input', { id: 'f-value', name: 'value', type: 'text', inputmode: 'decimal', value: String(d.value), required: true });
    const unit = el('input', { id: 'f-unit', name: 'unit', type: 'text', value: d.unit, required: true });
    const time = el('input', { id: 'f-time', name: 'time', type: 'text', value: d.time, placeholder: '2026-08-14T04:00:00+08:00', required: true });
    const flow = el('input', { id: 'f-flow', name: 'flow', type: 'text', inputmode: 'decimal', value: String(d.flow), placeholder: 'from the station’s readings' });
    const maxHours = el('input', { id: 'f-max-hours', name: 'max_hours', type: 'text', inputmode: 'decimal', value: '72' });
    const button = el('button', { id: 'trace-button', class: 'primary', type: 'submit', text: 'Trace' });
    parameter.addEventListener('change', () => {
      const r = (st.latest || []).find((x) => x.parameter === parameter.value);
      if (r) {
        value.value = r.value;
        unit.value = r.unit;
        time.value = r.time;
      }
    });
    const form = el('form', { class: 'trace', id: 'trace-form', novalidate: true },
      el('div', { class: 'grid' },
        field('Parameter', parameter),
        field('Value', value),
        field('Unit', unit),
        field('River flow (m³/s, optional)', flow),
        field('Sampled at (with zone)', time, true),
        field('Look upstream (hours of travel)', maxHours),
      ),
      el('div', { class: 'actions' }, button, el('span', { class: 'hint', text: 'Enter or confirm the reading, then trace.' })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams({
        station: st.id, parameter: parameter.value, value: value.value.trim(), unit: unit.value.trim(),
        time: time.value.trim(), max_hours: maxHours.value.trim() || '72',
      });
      if (flow.value.trim() !== '') q.set('flow', flow.value.trim());
      runTrace(q, button, results, { value, unit, time, flow, max_hours: maxHours, parameter });
    });
    return form;
  }

  async function runTrace(q, button, results, inputs) {
    clearError();
    button.disabled = true;
    button.textContent = 'Tracing…';
    results.removeAttribute('data-done');
    results.replaceChildren(busyNode('Tracing upstream…'));
    const done = busy('Tracing upstream…');
    try {
      const [res, geo] = await Promise.all([api('/trace?' + q), api('/trace?' + q + '&format=geojson')]);
      drawTrace(geo);
      results.replaceChildren(traceResults(res));
      results.dataset.done = 'true';
      // The answer is what the inspector waits for: bring it into view.
      results.scrollIntoView({ block: 'start' });
    } catch (e) {
      const p = showError(e, 'Trace');
      for (const ip of p['invalid-params'] || []) {
        if (inputs[ip.name]) inputs[ip.name].classList.add('invalid');
      }
      results.replaceChildren();
      results.dataset.done = 'error';
    } finally {
      button.disabled = false;
      button.textContent = 'Trace';
      done();
    }
  }

  // ---------- trace results ----------

  function coverage(ev) {
    if (ev.permit_covers_parameter) {
      return el('span', { class: 'cover-limit', title: 'permit ' + (ev.permit || '') + ' limits the parameter' },
        'limit' + (ev.permit_limit !== undefined ? ' ' + fmt(ev.permit_limit, 4) : ''));
    }
    if (ev.industry_profile_covers_parameter) return el('span', { class: 'cover-profile', title: 'the industry emits it, the permit does not limit it' }, 'profile');
    return el('span', { class: 'cover-none', title: 'neither permit nor industry covers the parameter' }, 'none');
  }

  // verdictText names each verdict of the trace contract.
  const verdictText = {
    explained: 'Explained by a permitted discharger',
    unexplained: 'Not explained by permitted dischargers',
    within_normal_range: 'Within the station\'s normal range: nobody is named',
    not_traceable: 'Not traceable',
  };

  function traceResults(res) {
    const o = res.observation;
    const u = res.unexplained;
    const b = res.baseline;
    const verdict = el('div', { class: 'verdict ' + (res.verdict === 'explained' ? 'explained' : 'unexplained'), id: 'verdict', dataset: { verdict: res.verdict } },
      el('strong', { text: verdictText[res.verdict] || res.verdict }),
      res.reason,
      res.verdict === 'unexplained' && u.between && u.between.length === 2 ? el('div', { class: 'small', text: 'Look between ' + u.between[0] + ' and ' + u.between[1] + '.' }) : null,
      (res.warnings || []).map((w) => el('div', { class: 'small', text: '⚠ ' + w })));
    const range = b.lower !== null && b.upper !== null ? fmt(b.lower, 4) + '–' + fmt(b.upper, 4) + ' ' + o.unit : 'too little history (' + b.n + ' readings)';
    const obs = el('dl', { class: 'obs' },
      el('dt', { text: 'Reading' }), el('dd', { text: res.parameter + ' ' + fmt(o.value, 4) + ' ' + o.unit + ' at ' + fmtTime(o.time) }),
      el('dt', { text: 'Background' }), el('dd', { text: fmt(o.background, 4) + ' ' + o.unit + ' (median of ' + b.n + ')' }),
      el('dt', { text: 'Normal range' }), el('dd', { text: range }),
      el('dt', { text: 'River flow' }), el('dd', { text: o.flow_m3s ? fmt(o.flow_m3s, 3) + ' m³/s (' + o.flow_source + ')' : '—' }),
      el('dt', { text: 'Excess load' }), el('dd', { text: fmt(o.excess_load_kg_day, 3) + ' kg/day' }));
    if (res.verdict !== 'explained' && res.verdict !== 'unexplained') {
      return el('div', null, el('h3', { text: 'Result' }), obs, verdict);
    }

    const suspects = res.suspects.length
      ? el('table', { id: 'suspects', class: 'suspects' },
        el('thead', null, el('tr', null,
          el('th', { text: '#' }), el('th', { text: 'Facility' }), el('th', { class: 'num', text: 'Score' }),
          el('th', { class: 'num', title: 'network distance and travel time down to the station', text: 'Distance' }),
          el('th', { title: 'does the permit limit the parameter (limit), or only the industry emit it (profile)?', text: 'Permit' }),
          el('th', { class: 'num', title: 'load the outfall would have to discharge to cause the excess, against what its permit allows (kg/day)', text: 'kg/day req. / perm.' }),
          el('th', { class: 'num', title: 'exceedances of this parameter in its reports over the past year', text: 'Exc.' }))),
        el('tbody', null, res.suspects.map((s, i) => {
          const ev = s.evidence;
          const row = el('tr', { class: 'suspect-row' + (i === 0 ? ' top' : ''), dataset: { facility: s.facility_id, rank: s.rank } },
            el('td', null, el('span', { class: 'rank', text: s.rank })),
            el('td', null, s.name, el('div', { class: 'small', text: s.facility_id + ' · ' + ev.industry + ' · ' + ev.outfall })),
            el('td', { class: 'num', text: fmtScore(s.score) }),
            el('td', { class: 'num nowrap' }, fmt(s.distance_km, 1) + ' km', el('div', { class: 'small', text: fmt(s.travel_hours, 1) + ' h' })),
            el('td', null, coverage(ev)),
            el('td', { class: 'num nowrap' }, fmt(ev.required_load_kg_day, 1) + ' / ' + (ev.permitted_load_kg_day ? fmt(ev.permitted_load_kg_day, 1) : '—'),
              ev.required_to_permitted_ratio ? el('div', { class: 'small', text: '×' + fmt(ev.required_to_permitted_ratio, 1) }) : null),
            el('td', { class: 'num', text: String(ev.past_exceedances_of_parameter) }));
          row.addEventListener('click', () => focusOutfall(s.facility_id, ev.outfall));
          return row;
        })))
      : el('p', { class: 'hint', text: 'No permitted discharger upstream can carry the excess.' });

    // A long list of ruled-out facilities is folded so the ranking stays
    // in view; a short one is shown.
    const insufficient = res.insufficient.length
      ? el('ul', { id: 'insufficient', class: 'ruled' }, res.insufficient.map((s) => el('li', null,
        el('strong', { text: s.name }), ' (' + s.facility_id + ') — ', s.evidence.reason)))
      : null;

    const ruled = res.ruled_out.length
      ? el('details', { id: 'ruled-out', open: res.ruled_out.length <= 5 },
        el('summary', { text: 'Ruled out (' + res.ruled_out.length + ') — by clean upstream stations, or not emitting ' + res.parameter }),
        el('ul', { class: 'ruled' }, res.ruled_out.map((s) => el('li', null,
          el('strong', { text: s.name }), ' (' + s.facility_id + ') — ', s.evidence.reason || 'ruled out'))))
      : el('p', { class: 'hint', text: 'No facility was ruled out.' });

    const ups = res.upstream_stations.length
      ? el('table', null,
        el('thead', null, el('tr', null, el('th', { text: 'Station' }), el('th', { class: 'num', text: 'Hours up' }),
          el('th', { text: 'Time' }), el('th', { class: 'num', text: 'Value' }), el('th', { class: 'num', text: 'Backgr.' }), el('th', { text: 'Verdict' }))),
        el('tbody', null, res.upstream_stations.map((c) => el('tr', null,
          el('td', { class: 'nowrap', text: c.station }), el('td', { class: 'num', text: fmt(c.travel_hours, 1) }),
          el('td', { class: 'small', text: fmtTime(c.time) }), el('td', { class: 'num', text: fmt(c.value, 4) }),
          el('td', { class: 'num', text: fmt(c.background, 4) }),
          el('td', null, el('span', { class: { dirty: 'cover-none', clean: 'cover-limit' }[c.verdict] || 'cover-profile', text: c.verdict.replace('_', ' ') }))))))
      : el('p', { class: 'hint', text: 'No upstream station read this parameter at the matching time.' });

    return el('div', null,
      el('h3', { text: 'Result' }), obs, verdict,
      el('h3', { text: 'Ranked suspects (' + res.suspects.length + ')' }), suspects,
      insufficient ? el('h3', { text: 'Could carry only part of it (' + res.insufficient.length + ')' }) : null, insufficient,
      el('h3', { text: 'Ruled out' }), ruled,
      el('h3', { text: 'Upstream stations at the matching time' }), ups);
  }

  function drawTrace(fc) {
    if (state.traceLayer) state.traceLayer.remove();
    // Rank markers only where the verdict names suspects.
    const explained = fc.trace && fc.trace.verdict === 'explained';
    const reaches = L.geoJSON(fc, {
      pane: 'traced',
      interactive: false,
      filter: (f) => f.properties.kind === 'reach' && f.geometry,
      style: () => ({ color: '#ff7f00', weight: 6, opacity: 0.75, lineCap: 'round' }),
    });
    const marks = L.geoJSON(fc, {
      filter: (f) => f.properties.kind !== 'reach' && f.geometry,
      pointToLayer: (f, latlng) => {
        const p = f.properties;
        if (p.kind === 'suspect' && explained) {
          const icon = L.divIcon({ className: 'suspect-icon' + (p.rank === 1 ? ' first' : ''), html: String(p.rank), iconSize: [22, 22] });
          return L.marker(latlng, { icon, pane: 'traceMarks', title: '#' + p.rank + ' ' + p.name + ' (score ' + p.score + ')' });
        }
        if (p.kind === 'ruled_out' || p.kind === 'insufficient' || p.kind === 'suspect') {
          const icon = L.divIcon({ className: 'ruled-icon', html: '×', iconSize: [16, 16] });
          return L.marker(latlng, { icon, pane: 'traceMarks', title: p.name + ' — ' + (p.reason || p.kind) });
        }
        return L.circleMarker(latlng, { pane: 'traceMarks', radius: 13, color: '#ff7f00', weight: 3, fill: false, interactive: false });
      },
      onEachFeature: (f, layer) => {
        if (f.properties.facility_id) layer.on('click', () => openFacility(f.properties.facility_id));
      },
    });
    state.traceLayer = L.layerGroup([reaches, marks]).addTo(map);
    const b = reaches.getBounds();
    if (b.isValid()) {
      b.extend(marks.getBounds());
      map.fitBounds(b, { padding: [40, 40], maxZoom: 14 });
    }
  }

  function focusOutfall(facility, outfall) {
    const m = state.outfallMarkers.get(facility + ':' + outfall);
    if (m) {
      map.setView(m.getLatLng(), Math.max(map.getZoom(), 14));
      m.openTooltip();
    }
  }

  // ---------- facility panel ----------

  async function openFacility(id) {
    clearError();
    const back = state.stationPanel
      ? el('button', { class: 'back', type: 'button', onclick: () => setPanel(state.stationPanel) }, '← back to station ' + (state.stationPanel.dataset.station || ''))
      : null;
    setPanel(back || '', busyNode('Loading facility ' + id + '…'));
    const done = busy('Loading facility…');
    let f;
    let checks;
    try {
      [f, checks] = await Promise.all([api('/facilities/' + encodeURIComponent(id)), api('/facilities/' + encodeURIComponent(id) + '/checks')]);
    } catch (e) {
      showError(e, 'Facility ' + id);
      setPanel(back || '', el('p', { class: 'hint', text: 'The facility could not be loaded.' }));
      return;
    } finally {
      done();
    }
    setPanel(back || '', facilityPanel(f, checks.findings));
  }

  function facilityPanel(f, findings) {
    const permits = f.permits.map((p) => el('div', { class: 'permit' },
      el('h4', { text: 'Permit ' + p.id }),
      el('p', { class: 'meta', text: (p.type || 'permit') + ' · valid ' + p.valid_from + ' to ' + p.valid_to }),
      el('dl', { class: 'obs' },
        el('dt', { text: 'Max discharge' }), el('dd', { text: fmt(p.max_daily_m3, 1) + ' m³/day' }),
        el('dt', { text: 'Intake' }), el('dd', { text: (p.intake_m3_day !== null ? fmt(p.intake_m3_day, 1) + ' m³/day' : '—') + (p.intake_source ? ' (' + p.intake_source + ')' : '') }),
        el('dt', { text: 'Treatment capacity' }), el('dd', { text: p.treatment_capacity_m3_day !== null ? fmt(p.treatment_capacity_m3_day, 1) + ' m³/day' : '—' })),
      p.limits.length
        ? el('table', null,
          el('thead', null, el('tr', null, el('th', { text: 'Parameter' }), el('th', { class: 'num', text: 'Limit' }), el('th', { text: 'Unit' }),
            el('th', { text: 'Basis' }), el('th', { text: 'Outfall' }))),
          el('tbody', null, p.limits.map((l) => el('tr', null,
            el('td', { text: l.parameter }),
            el('td', { class: 'num', text: l.value === null ? 'report' : (l.bound === 'lower' ? '≥ ' : '≤ ') + fmt(l.value, 4) }),
            el('td', { text: l.unit }), el('td', { class: 'small', text: l.stat_base.replace('_', ' ') }),
            el('td', { text: l.outfall || 'all' })))))
        : el('p', { class: 'hint', text: 'No numeric limits.' })));
    const checks = findings.length
      ? el('ul', { class: 'findings', id: 'findings' }, findings.map((x) => el('li', null,
        el('span', { class: 'badge sev-' + x.severity, text: x.severity }), ' ', el('strong', { text: x.check }), ' ',
        x.message)))
      : el('p', { class: 'hint', text: 'No rationality findings: reports stay within limits and the permit is consistent.' });
    return el('div', { class: 'facility', dataset: { facility: f.id } },
      el('h2', { class: 'title', text: f.name }),
      el('p', { class: 'meta', text: [f.id, f.industry, f.receiving_water].filter(Boolean).join(' · ') }),
      el('h3', { text: 'Outfalls' }),
      el('ul', { class: 'ruled' }, f.outfalls.map((o) => el('li', null, o.id + (o.place ? ' → reach ' + o.place.reach : ' (not on the network)') + (o.receiving_water ? ' · ' + o.receiving_water : '')))),
      el('h3', { text: 'Permits and limits' }),
      permits.length ? permits : el('p', { class: 'hint', text: 'No permit on record.' }),
      el('h3', { text: 'Permit rationality checks' }),
      checks);
  }

  // ---------- start ----------

  async function start() {
    const done = busy('Loading map data…');
    try {
      const [network, stations, facilities, scenarios] = await Promise.all([
        api('/network.geojson'), api('/stations'), api('/facilities'),
        api('/scenarios').catch(() => ({ scenarios: [] })),
      ]);
      drawNetwork(network);
      drawFacilities(facilities.facilities);
      drawStations(stations.stations);
      fillScenarios(scenarios.scenarios);
      document.body.dataset.ready = 'true';
    } catch (e) {
      showError(e, 'Loading the map');
      document.body.dataset.ready = 'error';
    } finally {
      done();
    }
  }

  start();
}());
