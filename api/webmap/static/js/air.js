// The air feature: micro-sensors on the map coloured by their ADF class
// over the last 14 days held (indoor, emission, normal), with their
// flagged and RED slice counts, from the OGC API sensor-anomalies
// collection. See docs/air.md.
import { el } from './core.js';
import { t, num, time } from './i18n.js';

const COLOURS = { emission: '#cb181d', indoor: '#2171b5', normal: '#41ab5d', none: '#969696' };

export const air = {
  id: 'air',
  async init(ctx) {
    const res = await fetch('/ogc/collections/sensor-anomalies/items?f=json&limit=10000');
    if (!res.ok) {
      // A server without sensor readings has no sensor layer.
      document.body.dataset.airSensors = '0';
      return;
    }
    const fc = await res.json();
    const layer = L.layerGroup().addTo(ctx.map);
    ctx.legend.section(t('air.legend'), Object.keys(COLOURS).map((c) => ['dot air-' + c, t('air.class.' + c)]), layer);
    ctx.switcher.addOverlay(layer, t('air.layer'));
    for (const f of fc.features) {
      if (!f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      L.circleMarker([lat, lon], {
        radius: 6, color: '#fff', weight: 1.5, fillColor: COLOURS[p.class] || COLOURS.none, fillOpacity: 0.9,
        className: 'air-marker air-' + p.class,
      }).addTo(layer).bindTooltip(el('div', { class: 'air-tip' },
        el('strong', { text: t('air.tip_title', { id: p.device_id, class: t('air.class.' + p.class) }) }),
        p.md === null ? null : el('div', { text: t('air.tip_md', { md: num(p.md, 3) }) }),
        p.emission_slices === null ? null : el('div', { text: t('air.tip_slices', { emission: p.emission_slices, indoor: p.indoor_slices, red: p.red_slices }) }),
        p.last_red ? el('div', { text: t('air.tip_last_red', { time: time(p.last_red) }) }) : null));
    }
    document.body.dataset.airSensors = String(fc.features.length);
  },
};
