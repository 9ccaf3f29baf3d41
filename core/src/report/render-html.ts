import type { ChartAssets } from './assets.js';
import type { ReportChart, ReportData } from './build-report.js';

/** Text for HTML content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a `<script>` element: no `</script>`, no `<!--`, no JS line separators. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inlined code must not close its own `<script>`/`<style>` element early. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function figure(value: number | undefined, unit: string | undefined): string {
  if (value === undefined) return '—';
  return escapeHtml(unit ? `${NUMBER.format(value)} ${unit}` : NUMBER.format(value));
}

function summaryHtml(chart: ReportChart): string {
  const s = chart.summary;
  const change =
    s.changePercent === undefined ? '—' : `${s.changePercent >= 0 ? '+' : ''}${NUMBER.format(s.changePercent)} %`;
  const best = s.best
    ? `${figure(s.best.value, chart.unit)} <span class="date">${escapeHtml(s.best.date)}</span>`
    : '—';
  return `<dl class="summary">
      <div><dt>Average</dt><dd data-figure="average">${figure(s.average, chart.unit)}</dd></div>
      <div><dt>Best day</dt><dd data-figure="best">${best}</dd></div>
      <div><dt>Last 7 days</dt><dd data-figure="last7">${figure(s.last7, chart.unit)}</dd></div>
      <div><dt>vs the 7 before</dt><dd data-figure="change">${escapeHtml(change)}</dd></div>
      <div><dt>Days with data</dt><dd data-figure="days">${s.days} / ${chart.dates.length}</dd></div>
    </dl>`;
}

function chartHtml(chart: ReportChart, i: number): string {
  const unit = chart.unit ? ` <span class="unit">(${escapeHtml(chart.unit)})</span>` : '';
  return `<section class="chart-card" id="chart-${i}" data-user="${escapeHtml(chart.user)}" data-metric="${escapeHtml(chart.metric)}">
    <h2><span class="user">${escapeHtml(chart.user)}</span> · <span class="metric">${escapeHtml(chart.metric)}</span>${unit}</h2>
    ${summaryHtml(chart)}
    <p class="readout" id="readout-${i}" aria-live="polite">Hover the chart to see a day's value.</p>
    <div class="plot" id="plot-${i}"></div>
  </section>`;
}

/** Runs in the page: draws each chart from the embedded JSON and mirrors the hovered day into its readout. */
const CLIENT = `(function () {
  var data = JSON.parse(document.getElementById('life-stats-data').textContent);
  var format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  function fmt(v) { return v == null ? '\\u2014' : format.format(v); }
  var charts = [];
  data.charts.forEach(function (c, i) {
    var el = document.getElementById('plot-' + i);
    var readout = document.getElementById('readout-' + i);
    var unit = c.unit ? ' ' + c.unit : '';
    // Days at UTC midnight, shown in UTC: a stored date is a calendar day, not an instant.
    var xs = c.dates.map(function (d) { return Date.parse(d + 'T00:00:00Z') / 1000; });
    var opts = {
      width: Math.max(320, el.clientWidth || 800),
      height: 260,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'UTC'); },
      scales: { x: { time: true } },
      series: [
        { label: 'Date', value: function (u, v) { return v == null ? '\\u2014' : new Date(v * 1000).toISOString().slice(0, 10); } },
        { label: c.metric, stroke: '#2563eb', width: 1.5, spanGaps: false,
          points: { show: true, size: 5, fill: '#2563eb' },
          value: function (u, v) { return v == null ? '\\u2014' : fmt(v) + unit; } },
        { label: '7-day average', stroke: '#f97316', width: 2, dash: [6, 4], spanGaps: false, points: { show: false },
          value: function (u, v) { return v == null ? '\\u2014' : fmt(v) + unit; } }
      ],
      axes: [{}, { label: c.unit || '', size: 60 }],
      hooks: {
        setCursor: [function (u) {
          var idx = u.cursor.idx;
          if (idx == null || c.dates[idx] === undefined) {
            readout.dataset.date = '';
            readout.dataset.value = '';
            readout.textContent = "Hover the chart to see a day's value.";
            return;
          }
          var v = c.values[idx];
          readout.dataset.date = c.dates[idx];
          readout.dataset.value = v == null ? '' : String(v);
          readout.textContent = c.dates[idx] + ': ' + (v == null ? '\\u2014 (no value)' : fmt(v) + unit) +
            ' \\u00b7 7-day average ' + fmt(c.average7[idx]) + (c.average7[idx] == null ? '' : unit);
        }]
      }
    };
    charts.push(new uPlot(opts, [xs, c.values, c.average7], el));
  });
  window.lifeStatsCharts = charts;
  var resizing;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      charts.forEach(function (u, i) {
        u.setSize({ width: Math.max(320, document.getElementById('plot-' + i).clientWidth), height: 260 });
      });
    }, 100);
  });
})();`;

const CSS = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; }
  body { margin: 0; background: #f8fafc; }
  header, main { max-width: 1000px; margin: 0 auto; padding: 1rem 1.25rem; }
  header h1 { margin: 0.5rem 0 0; font-size: 1.5rem; }
  header p { margin: 0.25rem 0 0; color: #64748b; }
  .chart-card { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 1rem; margin-bottom: 1.25rem; }
  .chart-card h2 { margin: 0 0 0.5rem; font-size: 1.1rem; }
  .unit { color: #64748b; font-weight: normal; }
  .summary { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin: 0 0 0.5rem; }
  .summary dt { font-size: 0.75rem; color: #64748b; text-transform: uppercase; letter-spacing: 0.03em; }
  .summary dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
  .summary .date { font-weight: normal; color: #64748b; }
  .readout { margin: 0 0 0.25rem; min-height: 1.3em; font-variant-numeric: tabular-nums; color: #334155; }
  .plot { width: 100%; }
  .empty { color: #64748b; }
`;

/** The whole report: one HTML file with the data, the chart library and its styles inlined. */
export function renderReportHtml(data: ReportData, assets: ChartAssets): string {
  const body =
    data.charts.length === 0
      ? '<p class="empty">No stored values match. Run <code>life-stats run</code> to collect data, or widen --from/--to.</p>'
      : data.charts.map(chartHtml).join('\n  ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>life-stats report ${escapeHtml(data.from)} – ${escapeHtml(data.to)}</title>
<style>${inlineSafe(assets.css, 'style')}</style>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>life-stats</h1>
  <p>${escapeHtml(data.from)} to ${escapeHtml(data.to)} · generated ${escapeHtml(data.generatedAt)} · dots are stored days, gaps are days with no value, the dashed line is the 7-day average</p>
</header>
<main>
  ${body}
</main>
<script type="application/json" id="life-stats-data">${jsonForScript(data)}</script>
<script>${inlineSafe(assets.script, 'script')}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}
