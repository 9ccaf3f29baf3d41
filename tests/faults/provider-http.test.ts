import { eachDate } from '@life-stats/core';
import { FAST_RETRY } from '@life-stats/testing/engine';
import { describe, expect } from 'vitest';
import { faultCase } from './support/case.js';
import {
  cleanUpAfterEach,
  fullWeek,
  gaps,
  only,
  rateLimited,
  rig,
  Source,
  serverError,
  T0,
  T1,
  WINDOW,
} from './support/google-rig.js';
import { sqliteRows } from './support/rows.js';

cleanUpAfterEach();

describe('provider faults (Google plugins, real engine, SQLite)', () => {
  faultCase(
    'provider',
    '429 with Retry-After: 1 — waits at least 1 s before retrying; out of retries → failed, cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      // Rate limited on both attempts of a run allowed one retry.
      r.google.inject('health', rateLimited('1'), 2);
      const first = only(await r.run(T0, { retry: { ...FAST_RETRY, retries: 1 } }));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/429/);
      const waited = gaps(r.google.requestTimes('health'));
      expect(waited).toHaveLength(1);
      expect(waited[0]).toBeGreaterThanOrEqual(990);
      expect(r.cursor()).toBeNull();
      expect(r.status()).toBe('failed');
      expect(sqliteRows(r.file)).toEqual([]);

      // Rate limited once more: the run waits Retry-After, retries, and completes.
      r.google.inject('health', rateLimited('1'), 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      const times = r.google.requestTimes('health');
      expect(times).toHaveLength(4);
      expect((times[3] as number) - (times[2] as number)).toBeGreaterThanOrEqual(990);
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase('provider', 'Retry-After as an HTTP date — no retry before that instant', async (c) => {
    const source = fullWeek();
    const r = await rig(c, { source });
    // An HTTP date has whole seconds: 2 s ahead means a wait of 1–2 s.
    const until = new Date(Date.now() + 2000).toUTCString();
    r.google.inject('health', rateLimited(until), 1);
    const summary = only(await r.run(T0));
    expect(summary.status).toBe('ok');
    const times = r.google.requestTimes('health');
    expect(times).toHaveLength(2);
    expect(times[1]).toBeGreaterThanOrEqual(Date.parse(until) - 10);
    c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
    expect(r.cursor()).toBe(T0);
    r.watchTokens();
  });

  faultCase('provider', 'a burst of 500/503 shorter than the retries is healed within the run', async (c) => {
    const source = fullWeek();
    const r = await rig(c, { source });
    r.google.inject('health', serverError(500), 1);
    r.google.inject('health', serverError(503), 1);
    r.google.inject('health', serverError(500), 1);
    const summary = only(await r.run(T0));
    expect(summary).toMatchObject({ status: 'ok', items: source.expected(['alice'], WINDOW).length });
    expect(r.google.requestsTo('health')).toHaveLength(4);
    c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
    expect(r.cursor()).toBe(T0);
    expect(r.status()).toBe('ok');
    r.watchTokens();
  });

  faultCase(
    'provider',
    'a burst of 503 longer than the retries → failed, cursor kept, nothing written; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      // 1 attempt + 3 retries, all 503, and one more waiting for the next run.
      r.google.inject('health', serverError(503), 5);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/503/);
      expect(r.google.requestsTo('health')).toHaveLength(4);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // The provider is still down for one more request: the next run retries past it.
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'connection reset (Fit) → retried, then failed with "could not reach"; cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { plugin: 'fit', source });
      r.google.inject('fit', { destroy: true }, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/could not reach 127\.0\.0\.1/);
      expect(r.google.requestsTo('fit')).toHaveLength(4);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // One reset left: healed by a retry within the next run.
      r.google.inject('fit', { destroy: true }, 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'a hang past the fetch timeout (Fit) → each attempt times out, failed; cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { plugin: 'fit', source });
      // Load the Fitness module before timing attempts (a cold import is not the fault under test).
      await import('googleapis/build/src/apis/fitness/v1.js');
      r.google.inject('fit', { hang: true }, 4);
      const started = Date.now();
      const first = only(await r.run(T0, { fetchTimeoutMs: 400 }));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/did not finish within 400 ms/);
      expect(r.google.requestsTo('fit')).toHaveLength(4);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 400 - 50);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      const second = only(await r.run(T1, { fetchTimeoutMs: 400 }));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'malformed JSON (200 with a truncated body, Health) → failed with a clear error, nothing written; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      const truncated =
        '{"rollupDataPoints":[{"civilStartTime":{"date":{"year":2026,"month":11,"day":18}},"steps":{"countSum":"10';
      const malformed = { status: 200, headers: { 'content-type': 'application/json' }, body: truncated };
      // Every attempt of the run (1 + 3 retries) gets the truncated answer.
      r.google.inject('health', malformed, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/answered HTTP 200 with a body that is not JSON .*nothing was stored/);
      expect(first.error).toMatch(/google-health-steps/);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // One more truncated answer: retried within the run.
      r.google.inject('health', malformed, 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'malformed JSON (200 with a truncated body, Fit) → failed with a clear error, nothing written; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { plugin: 'fit', source });
      const malformed = {
        status: 200,
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        body: '{"bucket":[{"startTimeMillis":"17',
      };
      r.google.inject('fit', malformed, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/answered HTTP 200 with a body that is not JSON .*nothing was stored/);
      expect(first.error).toMatch(/google-fit-steps/);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // One more truncated answer: retried within the run.
      r.google.inject('fit', malformed, 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  for (const healthEmptyDays of ['no-value', 'omit'] as const) {
    faultCase(
      'provider',
      `missing days (Health answers ${healthEmptyDays === 'omit' ? 'without the days' : 'days without a value'}) → no row, never a 0; data arriving within settleDays is collected next run`,
      async (c) => {
        // The phone synced nothing for 11-20, 11-23 and 11-24 yet.
        const source = new Source({
          '2026-11-18': 4200,
          '2026-11-19': 3900,
          '2026-11-21': 0, // worn, no step: a true zero is kept
          '2026-11-22': 8800,
          '2026-11-25': 1500,
        });
        const r = await rig(c, { source, healthEmptyDays });
        const first = only(await r.run(T0));
        expect(first).toMatchObject({ status: 'ok', items: 5 });
        c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
        expect(sqliteRows(r.file).map((row) => row.date)).not.toContain('2026-11-23');
        expect(r.cursor()).toBe(T0);

        // The next day the phone syncs 11-23 and 11-24 late (within settleDays 3), 11-25 grows, and 11-26 starts.
        const late = { '2026-11-23': 6100, '2026-11-24': 7300, '2026-11-26': 900 };
        for (const [date, steps] of Object.entries(late)) source.days.set(date, steps);
        r.google.addSteps(source.samples(Object.keys(late)));
        r.google.addSteps([{ at: '2026-11-25T20:00:00Z', steps: 250 }]);
        source.days.set('2026-11-25', 1750);
        const next = '2026-11-26T12:00:00.000Z';
        const second = only(await r.run(next));
        // [cursor date − settleDays, today]
        expect(second).toMatchObject({ status: 'ok', window: { start: '2026-11-22', end: '2026-11-26' } });
        c.checkRows(source.expected(['alice'], eachDate('2026-11-18', '2026-11-26')), sqliteRows(r.file));
        expect(sqliteRows(r.file).map((row) => row.date)).not.toContain('2026-11-20');
        expect(r.cursor()).toBe(next);
        r.watchTokens();
      },
    );
  }
});
