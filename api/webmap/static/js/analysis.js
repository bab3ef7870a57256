// The analysis layers of the OGC API in the layer switcher: hot spot
// classes of each signal (Gi*, EHSA), the air risk areas and the odour
// triangulation surface. /ogc/collections lists only the layers the
// signed-in role may read (the public sees the public signals' hot
// spots), so the switcher offers exactly those; each is fetched when it
// is first switched on. See docs/ogc.md and docs/webmap.md.
import { ogc } from './core.js';
import { t, num } from './i18n.js';
import { HOT, COLD, kindOf } from './hotspots.js';

// ORDER is the switcher's order of the layers this module draws.
const ORDER = ['hotspots-petitions-gi', 'hotspots-petitions-ehsa', 'hotspots-sensor-exceedances-gi', 'hotspots-sensor-exceedances-ehsa',
  'hotspots-violations-gi', 'hotspots-violations-ehsa', 'air-risk-areas', 'odour-surface'];

// hotspotFeature styles a unit by its class; null leaves it out.
function hotspotFeature(f) {
  const p = f.properties;
  const k = kindOf(p);
  if (!k) return null;
  const label = k.pattern ? t('odour.hotspot.pattern.' + k.pattern) + t('odour.hotspot.kind.' + k.kind) : t('odour.hotspot.kind.' + k.kind);
  return {
    style: { color: '#333', weight: 0.5, fillColor: (k.kind === 'hot' ? HOT : COLD)[k.strong ? 'strong' : 'weak'], fillOpacity: 0.6 },
    tip: t('odour.hotspot.unit', { id: p.unit_id, label, count: p.count, z: p.z === null ? '—' : num(p.z, 2) }),
  };
}

// riskFeature shades a risk area by its score against the top one.
function riskFeature(f, top) {
  const p = f.properties;
  return {
    style: { color: '#54278f', weight: 1, fillColor: '#6a51a3', fillOpacity: 0.2 + 0.6 * (p.score / top) },
    tip: t('odour.hotspot.risk_area', { id: p.unit_id, score: num(p.score, 2), facilities: p.facilities, z: num(p.hotspot_z, 2) }),
  };
}

// surfaceFeature shades a surface cell by its share of the maximum.
function surfaceFeature(f) {
  const p = f.properties;
  return {
    style: { stroke: false, fillColor: '#d94801', fillOpacity: 0.15 + 0.6 * p.share_of_max },
    tip: t('analysis.surface_cell', { value: num(p.value, 2), share: num(100 * p.share_of_max, 0) }),
  };
}

// draw adds a collection's features to layer and returns how many.
function draw(id, fc, layer) {
  const top = Math.max(...fc.features.map((f) => f.properties.score || 0), 1e-12);
  const look = id === 'air-risk-areas' ? (f) => riskFeature(f, top) : id === 'odour-surface' ? surfaceFeature : hotspotFeature;
  let n = 0;
  for (const f of fc.features) {
    const s = look(f);
    if (!s || !f.geometry) continue;
    const ring = f.geometry.coordinates[0].map(([lon, lat]) => [lat, lon]);
    L.polygon(ring, Object.assign({ className: 'analysis-' + id }, s.style)).addTo(layer).bindTooltip(s.tip);
    n++;
  }
  return n;
}

export const analysis = {
  id: 'analysis',
  async init(ctx) {
    const doc = await ogc('/collections?f=json');
    const ids = new Set(((doc && doc.collections) || []).map((c) => c.id));
    const offered = ORDER.filter((id) => ids.has(id));
    document.body.dataset.analysisLayers = offered.join(' ');
    for (const id of offered) {
      const layer = L.layerGroup();
      let loaded = false;
      layer.on('add', async () => {
        if (loaded) return;
        loaded = true;
        const fc = await ogc('/collections/' + id + '/items?f=json&limit=10000');
        const n = fc ? draw(id, fc, layer) : 0;
        document.body.dataset['drawn_' + id.replace(/-/g, '_')] = String(n);
      });
      ctx.switcher.addOverlay(layer, t('analysis.layer.' + id));
    }
  },
};
