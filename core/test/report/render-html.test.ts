import { describe, expect, it } from 'vitest';
import { loadChartAssets } from '../../src/report/assets.js';
import { buildReport } from '../../src/report/build-report.js';
import { renderReportHtml } from '../../src/report/render-html.js';
import { createSqliteStorage } from '../../src/storage/sqlite.js';

const EVIL = '<img src=x onerror=alert(1)>"&\'</script>';

async function reportOf(rows: { user: string; metric: string; date: string; value: number }[]) {
  const storage = createSqliteStorage({ path: ':memory:' });
  await storage.putMetrics(
    rows.map((r) => ({
      user_id: r.user,
      metric_type: r.metric,
      date: r.date,
      value: r.value,
      timestamp: '2026-11-25T00:00:00.000Z',
      source: 'test',
    })),
  );
  try {
    return await buildReport({ storage, now: new Date('2026-11-25T12:00:00Z') });
  } finally {
    await storage.close();
  }
}

describe('buildReport', () => {
  it('makes one chart per user × metric over one shared range, gaps as null', async () => {
    const data = await reportOf([
      { user: 'me', metric: 'steps', date: '2026-11-01', value: 100 },
      { user: 'me', metric: 'steps', date: '2026-11-03', value: 300 },
      { user: 'ana', metric: 'steps', date: '2026-11-04', value: 50 },
    ]);
    expect(data.from).toBe('2026-11-01');
    expect(data.to).toBe('2026-11-04');
    expect(data.charts.map((c) => [c.user, c.metric])).toEqual([
      ['ana', 'steps'],
      ['me', 'steps'],
    ]);
    expect(data.charts[1]?.values).toEqual([100, null, 300, null]);
    expect(data.charts[1]?.average7).toEqual([100, 100, 200, 200]);
    expect(data.charts[1]?.summary.best).toEqual({ date: '2026-11-03', value: 300 });
  });
});

describe('renderReportHtml', () => {
  it('escapes user ids and metrics in the page and in the embedded JSON, and inlines everything', async () => {
    const data = await reportOf([{ user: EVIL, metric: 'steps', date: '2026-11-01', value: 1 }]);
    const html = renderReportHtml(data, await loadChartAssets());
    expect(html).not.toContain('<img src=x');
    // In the page, as character references of its five HTML-special characters.
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;&#34;&#38;&#39;&#60;/script&#62;');
    // The only closing script tags are the three the page itself has.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const json = /<script type="application\/json" id="life-stats-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(JSON.parse(json).charts[0].user).toBe(EVIL);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/);
    expect(html).toContain('uPlot');
  });

  it('escapes for script embedding: no tag, comment or JS line separator survives in the embedded JSON', async () => {
    const user = '</script><!--\u2028&';
    const html = renderReportHtml(await reportOf([{ user, metric: 'steps', date: '2026-11-01', value: 1 }]), {
      script: '',
      css: '',
    });
    const json = /<script type="application\/json" id="life-stats-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(json).toContain('"user":"\\u003c/script\\u003e\\u003c!--\\u2028\\u0026"');
    expect(JSON.parse(json).charts[0].user).toBe(user);
  });

  it('says so when nothing matches', async () => {
    const html = renderReportHtml(await reportOf([]), await loadChartAssets());
    expect(html).toContain('No stored values match');
    expect(html).not.toContain('class="chart-card"');
  });
});
