// The dumping feature: illegal-dumping reports on the map as the public
// sees them (fuzzed locations, the state, the agency's replies), a report
// form (click the map or type lon/lat), and, with an agency's key, its
// queue with due times and overdue flags and the centre's service-level
// dashboard. See docs/dumping.md.
import { el, api, postJSON, showError, clearError, busy, busyNode, setPanel } from './core.js';
import { t, time, num } from './i18n.js';

const OPEN_STATES = ['received', 'assigned', 'referred', 'investigating', 'cleanup_scheduled'];
const SIZES = ['single-bag', 'car-boot', 'van', 'truck', 'larger'];
const KEY = 'envtrace.dumping.key';

const state = { ctx: null, layer: null, pick: null, pickMarker: null };

export const dumping = {
  id: 'dumping',
  async init(ctx) {
    state.ctx = ctx;
    state.layer = L.layerGroup().addTo(ctx.map);
    ctx.legend.section(t('dumping.legend'), [['dot dumping-open', t('dumping.legend_open')], ['dot dumping-done', t('dumping.legend_done')]], state.layer);
    ctx.switcher.addOverlay(state.layer, t('dumping.layer'));
    const bar = document.querySelector('.toolbar');
    bar.prepend(
      el('button', { type: 'button', id: 'dumping-report-button', text: t('dumping.action.report'), onclick: reportForm }),
      el('button', { type: 'button', id: 'dumping-desk-button', text: t('dumping.action.desk'), onclick: desk }));
    ctx.map.on('click', (e) => {
      if (state.pick) state.pick(e.latlng);
    });
    await refresh();
  },
};

// refresh draws the public reports of the last 90 days.
async function refresh() {
  const list = await api('/dumping/public/reports');
  state.layer.clearLayers();
  for (const r of list) {
    const open = OPEN_STATES.includes(r.state);
    const m = L.circleMarker([r.lat, r.lon], {
      radius: 8, color: '#fff', weight: 2, fillColor: open ? '#d94801' : '#7a7a7a', fillOpacity: 0.9,
      className: 'dumping-marker ' + (open ? 'dumping-open' : 'dumping-done'),
    }).addTo(state.layer);
    m.bindTooltip(t('dumping.tip', { id: r.id, state: t('dumping.state.' + r.state) }));
    m.on('click', () => showReport(r.id));
  }
  document.body.dataset.dumpingReports = String(list.length);
}

// showReport opens a report's public summary: its state, the agency and
// every reply.
async function showReport(id) {
  clearError();
  setPanel(busyNode(t('dumping.loading')));
  try {
    const r = await api('/dumping/public/reports/' + encodeURIComponent(id));
    setPanel(el('div', { class: 'dumping-report', id: 'dumping-report', dataset: { id: r.id, state: r.state } },
      el('h2', { class: 'title', text: t('dumping.report_title', { id: r.id }) }),
      el('p', { text: r.description }),
      el('dl', { class: 'obs' },
        el('dt', { text: t('dumping.field.state') }), el('dd', { class: 'state', text: t('dumping.state.' + r.state) }),
        el('dt', { text: t('dumping.field.agency') }), el('dd', { class: 'agency', text: r.agency }),
        el('dt', { text: t('dumping.field.requested') }), el('dd', { text: time(r.requested_at) }),
        el('dt', { text: t('dumping.field.updated') }), el('dd', { text: time(r.updated_at) }),
        r.due_at ? [el('dt', { text: t('dumping.field.due') }), el('dd', { text: time(r.due_at) })] : null,
        r.duplicate_of ? [el('dt', { text: t('dumping.field.duplicate_of') }), el('dd', { text: r.duplicate_of })] : null),
      el('h3', { text: t('dumping.replies') }),
      r.replies.length
        ? el('ul', { class: 'replies' }, r.replies.map((p) => el('li', { class: 'reply' },
          el('div', { class: 'small', text: [time(p.at), p.agency, t(p.inspected ? 'dumping.inspected' : 'dumping.not_inspected')].join(' · ') }),
          el('div', { class: 'finding', text: p.finding }))))
        : el('p', { class: 'hint', text: t('dumping.no_replies') }),
      (r.photos || []).map((ph) => el('img', { class: 'dumping-photo', src: '/api/v1/dumping/photos/' + encodeURIComponent(ph), alt: t('dumping.photo_alt'), loading: 'lazy' })),
      el('p', { class: 'hint', text: t('dumping.fuzz_note', { m: r.fuzz_m }) })));
  } catch (e) {
    showError(e, t('dumping.report_title', { id }));
  }
}

// reportForm lets anyone report a dump: click the map (or type lon/lat),
// choose the kind, describe it, and optionally leave a contact that only
// the centre can read.
async function reportForm() {
  clearError();
  let services = [];
  try {
    services = await api('/dumping/services');
  } catch (e) {
    showError(e, t('dumping.form_title'));
    return;
  }
  const field = (key, input) => el('div', null, el('label', { for: input.id, text: t(key) }), input);
  const service = el('select', { id: 'd-service' }, services.map((s) => el('option', { value: s.service_code }, t('dumping.service.' + s.service_code))));
  const lon = el('input', { id: 'd-lon', type: 'text', inputmode: 'decimal', required: true });
  const lat = el('input', { id: 'd-lat', type: 'text', inputmode: 'decimal', required: true });
  const desc = el('textarea', { id: 'd-description', rows: '3', required: true, maxlength: '4000' });
  const size = el('select', { id: 'd-size' }, el('option', { value: '' }, t('dumping.size.unknown')), SIZES.map((s) => el('option', { value: s }, t('dumping.size.' + s))));
  const seen = el('input', { id: 'd-seen', type: 'checkbox' });
  const witness = el('input', { id: 'd-witness', type: 'checkbox' });
  const contact = el('input', { id: 'd-contact', type: 'text', maxlength: '200', autocomplete: 'email' });
  const button = el('button', { id: 'd-submit', class: 'primary', type: 'submit', text: t('dumping.action.submit') });
  const out = el('div', { id: 'dumping-result' });
  state.pick = (ll) => {
    lon.value = ll.lng.toFixed(6);
    lat.value = ll.lat.toFixed(6);
    if (state.pickMarker) state.pickMarker.remove();
    state.pickMarker = L.marker(ll, { keyboard: false, title: t('dumping.picked') }).addTo(state.ctx.map);
  };
  const form = el('form', { class: 'dumping-form', id: 'dumping-form', novalidate: true },
    el('p', { class: 'hint', text: t('dumping.form_help') }),
    el('div', { class: 'grid' }, field('dumping.field.service', service), field('dumping.field.size', size),
      field('dumping.field.lon', lon), field('dumping.field.lat', lat)),
    field('dumping.field.description', desc),
    el('label', { class: 'check' }, seen, ' ', t('dumping.field.seen_it')),
    el('label', { class: 'check' }, witness, ' ', t('dumping.field.witness')),
    field('dumping.field.contact', contact),
    el('p', { class: 'hint', text: t('dumping.contact_note') }),
    el('div', { class: 'actions' }, button), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearError();
    button.disabled = true;
    const done = busy(t('dumping.sending'));
    try {
      const r = await postJSON('/dumping/reports', {
        service_code: service.value, description: desc.value.trim(), x: Number(lon.value), y: Number(lat.value), crs: 'EPSG:4326',
        size: size.value, seen_it: seen.checked, witness: witness.checked, contact: contact.value.trim(), source: 'web',
      });
      out.replaceChildren(el('p', { class: 'ok', dataset: { id: r.id }, text: t('dumping.sent', { id: r.id, agency: r.agency, state: t('dumping.state.' + r.state) }) }));
      out.dataset.id = r.id;
      state.pick = null;
      if (state.pickMarker) state.pickMarker.remove();
      await refresh();
    } catch (e) {
      const p = showError(e, t('dumping.form_title'));
      for (const ip of p['invalid-params'] || []) {
        const n = { description: desc, location: lon, service_code: service, contact, size }[ip.name];
        if (n) n.classList.add('invalid');
      }
    } finally {
      button.disabled = false;
      done();
    }
  });
  setPanel(el('div', { class: 'dumping' }, el('h2', { class: 'title', text: t('dumping.form_title') }), form));
}

// authed calls the API with the agency key kept for this tab.
function authed(path) {
  return api(path, { headers: { Authorization: 'Bearer ' + (sessionStorage.getItem(KEY) || '') } });
}

// desk is the agency's and the centre's view: the key, the queue and the
// service-level dashboard.
function desk() {
  clearError();
  const key = el('input', { id: 'd-key', type: 'password', autocomplete: 'off', value: sessionStorage.getItem(KEY) || '' });
  const out = el('div', { id: 'dumping-desk-out' });
  const save = () => sessionStorage.setItem(KEY, key.value.trim());
  const queueButton = el('button', { type: 'button', id: 'd-queue', class: 'primary', text: t('dumping.action.queue'), onclick: () => { save(); queue(out); } });
  const slaButton = el('button', { type: 'button', id: 'd-dashboard', text: t('dumping.action.dashboard'), onclick: () => { save(); dashboard(out); } });
  setPanel(el('div', { class: 'dumping-desk' },
    el('h2', { class: 'title', text: t('dumping.desk_title') }),
    el('label', { for: 'd-key', text: t('dumping.field.key') }), key,
    el('p', { class: 'hint', text: t('dumping.key_note') }),
    el('div', { class: 'actions' }, queueButton, ' ', slaButton), out));
}

async function queue(out) {
  out.replaceChildren(busyNode(t('dumping.loading')));
  try {
    const list = await authed('/dumping/reports?open=true');
    const now = Date.now();
    out.replaceChildren(el('h3', { text: t('dumping.queue_title', { n: list.length }) }),
      list.length ? el('table', { id: 'dumping-queue' },
        el('thead', null, el('tr', null, ['id', 'state', 'agency', 'due', 'flag'].map((k) => el('th', { scope: 'col', text: t('dumping.col.' + k) })))),
        el('tbody', null, list.map((r) => {
          const overdue = r.due_at && Date.parse(r.due_at) <= now;
          return el('tr', { class: overdue ? 'overdue' : null, dataset: { id: r.id } },
            el('td', null, el('a', { href: '#', onclick: (e) => { e.preventDefault(); showReport(r.id); }, text: r.id })),
            el('td', { text: t('dumping.state.' + r.state) }), el('td', { text: r.agency_id }),
            el('td', { class: 'small', text: time(r.due_at) }), el('td', { text: overdue ? t('dumping.overdue') : '' }));
        })))
        : el('p', { class: 'hint', text: t('dumping.queue_empty') }));
  } catch (e) {
    out.replaceChildren();
    showError(e, t('dumping.action.queue'));
  }
}

async function dashboard(out) {
  out.replaceChildren(busyNode(t('dumping.loading')));
  try {
    const d = await authed('/dumping/dashboard');
    out.replaceChildren(el('h3', { text: t('dumping.dashboard_title', { open: num(d.open, 0), overdue: num(d.overdue, 0) }) }),
      el('table', { id: 'dumping-dashboard' },
        el('thead', null, el('tr', null, ['agency', 'open', 'overdue', 'closed', 'referred', 'oldest'].map((k) => el('th', { scope: 'col', text: t('dumping.dcol.' + k) })))),
        el('tbody', null, (d.agencies || []).map((a) => el('tr', { class: a.overdue ? 'overdue' : null, dataset: { agency: a.agency_id } },
          el('td', { text: a.agency }), el('td', { class: 'num', text: num(a.open, 0) }), el('td', { class: 'num', text: num(a.overdue, 0) }),
          el('td', { class: 'num', text: num(a.closed, 0) }), el('td', { class: 'num', text: num(a.referred_away, 0) }),
          el('td', { class: 'small', text: time(a.oldest_overdue) }))))));
  } catch (e) {
    out.replaceChildren();
    showError(e, t('dumping.action.dashboard'));
  }
}
