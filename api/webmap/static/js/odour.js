// The odour feature: odour petitions on the map as the public sees them,
// each at its public location (shifted within 0.1 mile, the same for the
// same place), sized by intensity, from the OGC API petitions collection.
// Exact locations and contacts never reach the browser through this layer.
// An officer may trace a petition upwind (GET /api/v1/odour/trace): the
// back-trajectory is drawn as a line, the surface maximum is marked with
// its nearest facility, and the ranked candidates are listed with their
// evidence numbers. Its toolbar button opens a monitor's CPF polar plot
// (cpf.js), another the triangulation surface of a window (surface.js), a third
// hot spot classes and air risk areas (hotspots.js). See docs/odour.md and docs/webmap.md.
import { el, api, showError, busy } from './core.js';
import { t, num, time, language } from './i18n.js';
import { cpfForm } from './cpf.js';
import { rankForm, drawSurfaceMax, reasonText } from './surface.js';
import { hotspotForm } from './hotspots.js';

export const odour = {
  id: 'odour',
  async init(ctx) {
    const res = await fetch('/ogc/collections/petitions/items?f=json&limit=10000');
    if (!res.ok) {
      // A server without odour data has no petitions layer.
      document.body.dataset.odourPetitions = '0';
      return;
    }
    const fc = await res.json();
    const layer = L.layerGroup().addTo(ctx.map);
    const traced = L.layerGroup().addTo(ctx.map);
    ctx.switcher.addOverlay(layer, t('odour.layer'));
    ctx.switcher.addOverlay(traced, t('odour.trace_layer'));
    const cpf = L.layerGroup().addTo(ctx.map);
    ctx.switcher.addOverlay(cpf, t('odour.cpf.layer'));
    document.querySelector('.toolbar').prepend(el('button', { type: 'button', id: 'cpf-button', text: t('odour.cpf.open'), onclick: () => cpfForm(ctx, cpf) }));
    const surface = L.layerGroup().addTo(ctx.map);
    ctx.switcher.addOverlay(surface, t('odour.rank.layer'));
    const hot = L.layerGroup().addTo(ctx.map);
    ctx.switcher.addOverlay(hot, t('odour.hotspot.layer'));
    ctx.legend.section(t('odour.legend'), [['dot odour-petition', t('odour.legend_petition'), layer],
      ['odour-trajectory', t('odour.legend_trajectory'), traced],
      ['sq odour-surface-cell', t('odour.rank.legend_cell'), surface], ['sq cpf-high', t('odour.cpf.legend_high'), cpf],
      ['sq hotspot-hot', t('odour.hotspot.legend_hot'), hot], ['sq hotspot-cold', t('odour.hotspot.legend_cold'), hot],
      ['sq risk-area', t('odour.hotspot.legend_risk'), hot], ['dot cpf-facility', t('odour.cpf.legend_facility'), cpf]]);
    document.querySelector('.toolbar').prepend(el('button', { type: 'button', id: 'hotspot-button', text: t('odour.hotspot.open'), onclick: () => hotspotForm(ctx, hot) }));
    document.querySelector('.toolbar').prepend(el('button', { type: 'button', id: 'rank-button', text: t('odour.rank.open'), onclick: () => rankForm(ctx, surface) }));
    for (const f of fc.features) {
      if (!f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      const name = (language() === 'zh-TW' ? p.category_name_zh : p.category_name) || p.category;
      L.circleMarker([lat, lon], {
        radius: 3 + p.intensity, color: '#fff', weight: 1, fillColor: '#6a3d9a', fillOpacity: 0.85,
        className: 'odour-marker odour-petition',
      }).addTo(layer).bindTooltip(el('div', { class: 'odour-tip' },
        el('strong', { text: t('odour.tip_title', { id: p.petition_id }) }),
        el('div', { text: t('odour.tip', { category: name, intensity: p.intensity, time: time(p.time) }) }),
        el('div', { class: 'small', text: t('odour.fuzz_note') })))
        .bindPopup(el('div', { class: 'odour-popup' },
          el('strong', { text: t('odour.tip_title', { id: p.petition_id }) }),
          el('button', { type: 'button', class: 'odour-trace-button', dataset: { petition: p.petition_id },
            text: t('odour.trace_button'), onclick: () => traceUpwind(ctx, traced, p.petition_id) })));
    }
    document.body.dataset.odourPetitions = String(fc.features.length);
  },
};

// traceUpwind asks for a petition's upwind trace and draws it in layer,
// replacing the previous trace.
async function traceUpwind(ctx, layer, id) {
  const done = busy(t('odour.tracing'));
  try {
    const res = await api('/odour/trace?petition=' + encodeURIComponent(id));
    ctx.map.closePopup();
    layer.clearLayers();
    const popup = drawTrace(layer, res);
    const line = (res.trajectory || []).map((p) => [p.lat, p.lon]);
    if (line.length >= 2) ctx.map.fitBounds(L.latLngBounds(line).pad(0.3), { animate: false });
    // Opened once the map has its new view, so that it pans the whole
    // popup (the candidates) into sight, on a phone too.
    if (popup) popup.addTo(layer);
    document.body.dataset.odourTrace = id;
  } catch (e) {
    showError(e, t('odour.trace_failed', { id }));
    document.body.dataset.odourTrace = 'error';
  } finally {
    done();
  }
}

// drawTrace draws a trace result: trajectory line and surface maximum.
// It returns the popup of the candidates' evidence at the petition (the
// trajectory's first point), for the caller to open, or null.
function drawTrace(layer, res) {
  const line = (res.trajectory || []).map((p) => [p.lat, p.lon]);
  if (line.length >= 2) {
    L.polyline(line, { color: '#e6550d', weight: 3, dashArray: '6 4', className: 'odour-trajectory' })
      .addTo(layer).bindTooltip(t('odour.trajectory_tip', { id: res.petition, hours: num(hoursSpanned(res.trajectory), 1) }));
  }
  if (res.surface_max) drawSurfaceMax(layer, res.surface_max);
  if (!line.length) return null;
  const list = el('ol', { class: 'odour-candidates' }, (res.candidates || []).slice(0, 5).map((c) => el('li', {
    text: t('odour.candidate', {
      name: c.name, id: c.facility_id, score: num(c.score, 2), supporting: c.evidence.supporting_petitions,
      closest: c.evidence.trajectory ? num(c.evidence.trajectory.closest_m, 0) : '—',
    }),
  })));
  return L.popup({ className: 'odour-trace-popup', autoClose: false, closeOnClick: false, maxWidth: 280,
    autoPan: true, autoPanPadding: [12, 12] })
    .setLatLng(line[0])
    .setContent(el('div', {},
      el('strong', { text: t('odour.trace_title', { id: res.petition }) }),
      el('div', { class: 'small', text: t('odour.confidence', { level: t('odour.level.' + res.confidence.level) }) }),
      el('div', { class: 'small odour-reason', text: reasonText(res.confidence) }),
      list));
}

// hoursSpanned is how many hours the trajectory goes back.
function hoursSpanned(tr) {
  if (tr.length < 2) return 0;
  return Math.abs(Date.parse(tr[0].time) - Date.parse(tr[tr.length - 1].time)) / 3600000;
}
