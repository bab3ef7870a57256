// Time-series charts drawn with uPlot (vendored under vendor/uplot, MIT):
// a station's readings with its baseline band, river standard and the
// traced reading; its RPI; a facility's reports against its limits.
import { el } from './core.js';
import { t, num, language } from './i18n.js';

const TZ = 'Asia/Taipei';

// chart draws one uPlot chart into a new figure and returns the figure.
// spec.x holds times (ms); spec.series [{label, values, color, dash,
// points: 'only'|'with'|'none', width}]; spec.band [lowerIndex,
// upperIndex] fills between two series.
export function chart(spec) {
  const fig = el('figure', { class: 'chart ' + (spec.className || ''), dataset: { chart: spec.id || '' } },
    el('figcaption', { text: spec.title }));
  const plotBox = el('div', { class: 'plot' });
  fig.append(plotBox);
  const x = spec.x.map((ms) => ms / 1000);
  const data = [x, ...spec.series.map((s) => s.values)];
  const series = [{ label: t('chart.time'), value: (u, v) => (v == null ? '—' : fmtDate(v)) }].concat(spec.series.map((s) => ({
    label: s.label,
    stroke: s.color,
    width: s.points === 'only' ? 0 : (s.width || 1.5),
    dash: s.dash,
    spanGaps: !!s.spanGaps,
    points: s.points === 'none' ? { show: false } : { show: true, size: s.size || 5, fill: s.color, stroke: s.color },
    value: (u, v) => (v == null ? '—' : num(v, 3)),
  })));
  const opts = {
    width: 300, height: spec.height || 190,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), TZ),
    series,
    scales: { x: { time: true } },
    // The time axis is tall enough for uPlot's second label row (the year under
    // the first month of a year), which a shorter axis cuts off.
    axes: [{ size: 48 }, { label: spec.yLabel || '', size: 56, values: (u, vals) => vals.map((v) => num(v, 3)) }],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  if (spec.band) opts.bands = [{ series: [spec.band[1] + 1, spec.band[0] + 1], fill: 'rgba(26,152,80,0.16)' }];
  // Draw once the figure is in the page, at its width.
  requestAnimationFrame(() => {
    opts.width = Math.max(240, plotBox.clientWidth || 300);
    fig.plot = new uPlot(opts, data, plotBox);
    fig.dataset.drawn = 'true';
  });
  return fig;
}

function fmtDate(sec) {
  return new Intl.DateTimeFormat(language() === 'zh-TW' ? 'zh-TW' : 'en-GB', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(sec * 1000));
}

// stationChart draws one parameter's readings at a station. trace (when
// the chart is of the traced parameter) adds the baseline band, the river
// standard and the traced reading.
export function stationChart(readings, parameter, unitLabel, trace) {
  const pts = readings.filter((r) => r.parameter === parameter).map((r) => ({ x: Date.parse(r.time), v: r.value }));
  const extra = trace && trace.parameter === parameter ? trace : null;
  if (extra) pts.push({ x: Date.parse(extra.time), v: null, traced: extra.value });
  pts.sort((a, b) => a.x - b.x);
  const x = pts.map((p) => p.x);
  const series = [{ label: t('chart.readings'), values: pts.map((p) => p.v), color: '#0b6aa2', spanGaps: true, size: 4 }];
  let band = null;
  if (extra && extra.baseline && extra.baseline.lower != null && extra.baseline.upper != null) {
    series.push({ label: t('chart.baseline_lower'), values: x.map(() => extra.baseline.lower), color: '#1a9850', points: 'none', dash: [4, 4], width: 1 });
    series.push({ label: t('chart.baseline_upper'), values: x.map(() => extra.baseline.upper), color: '#1a9850', points: 'none', dash: [4, 4], width: 1 });
    band = [1, 2];
  }
  if (extra && extra.standard != null) {
    series.push({ label: t('chart.standard'), values: x.map(() => extra.standard), color: '#b42318', points: 'none', dash: [8, 4], width: 1.5 });
  }
  if (extra) series.push({ label: t('chart.traced'), values: pts.map((p) => (p.traced === undefined ? null : p.traced)), color: '#ff7f00', points: 'only', size: 11 });
  return chart({ id: 'station-' + parameter, className: 'station-chart', title: t('chart.station_title', { param: parameter }), x, series, band, yLabel: unitLabel });
}

// rpiChart draws a station's RPI over time.
export function rpiChart(rpi) {
  const x = rpi.map((r) => Date.parse(r.time));
  return chart({ id: 'rpi', className: 'rpi-chart', title: t('chart.rpi_title'), x, height: 160,
    series: [{ label: 'RPI', values: rpi.map((r) => r.index), color: '#6a3d9a' }], yLabel: 'RPI' });
}

// effluentChart draws a facility's reported values of one parameter and
// statistical base against its limits, exceedances marked. A value held
// to two limits (pH between 6 and 9) comes as one row per limit; the
// chart draws it once a period and each bound as its own level line.
export function effluentChart(values, parameter, statBase) {
  const rows = effluentPeriods(values, parameter, statBase);
  const x = rows.map((r) => r.x);
  const unit = rows.length ? rows[0].unit : '';
  const bounds = ['lower', 'upper'].filter((b) => rows.some((r) => r.limits[b] != null));
  const series = [
    { label: t('chart.reported'), values: rows.map((r) => r.reported), color: '#0b6aa2', size: 4 },
    ...bounds.map((b) => ({ label: limitLabel(b, bounds.length === 1),
      values: rows.map((r) => (r.limits[b] != null ? r.limits[b] : null)), color: '#b42318', points: 'none',
      dash: b === 'lower' ? [3, 3] : [8, 4], width: 1.5 })),
    { label: t('chart.exceeded'), values: rows.map((r) => (r.exceeded ? r.reported : null)), color: '#d7301f', points: 'only', size: 10 },
  ];
  const fig = chart({ id: 'effluent-' + parameter + '-' + statBase, className: 'effluent-chart',
    title: t('chart.effluent_title', { param: parameter, base: t('statbase.' + statBase) }), x, series, yLabel: unit });
  fig.dataset.exceedances = String(rows.filter((r) => r.exceeded).length);
  return fig;
}

// limitLabel names a limit line: a lone upper limit is the permit's limit;
// a lower one, or either of a pair, says which bound it is.
function limitLabel(bound, alone) {
  if (bound === 'lower') return t('chart.limit_lower');
  return alone ? t('chart.limit') : t('chart.limit_upper');
}

// effluentPeriods gathers the rows of one parameter and statistical base
// into one per outfall and period: the reported value, its limits by
// bound and whether any was exceeded; oldest first.
function effluentPeriods(values, parameter, statBase) {
  const byPeriod = new Map();
  for (const v of values) {
    if (v.parameter !== parameter || v.stat_base !== statBase || v.status === 'no data') continue;
    const key = v.outfall + '|' + v.period_start + '|' + v.period_end;
    let p = byPeriod.get(key);
    if (!p) {
      p = { x: Date.parse(v.period_end + 'T12:00:00+08:00'), reported: v.reported, unit: v.unit, limits: {}, exceeded: false };
      byPeriod.set(key, p);
    }
    if (v.limit > 0) p.limits[v.bound] = v.limit;
    if (v.status === 'exceeded') p.exceeded = true;
  }
  return [...byPeriod.values()].sort((a, b) => a.x - b.x);
}
