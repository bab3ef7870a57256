// The odour feature: odour petitions on the map as the public sees them,
// each at its public location (shifted within 0.1 mile, the same for the
// same place), sized by intensity, from the OGC API petitions collection.
// Exact locations and contacts never reach the browser. See docs/odour.md.
import { el } from './core.js';
import { t, time, language } from './i18n.js';

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
    ctx.legend.section(t('odour.legend'), [['dot odour-petition', t('odour.legend_petition')]]);
    const layer = L.layerGroup().addTo(ctx.map);
    ctx.switcher.addOverlay(layer, t('odour.layer'));
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
        el('div', { class: 'small', text: t('odour.fuzz_note') })));
    }
    document.body.dataset.odourPetitions = String(fc.features.length);
  },
};
