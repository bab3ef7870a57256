// Case files on the map: the list, reopening a case (its saved map and
// result, not a new trace), and links to its report and exports.
import { el, api, showError, clearError, busy, busyNode, setPanel } from './core.js';
import { t, time, timeWithROC } from './i18n.js';
import { traceResults, caseFeatures } from './trace.js';

const EXPORTS = ['geojson', 'csv', 'kml', 'xlsx'];

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
          el('td', { class: 'small', text: r.grade_reason })))))));
  } catch (e) {
    showError(e, t('case.title', { id }));
  } finally {
    done();
  }
}
