import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realisticExport } from '@life-stats/testing/apple-health-days';
import { describe, expect, it } from 'vitest';
import { clearSharedSummaries } from '../src/shared-summary.js';
import { cachePath } from '../src/summary-cache.js';
import { exportFile, fetchDays, HK, rec, tempFolder, WATCH } from './support.js';

const dir = tempFolder('life-stats-apple-shared-');
const window = { start: '2026-10-01', end: '2026-10-31' };
const day = (n: number, value: number) =>
  rec(
    HK.steps,
    WATCH,
    `2026-10-${String(n).padStart(2, '0')} 09:00:00 +0200`,
    `2026-10-${String(n).padStart(2, '0')} 09:10:00 +0200`,
    value,
    'count',
  );
const parses = (logs: { message: string }[]) => logs.filter((l) => l.message === 'parsed the export').length;
/** Twenty October days of realistic data (~9 MB): a parse long enough to abort in the middle. */
const bigExport = [...realisticExport({ from: '2026-10-05', days: 20, timeZone: 'Europe/Berlin' })];
const cacheFiles = (folder: string) =>
  readdirSync(folder).filter((name) => name.includes('.life-stats-') && name.endsWith('.json'));

describe('one parse for every entry on a file', () => {
  it('parses once for four concurrent entries, each getting its own data type', async () => {
    const folder = join(dir, 'four');
    mkdirSync(folder);
    const file = await exportFile(folder, [
      day(1, 100),
      rec(HK.water, 'WaterMinder', '2026-10-01 12:00:00 +0200', '2026-10-01 12:00:00 +0200', 330, 'mL'),
    ]);
    const results = await Promise.all(
      (['steps', 'water', 'weight', 'steps'] as const).map((dataType) => fetchDays(file, dataType, { window })),
    );
    expect(results.map((r) => r.days)).toEqual([
      { '2026-10-01': 100 },
      { '2026-10-01': 330 },
      {},
      { '2026-10-01': 100 },
    ]);
    expect(results.reduce((n, r) => n + parses(r.logs), 0)).toBe(1);
    expect(results.flatMap((r) => r.logs.map((l) => l.message))).toContain('export parsed once for several entries');
  });

  it('skips the parse of an unchanged export in a later process, and parses again once it changed', async () => {
    const folder = join(dir, 'later');
    mkdirSync(folder);
    const file = await exportFile(folder, [day(2, 200)]);
    expect(parses((await fetchDays(file, 'steps', { window })).logs)).toBe(1);
    const [cache] = cacheFiles(folder);
    expect(cache).toMatch(/^\.export-\d+\.xml\.life-stats-[0-9a-f]{12}\.json$/);
    expect(statSync(join(folder, cache!)).mode & 0o777).toBe(0o600);

    clearSharedSummaries(); // a new `life-stats run`
    const later = await fetchDays(file, 'steps', { window });
    expect(later.days).toEqual({ '2026-10-02': 200 });
    expect(parses(later.logs)).toBe(0);
    expect(later.logs.map((l) => l.message)).toContain('export unchanged since the cached parse');

    // The user exports again: a new size and modification time.
    clearSharedSummaries();
    writeFileSync(file, readFileSync(file, 'utf8').replace('value="200"', 'value="2500"'));
    const changed = await fetchDays(file, 'steps', { window });
    expect(changed.days).toEqual({ '2026-10-02': 2500 });
    expect(parses(changed.logs)).toBe(1);

    // Same size, newer mtime (edited in place): parsed again too.
    clearSharedSummaries();
    writeFileSync(file, readFileSync(file, 'utf8').replace('value="2500"', 'value="2600"'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await fetchDays(file, 'steps', { window })).days).toEqual({ '2026-10-02': 2600 });
  });

  it('keys the cache by time zone and sources as well', async () => {
    const folder = join(dir, 'keys');
    mkdirSync(folder);
    const file = await exportFile(folder, [day(3, 300)]);
    await fetchDays(file, 'steps', { window });
    clearSharedSummaries();
    const tokyo = await fetchDays(file, 'steps', { window, timezone: 'Asia/Tokyo' });
    expect(parses(tokyo.logs)).toBe(1);
    clearSharedSummaries();
    expect(parses((await fetchDays(file, 'steps', { window, sources: ['Oura'] })).logs)).toBe(1);
    expect(cacheFiles(folder)).toHaveLength(3);
  });

  it('carries on without a cache when it cannot be written, and ignores a corrupt one', async () => {
    const folder = join(dir, 'unwritable');
    mkdirSync(folder);
    const file = await exportFile(folder, [day(4, 400)]);
    await fetchDays(file, 'steps', { window });
    const [cache] = cacheFiles(folder);
    writeFileSync(join(folder, cache!), '{"format": "life-stats/apple-health-days", "summary": ');
    clearSharedSummaries();
    const corrupt = await fetchDays(file, 'steps', { window });
    expect(corrupt.days).toEqual({ '2026-10-04': 400 });
    expect(parses(corrupt.logs)).toBe(1);

    // A non-empty folder where the cache file goes makes the atomic rename fail, as a read-only
    // folder would (tests run as root, who may write anywhere).
    const other = await exportFile(folder, [day(5, 500)]);
    mkdirSync(join(cachePath({ path: other, timeZone: 'UTC', sources: [], size: 0, mtimeMs: 0 }), 'x'), {
      recursive: true,
    });
    const result = await fetchDays(other, 'steps', { window, timezone: 'UTC' });
    expect(result.days).toEqual({ '2026-10-05': 500 });
    expect(result.logs.map((l) => l.message)).toContain(
      'could not write the cache beside the export; later runs parse it again',
    );
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('does not keep a parse that failed: an aborted parse is started again by the next fetch', async () => {
    const folder = join(dir, 'aborted');
    mkdirSync(folder);
    const file = await exportFile(folder, bigExport);
    const controller = new AbortController();
    const first = fetchDays(file, 'steps', { window, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50)); // inside the parse (it takes ~0.5 s)
    controller.abort(new Error('shutting down'));
    await expect(first).rejects.toThrow('shutting down');
    // The parse stopped with its only waiter: no cache file appears (a finished parse writes one within ~0.5 s).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(cacheFiles(folder)).toEqual([]);
    const again = await fetchDays(file, 'steps', { window });
    expect(Object.keys(again.days)).toHaveLength(20);
    expect(parses(again.logs)).toBe(1);
  });

  it('lets one waiter give up without stopping the parse the others wait for', async () => {
    const folder = join(dir, 'waiters');
    mkdirSync(folder);
    const file = await exportFile(folder, bigExport);
    const controller = new AbortController();
    const leaving = fetchDays(file, 'steps', { window, signal: controller.signal });
    const staying = fetchDays(file, 'steps', { window });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('gave up'));
    await expect(leaving).rejects.toThrow('gave up');
    const stayed = await staying;
    expect(Object.keys(stayed.days)).toHaveLength(20);
    expect(parses(stayed.logs)).toBe(1);
  });

  it('keeps parsing after a fetch timed out, so the retry of core finds the parse instead of starting over', async () => {
    const folder = join(dir, 'timeout');
    mkdirSync(folder);
    const file = await exportFile(folder, bigExport);
    const controller = new AbortController();
    const first = fetchDays(file, 'steps', { window, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // What core's per-attempt timer aborts with (a FetchTimeoutError, code E_FETCH_TIMEOUT).
    controller.abort(Object.assign(new Error('fetch did not finish within 50 ms'), { code: 'E_FETCH_TIMEOUT' }));
    await expect(first).rejects.toThrow('did not finish');
    // With no one waiting, the parse still finishes and writes its cache file.
    const deadline = Date.now() + 15_000;
    while (cacheFiles(folder).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cacheFiles(folder)).toHaveLength(1);
    const retry = await fetchDays(file, 'steps', { window });
    expect(Object.keys(retry.days)).toHaveLength(20);
  });
});
