// Case files on the map: the list, reopening a case (its saved map and
// result, not a new trace, with the records it gathered, whom it is
// shared with and where it was referred), and links to its report and
// exports.
import { el, api, showError, clearError, busy, busyNode, setPanel } from './core.js';
import { t, num, time, timeWithROC, countyName } from './i18n.js';
import { traceResults, caseFeatures } from './trace.js';

const EXPORTS = ['geojson', 'csv', 'kml', 'xlsx'];

// KINDS are the kinds of item listed besides the trace, in the order the
// panel groups them, with their marker colours.
const KINDS = { petition: '#6a3d9a', sensor_anomaly: '#cb181d', dumping_report: '#8c510a', inspection: '#2166ac', ngo_report: null };

const items = { layer: null };

// initCases adds the layer of a reopened case's records (those with a
// position) to the map, the switcher and the legend.
export function initCases(ctx) {
  items.layer = L.layerGroup().addTo(ctx.map);
  ctx.switcher.addOverlay(items.layer, t('case.layer'));
  ctx.legend.section(t('case.layer'), Object.keys(KINDS).filter((k) => KINDS[k]).map((k) => ['dot case-item-' + k, t('case.kind.' + k)]), items.layer);
}

// clearCaseItems removes a reopened case's records from the map.
export function clearCaseItems() {
  if (items.layer) items.layer.clearLayers();
}

// itemLine is a record's public summary in one line of the page's
// language, from the summary's own numbers.
function itemLine(kind, body) {
  const s = body.summary || {};
  switch (kind) {
    case 'petition':
      return t('case.item.petition', { category: s.category || '', intensity: s.intensity, time: time(s.time), fuzz: num(s.fuzz_box_m, 0) });
    case 'dumping_report':
      return t('case.item.dumping_report', { state: s.state_label || s.state || '', agency: s.agency || '', description: s.description || '', time: time(s.requested_at) });
    case 'inspection':
      return t('case.item.inspection', { date: s.date, facility: [s.facility_id, s.facility_name].filter(Boolean).join(' '), findings: s.findings,
        samples: s.samples, violations: s.violations, penalties: s.penalties });
    case 'sensor_anomaly':
      return t('case.item.sensor_anomaly', { device: s.device_id, cls: t('air.class.' + s.class), md: num(s.md, 3), threshold: num(s.md_threshold, 4),
        red: (s.red || []).length, from: time(s.from), to: time(s.to) });
    case 'ngo_report':
      return body.text || '';
  }
  return '';
}

// caseItems lists the case's records besides the trace, grouped by kind,
// and draws those with a position on the map.
function caseItems(c, ctx) {
  if (items.layer) items.layer.clearLayers();
  const list = c.items.filter((it) => it.kind !== 'trace');
  const groups = Object.keys(KINDS).map((kind) => {
    const of = list.filter((it) => it.kind === kind);
    if (!of.length) return null;
    return el('section', { class: 'case-kind', dataset: { kind } },
      el('h4', { text: t('case.kind.' + kind) + ' (' + of.length + ')' }),
      el('ul', { class: 'case-items' }, of.map((it) => {
        const body = it[it.kind] || {};
        const line = itemLine(it.kind, body);
        const s = body.summary || {};
        const located = typeof s.lon === 'number' && typeof s.lat === 'number' && (s.lon !== 0 || s.lat !== 0);
        if (located && items.layer && KINDS[kind]) {
          L.circleMarker([s.lat, s.lon], { radius: 7, color: '#fff', weight: 2, fillColor: KINDS[kind], fillOpacity: 0.95,
            className: 'case-item-marker case-item-' + kind })
            .addTo(items.layer)
            .bindPopup(el('div', { class: 'case-item-popup' }, el('strong', { text: t('case.kind.' + kind) + ' ' + (body.ref_id || '') }), el('div', { text: line })));
        }
        return el('li', { dataset: { seq: it.seq, kind: it.kind } },
          el('strong', { text: '#' + it.seq + ' ' + (body.ref_id || body.title || '') }), located ? ' ' + t('case.on_map') : '',
          el('div', { class: 'item-line', text: line }),
          el('div', { class: 'small', text: t('case.added', { by: it.added_by, at: time(it.added_at) }) }));
      })));
  }).filter(Boolean);
  if (items.layer && items.layer.getLayers().length && ctx.map) {
    const b = L.featureGroup(items.layer.getLayers()).getBounds();
    if (b.isValid()) ctx.map.fitBounds(b.extend(ctx.map.getBounds()), { maxZoom: 14 });
  }
  return el('div', { id: 'case-items', dataset: { count: list.length } },
    el('h3', { text: t('case.items', { n: list.length }) }),
    groups.length ? groups : el('p', { class: 'hint', text: t('case.items_none') }));
}

// principalName reads a share's principal as staff say it: a county's
// bureau by the county's name, a person or agency by its id.
function principalName(p) {
  if (p.startsWith('county:')) return t('case.principal.county', { name: countyName(p.slice(7)) });
  if (p.startsWith('agency:')) return t('case.principal.agency', { id: p.slice(7) });
  if (p.startsWith('user:')) return t('case.principal.user', { id: p.slice(5) });
  return p;
}

// caseShares lists whom the case is shared with, and how.
function caseShares(c) {
  return el('div', { id: 'case-shares' },
    el('h3', { text: t('case.shares') }),
    el('table', null,
      el('thead', null, el('tr', null, ['who', 'access', 'since'].map((k) => el('th', { scope: 'col', text: t('case.share_col.' + k) })))),
      el('tbody', null, (c.shared_with || []).map((sh) => el('tr', { dataset: { principal: sh.principal } },
        el('td', { text: principalName(sh.principal) }), el('td', { text: t('case.access.' + sh.access) }), el('td', { class: 'small', text: time(sh.since) }))))));
}

// caseReferrals is the case's referral history, oldest first.
function caseReferrals(c) {
  const rs = c.referrals || [];
  return el('div', { id: 'case-referrals' },
    el('h3', { text: t('case.referrals') }),
    el('p', { class: 'small', text: t('case.county_now', { county: c.county ? countyName(c.county) : t('case.county_centre') }) }),
    rs.length ? el('ol', null, rs.map((r) => el('li', { dataset: { to: r.to_county } },
      el('strong', { text: t('case.referral', { from: r.from_county ? countyName(r.from_county) : t('case.county_centre'), to: countyName(r.to_county) }) }),
      el('div', { text: r.reason }),
      el('div', { class: 'small', text: t('case.added', { by: r.by, at: time(r.at) }) }))))
      : el('p', { class: 'hint', text: t('case.referrals_none') }));
}

// casePublic is the public summary a civil-society group gets of a case
// shared with it (id, title, date, kinds of record, in item order): no
// trace, no records, and none of the staff's links or lists.
function casePublic(c) {
  clearCaseItems();
  const counts = new Map();
  for (const k of c.kinds || []) counts.set(k, (counts.get(k) || 0) + 1);
  return el('div', { class: 'case', id: 'case-public', dataset: { case: c.id } },
    el('h2', { class: 'title', text: c.title }),
    el('dl', { class: 'obs' },
      el('dt', { text: t('case.id') }), el('dd', { text: c.id }),
      el('dt', { text: t('case.saved_at') }), el('dd', { text: timeWithROC(c.created_at) }),
      el('dt', { text: t('case.public_kinds') }), el('dd', null,
        el('ul', { id: 'case-public-kinds' }, [...counts].map(([k, n]) => el('li', { dataset: { kind: k }, text: t('case.public_kind_count', { kind: t('case.kind.' + k), n }) }))))),
    el('p', { class: 'hint', text: t('case.public_note') }));
}

// listCases shows the cases the user may see.
export async function listCases(ctx) {
  clearError();
  setPanel(busyNode(t('case.list_loading')));
  const done = busy(t('case.list_loading'));
  try {
    const list = await api('/cases');
    setPanel(el('div', { class: 'cases', id: 'case-list' },
      el('h2', { class: 'title', text: t('case.list_title') }),
      list.cases.length ? el('ul', { class: 'case-list' }, list.cases.map((c) => el('li', null,
        el('a', { href: '#', dataset: { case: c.id }, onclick: (e) => { e.preventDefault(); openCase(ctx, c.id); } }, c.title),
        el('div', { class: 'small', text: [c.id, c.station, c.parameter, t('verdict.' + c.verdict), time(c.created_at)].filter(Boolean).join(' · ') }))))
        : el('p', { class: 'hint', text: t('case.list_empty') })));
  } catch (e) {
    showError(e, t('case.list_title'));
  } finally {
    done();
  }
}

// openCase reopens a saved case from its permalink.
export async function openCase(ctx, id) {
  clearError();
  setPanel(busyNode(t('case.loading', { id })));
  const done = busy(t('case.loading', { id }));
  try {
    const c = await api('/cases/' + encodeURIComponent(id));
    if (!c.items) {
      setPanel(casePublic(c));
      return;
    }
    const item = c.items.find((x) => x.kind === 'trace');
    const tr = item.trace;
    ctx.show(caseFeatures(tr.inputs.station, tr.map), tr.verdict);
    const base = '/api/v1/cases/' + encodeURIComponent(c.id);
    setPanel(el('div', { class: 'case', id: 'case-view', dataset: { case: c.id } },
      el('h2', { class: 'title', text: c.title }),
      el('dl', { class: 'obs' },
        el('dt', { text: t('case.id') }), el('dd', { text: c.id }),
        el('dt', { text: t('case.saved_by') }), el('dd', { text: c.created_by }),
        el('dt', { text: t('case.saved_at') }), el('dd', { text: timeWithROC(c.created_at) }),
        el('dt', { text: t('case.data_version') }), el('dd', { class: 'digest', text: tr.data_version || t('case.unversioned') }),
        el('dt', { text: t('case.method_version') }), el('dd', { text: tr.method_version || t('case.unversioned') }),
        el('dt', { text: t('case.digest') }), el('dd', { class: 'digest', text: item.digest })),
      el('p', { class: 'exports' },
        el('a', { href: base + '/report', target: '_blank', rel: 'noopener', id: 'case-report', text: t('case.report') }),
        EXPORTS.map((f) => [' · ', el('a', { href: base + '/export?f=' + f, download: c.id + '.' + f, text: t('case.export.' + f) })])),
      el('div', { id: 'trace-results', dataset: { done: 'true' } }, traceResults(tr.result, (s) => ctx.focus(s.facility_id, s.evidence.outfall))),
      el('h3', { text: t('case.readings') }),
      el('table', { id: 'case-readings' },
        el('thead', null, el('tr', null, ['station', 'time', 'value', 'grade', 'missing'].map((k) => el('th', { scope: 'col', text: t('case.col.' + k) })))),
        el('tbody', null, tr.readings.map((r) => el('tr', { class: 'grade-' + r.grade }, el('td', { text: r.station }), el('td', { class: 'small', text: time(r.time) }),
          el('td', { class: 'num', text: r.parameter + ' ' + r.value + ' ' + r.unit }), el('td', { text: t('grade.' + r.grade) }),
          el('td', { class: 'small', text: r.grade_reason }))))),
      caseItems(c, ctx), caseShares(c), caseReferrals(c)));
  } catch (e) {
    showError(e, t('case.title', { id }));
  } finally {
    done();
  }
}
