import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MetricRow, ReportData } from '@life-stats/core';
import { eachDate } from '@life-stats/core';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Debian's Chromium; `.ci/run` installs it, so CI always runs this file. */
const CHROMIUM = process.env.LIFE_STATS_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = path.join(ROOT, 'test-artifacts', 'report.png');

if (!HAVE_CHROMIUM) {
  console.warn(
    `\n*** SKIPPED: Chromium not found at ${CHROMIUM}: the report browser test did not run. ` +
      'Install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set LIFE_STATS_CHROMIUM. ***\n',
  );
}

const PLUGINS = {
  'steps.mjs': `export default { id: 'steps', apiVersion: 1, metric: { type: 'steps', unit: 'steps' }, async fetch() { return []; } };`,
  'sleep.mjs': `export default { id: 'sleep', apiVersion: 1, metric: { type: 'sleep', unit: 'h' }, async fetch() { return []; } };`,
};

const DATES = eachDate('2026-10-01', '2026-10-21');
const GAP = '2026-10-10';
const KNOWN = { date: '2026-10-15', value: 8123 };

/** Two users × two metrics over 21 days; me/steps has a gap on GAP and a known value on KNOWN.date. */
function seedRows(): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const [u, user] of ['me', 'ana'].entries()) {
    for (const [d, date] of DATES.entries()) {
      if (!(user === 'me' && date === GAP)) {
        const steps = user === 'me' && date === KNOWN.date ? KNOWN.value : 5000 + u * 1000 + ((d * 731) % 3000);
        rows.push({
          user_id: user,
          metric_type: 'steps',
          date,
          value: steps,
          timestamp: `${date}T23:00:00.000Z`,
          source: 'steps',
        });
      }
      const hours = 6 + ((d + u * 3) % 5) * 0.5;
      rows.push({
        user_id: user,
        metric_type: 'sleep',
        date,
        value: hours,
        timestamp: `${date}T23:00:00.000Z`,
        source: 'sleep',
      });
    }
  }
  return rows;
}

describe.skipIf(!HAVE_CHROMIUM)('life-stats report in a real browser (Chromium)', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    const dir = tempDir('life-stats-report-');
    for (const [name, text] of Object.entries(PLUGINS)) writeFileSync(path.join(dir, name), text);
    writeFileSync(
      path.join(dir, 'life-stats.config.json'),
      JSON.stringify({
        timezone: 'UTC',
        storage: { type: 'sqlite', path: 'ls.db' },
        secrets: { type: 'file', path: 'secrets.json' },
        users: [{ id: 'me' }, { id: 'ana' }],
        plugins: [{ use: './steps.mjs' }, { use: './sleep.mjs' }],
      }),
    );
    const storage = createSqliteStorage({ path: path.join(dir, 'ls.db') });
    await storage.putMetrics(seedRows());
    await storage.close();

    const ok = await runCli(['report', '--out', 'out/report.html'], { cwd: dir });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    file = ok.stdout.trim();
    expect(file).toBe(path.join(dir, 'out', 'report.html'));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens offline with no console errors, one chart per user × metric, hover values, gaps not drawn as zero', async () => {
    const html = readFileSync(file, 'utf8');
    const data = JSON.parse(
      /<script type="application\/json" id="life-stats-data">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null',
    ) as ReportData;
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });

    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(
      () => (globalThis as unknown as { lifeStatsCharts?: unknown[] }).lifeStatsCharts?.length === 4,
    );

    expect(await page.locator('.chart-card canvas').count()).toBe(4);
    expect(await page.locator('.chart-card h2').allTextContents()).toEqual([
      'ana · sleep (h)',
      'ana · steps (steps)',
      'me · sleep (h)',
      'me · steps (steps)',
    ]);
    const meSteps = 3;
    expect(await page.locator(`#chart-${meSteps}`).getAttribute('data-user')).toBe('me');
    expect(await page.locator(`#chart-${meSteps} [data-figure="best"]`).textContent()).toBe(
      `8,123 steps ${KNOWN.date}`,
    );

    // Where a day sits on the chart, in page pixels.
    const pointOf = async (chart: number, date: string) =>
      page.evaluate(
        ({ chart, date }) => {
          const u = (
            globalThis as unknown as {
              lifeStatsCharts: {
                over: { getBoundingClientRect(): { left: number; top: number; height: number } };
                valToPos(v: number, s: string): number;
              }[];
            }
          ).lifeStatsCharts[chart];
          if (!u) throw new Error(`no chart ${chart}`);
          const box = u.over.getBoundingClientRect();
          return { x: box.left + u.valToPos(Date.parse(`${date}T00:00:00Z`) / 1000, 'x'), y: box.top + box.height / 2 };
        },
        { chart, date },
      );
    const readout = page.locator(`#readout-${meSteps}`);
    await page.locator(`#chart-${meSteps}`).scrollIntoViewIfNeeded();

    const known = await pointOf(meSteps, KNOWN.date);
    await page.mouse.move(known.x, known.y);
    await expect.poll(() => readout.getAttribute('data-date')).toBe(KNOWN.date);
    expect(await readout.textContent()).toContain(`${KNOWN.date}: 8,123 steps`);
    // uPlot's own legend shows the same value.
    expect(await page.locator(`#chart-${meSteps} .u-legend .u-series`).nth(1).textContent()).toContain('8,123 steps');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const gapIndex = DATES.indexOf(GAP);
    expect(data.charts[meSteps]?.dates[gapIndex]).toBe(GAP);
    expect(data.charts[meSteps]?.values[gapIndex]).toBeNull();
    const gap = await pointOf(meSteps, GAP);
    await page.mouse.move(gap.x, gap.y);
    await expect.poll(() => readout.getAttribute('data-date')).toBe(GAP);
    expect(await readout.getAttribute('data-value')).toBe('');
    expect(await readout.textContent()).toContain(`${GAP}: — (no value)`);
    expect(await page.locator(`#chart-${meSteps} .u-legend .u-series`).nth(1).textContent()).toContain('—');
    // The series uPlot draws holds null there, not 0, and does not bridge the gap.
    const drawn = await page.evaluate(
      ({ chart, i }) => {
        const u = (
          globalThis as unknown as { lifeStatsCharts: { data: unknown[][]; series: { spanGaps?: boolean }[] }[] }
        ).lifeStatsCharts[chart];
        return { value: u?.data[1]?.[i], spanGaps: u?.series[1]?.spanGaps };
      },
      { chart: meSteps, i: gapIndex },
    );
    expect(drawn).toEqual({ value: null, spanGaps: false });

    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    if (process.env.LIFE_STATS_UPDATE_DOCS_SCREENSHOT) {
      // The README picture: the chart with the gap, hovered on the known day.
      await page.mouse.move(known.x, known.y);
      const docs = path.join(ROOT, 'docs', 'report.png');
      await page.locator(`#chart-${meSteps}`).screenshot({ path: docs });
      copyFileSync(docs, path.join(ROOT, 'test-artifacts', 'report-docs.png'));
    }
    await page.close();
  });
});
