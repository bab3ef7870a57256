// The map: configurable basemaps with a layer switcher, context drawn from
// the data itself (rivers and canals with their names, the basin outline)
// so that the map stays readable with no tile server, and a collapsible
// legend to which features add their rows.
import { el } from './core.js';
import { t } from './i18n.js';

// Zoom at which each kind of label appears (the labels pane carries
// zoom-N classes; style.css hides what is not due yet).
export const LABEL_ZOOM = { river: 11, station: 13, facility: 14 };

export function createMap(config) {
  const map = L.map('map', { attributionControl: true, zoomSnap: 0.25, preferCanvas: false });
  map.attributionControl.setPrefix(false);
  map.setView([24.1, 120.65], 11);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  // Panes, bottom to top.
  [['basin', 300], ['rivers', 350], ['traced', 380], ['outfalls', 420], ['labels', 450], ['stations', 640], ['traceMarks', 660]].forEach(([name, z]) => {
    map.createPane(name).style.zIndex = z;
  });
  map.getPane('labels').style.pointerEvents = 'none';
  const zoomClass = () => {
    const pane = map.getPane('labels');
    const z = Math.floor(map.getZoom());
    pane.className = pane.className.replace(/\s*zoom-\d+/g, '') + ' zoom-' + z;
    for (const [kind, minZ] of Object.entries(LABEL_ZOOM)) pane.classList.toggle('show-' + kind, z >= minZ);
  };
  map.on('zoomend', zoomClass);
  zoomClass();

  const bases = {};
  const none = L.layerGroup();
  bases[t('map.basemap.none')] = none;
  let chosen = none;
  for (const b of config.basemaps || []) {
    const layer = L.tileLayer(b.url, { maxZoom: b.max_zoom || 19, attribution: b.attribution || '', crossOrigin: false, className: 'basemap-' + b.id });
    const name = t('map.basemap.' + b.id) !== 'map.basemap.' + b.id ? t('map.basemap.' + b.id) : (b.name || b.id);
    bases[name] = layer;
    if (b.default) chosen = layer;
  }
  chosen.addTo(map);
  const overlays = {};
  const switcher = L.control.layers(bases, overlays, { position: 'topright', collapsed: true }).addTo(map);
  return { map, switcher, overlays };
}

// drawContext draws the rivers, their names and the basin outline from the
// network's GeoJSON, offers them in the layer switcher and returns them
// (the legend follows whether they are shown).
export function drawContext(ctx, fc) {
  const { map, switcher } = ctx;
  const rivers = L.geoJSON(fc, {
    pane: 'rivers',
    interactive: false,
    style: (f) => ({ color: '#2b7bb9', weight: 0.8 + Math.min(f.properties.stream_order || 1, 6) * 0.7, opacity: 0.9, lineCap: 'round' }),
  }).addTo(map);
  // One label per named river or canal, on its longest reach.
  const byName = new Map();
  for (const f of fc.features) {
    const name = f.properties.name;
    if (!name || !f.geometry) continue;
    const c = f.geometry.coordinates;
    const len = c.length;
    const cur = byName.get(name);
    if (!cur || len > cur.len) byName.set(name, { len, at: c[Math.floor(len / 2)] });
  }
  const labels = L.layerGroup();
  for (const [name, v] of byName) {
    labels.addLayer(L.marker([v.at[1], v.at[0]], {
      pane: 'labels', interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'ctx-label river-label', html: '', iconSize: null }),
    }).on('add', (e) => { e.target.getElement().textContent = name; }));
  }
  labels.addTo(map);
  const outline = basinOutline(fc);
  const basin = outline ? L.polygon(outline, { pane: 'basin', interactive: false, color: '#555', weight: 1.5, dashArray: '6 6', fill: false, className: 'basin-outline' }).addTo(map) : null;
  switcher.addOverlay(rivers, t('map.layer.rivers'));
  switcher.addOverlay(labels, t('map.layer.river_names'));
  if (basin) switcher.addOverlay(basin, t('map.layer.basin'));
  const b = rivers.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [20, 20] });
  return { rivers, labels, basin };
}

// basinOutline is the convex hull of the network's vertices (monotone
// chain), the outline of the area the data covers.
function basinOutline(fc) {
  const pts = [];
  for (const f of fc.features) {
    if (f.geometry) for (const c of f.geometry.coordinates) pts.push(c);
  }
  if (pts.length < 3) return null;
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list) => {
    const h = [];
    for (const p of list) {
      while (h.length >= 2 && cross(h[h.length - 2], h[h.length - 1], p) <= 0) h.pop();
      h.push(p);
    }
    h.pop();
    return h;
  };
  const hull = half(pts).concat(half(pts.slice().reverse()));
  return hull.map((p) => [p[1], p[0]]);
}

// label adds a text label at latlng in the labels pane, shown from the
// zoom of its kind.
export function label(layerGroup, latlng, text, kind) {
  const m = L.marker(latlng, {
    pane: 'labels', interactive: false, keyboard: false,
    icon: L.divIcon({ className: 'ctx-label ' + kind + '-label', html: '', iconSize: null, iconAnchor: [-8, 6] }),
  });
  m.on('add', (e) => { e.target.getElement().textContent = text; });
  layerGroup.addLayer(m);
  return m;
}

// createLegend makes the collapsible legend; features add sections to it.
// A row may name the layer it explains (a Leaflet layer, or a function
// returning one, for layers made later): the legend lists a row only
// while its layer is on the map and draws something, and a section only
// while one of its rows is listed, so that it explains what is shown.
// Rows without a layer (stations, facilities) are always listed.
export function createLegend(map) {
  const body = el('div', { class: 'legend-body', id: 'legend-body' });
  const toggle = el('button', { type: 'button', class: 'legend-toggle', 'aria-expanded': 'true', 'aria-controls': 'legend-body', text: t('legend.title') });
  const box = el('div', { class: 'legend', id: 'legend' }, toggle, body);
  toggle.addEventListener('click', () => {
    const open = box.classList.toggle('folded') === false;
    toggle.setAttribute('aria-expanded', String(open));
  });
  // Phones start folded: the legend must not cover the map.
  if (window.matchMedia('(max-width: 700px)').matches) {
    box.classList.add('folded');
    toggle.setAttribute('aria-expanded', 'false');
  }
  const ctl = L.control({ position: 'bottomright' });
  ctl.onAdd = () => {
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  ctl.addTo(map);
  const sections = [];
  const shown = (layer) => {
    const l = typeof layer === 'function' ? layer() : layer;
    if (!l || !map.hasLayer(l)) return false;
    return typeof l.getLayers !== 'function' || l.getLayers().some((x) => typeof x.getLayers !== 'function' || shown(x));
  };
  const refresh = () => {
    for (const s of sections) {
      let any = false;
      for (const r of s.rows) {
        const on = r.layer === undefined || shown(r.layer);
        r.node.hidden = !on;
        any = any || on;
      }
      s.head.hidden = !any;
    }
    box.hidden = sections.every((s) => s.head.hidden);
  };
  let due = false;
  const later = () => {
    if (due) return;
    due = true;
    setTimeout(() => { due = false; refresh(); }, 0);
  };
  map.on('layeradd layerremove', later);
  return {
    // section adds a titled group of rows [symbol class, text, layer?];
    // layer, when given, is the default layer of rows without their own.
    section(title, rows, layer) {
      const s = { head: el('h4', { text: title }), rows: [] };
      body.append(s.head);
      for (const [sym, text, own] of rows) {
        const node = el('div', { class: 'row' }, el('span', { class: 'sym ' + sym }), text);
        s.rows.push({ node, layer: own === undefined ? layer : own });
        body.append(node);
      }
      sections.push(s);
      later();
    },
    refresh,
  };
}
