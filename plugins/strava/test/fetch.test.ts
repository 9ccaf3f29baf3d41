import { resolveEntryMetric } from '@life-stats/core';
import type { FakeStrava, FakeStravaActivity } from '@life-stats/testing/fake-strava';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { DATA_TYPE_NAMES, PER_PAGE, windowQuery } from '../src/index.js';
import { EXPECTED, REFRESH, startSampleStrava, stravaContext } from './support.js';

/**
 * Every data type against the fake Strava: values and units, the widened `after`/`before` query,
 * paging past a full page, empty days, `sportTypes`, private activities, and an athlete in
 * Pacific/Auckland whose 23:30 activity counts on its local day.
 */
let strava: FakeStrava;
afterEach(() => strava?.close());

const UNITS = {
  distance: ['distance_m', 'm'],
  'moving-time': ['moving_minutes', 'min'],
  activities: ['activities', 'count'],
  'elevation-gain': ['elevation_gain_m', 'm'],
} as const;

const epoch = (iso: string) => Date.parse(iso) / 1000;

describe('strava data types', () => {
  it('declares the metric and unit of DESIGN.md for every data type', () => {
    expect(DATA_TYPE_NAMES).toEqual(Object.keys(UNITS));
    for (const dataType of DATA_TYPE_NAMES) {
      const { metric, unit } = resolveEntryMetric(plugin, { dataType });
      expect([metric, unit], dataType).toEqual(UNITS[dataType]);
    }
    expect(resolveEntryMetric(plugin, {}).metric).toBe('distance_m');
  });

  it("stores each data type's sum (or count) per start_date_local day, in its unit, and nothing outside the window", async () => {
    strava = await startSampleStrava();
    for (const dataType of DATA_TYPE_NAMES) {
      expect(await plugin.fetch(stravaContext(strava, dataType).ctx), dataType).toEqual(EXPECTED[dataType]);
    }
  });

  it('asks for the window widened by a day each side in epoch seconds, 200 a page, with the bearer token', async () => {
    strava = await startSampleStrava();
    await plugin.fetch(stravaContext(strava, 'distance').ctx);
    const [request, ...more] = strava.apiRequests();
    expect(more).toEqual([]);
    expect(request?.query).toEqual({
      after: String(epoch('2026-11-17T00:00:00Z')),
      before: String(epoch('2026-11-27T00:00:00Z')),
      page: '1',
      per_page: String(PER_PAGE),
    });
    expect(String(request?.headers.authorization)).toMatch(/^Bearer fake-access-/);
    expect(windowQuery({ start: '2026-01-01', end: '2026-01-01' })).toEqual({
      after: epoch('2025-12-31T00:00:00Z'),
      before: epoch('2026-01-03T00:00:00Z'),
    });
  });

  it('follows page after page until a short or an empty page', async () => {
    // 450 activities over 90 days, five a day: pages of 200, 200 and 50.
    const activities: FakeStravaActivity[] = Array.from({ length: 450 }, (_, i) => ({
      start: new Date(
        Date.parse('2026-08-01T06:00:00Z') + Math.floor(i / 5) * 86_400_000 + (i % 5) * 3_600_000,
      ).toISOString(),
      distance: 1000 + i,
      movingTime: 600,
    }));
    strava = await startSampleStrava({ athlete: { activities } });
    const window = { start: '2026-08-01', end: '2026-10-29' };
    const count = await plugin.fetch(stravaContext(strava, 'activities', { window }).ctx);
    expect(count).toHaveLength(90);
    expect(count.every((o) => o.value === 5)).toBe(true);
    const distance = await plugin.fetch(stravaContext(strava, 'distance', { window }).ctx);
    expect(distance[0]).toEqual({ date: '2026-08-01', value: 1000 + 1001 + 1002 + 1003 + 1004 });
    expect(distance.at(-1)).toEqual({ date: '2026-10-29', value: 5 * 1000 + 445 + 446 + 447 + 448 + 449 });
    const pages = strava.apiRequests().slice(0, 3);
    expect(pages.map((p) => p.query.page)).toEqual(['1', '2', '3']);
    expect(strava.apiRequests()).toHaveLength(6);

    // Exactly a full page: one more request finds the empty page that ends it.
    strava.close();
    strava = await startSampleStrava({ athlete: { activities: activities.slice(0, PER_PAGE) } });
    expect((await plugin.fetch(stravaContext(strava, 'activities', { window }).ctx)).length).toBe(40);
    expect(strava.apiRequests().map((r) => r.query.page)).toEqual(['1', '2']);
  });

  it('stores no row for a day without activities — never a zero — and nothing for an athlete without any', async () => {
    strava = await startSampleStrava();
    const stored = (await plugin.fetch(stravaContext(strava, 'activities').ctx)).map((o) => o.date);
    expect(stored).toEqual(['2026-11-18', '2026-11-20', '2026-11-22', '2026-11-25']);
    strava.close();
    strava = await startSampleStrava({ athlete: { activities: [] } });
    for (const dataType of DATA_TYPE_NAMES) expect(await plugin.fetch(stravaContext(strava, dataType).ctx)).toEqual([]);
  });

  it('keeps only the sportTypes asked for', async () => {
    strava = await startSampleStrava();
    const runs = await plugin.fetch(stravaContext(strava, 'distance', { sportTypes: ['Run', 'TrailRun'] }).ctx);
    expect(runs).toEqual([
      { date: '2026-11-18', value: 5012.4 },
      { date: '2026-11-22', value: 12_345.6 },
    ]);
    const rides = await plugin.fetch(stravaContext(strava, 'activities', { sportTypes: ['Ride'] }).ctx);
    expect(rides).toEqual([{ date: '2026-11-20', value: 1 }]);
    expect(await plugin.fetch(stravaContext(strava, 'activities', { sportTypes: ['Rowing'] }).ctx)).toEqual([]);
  });

  it('a grant with activity:read only misses "Only You" activities (why the plugin asks for read_all)', async () => {
    strava = await startSampleStrava({ grants: { [REFRESH]: ['read', 'activity:read'] } });
    const stored = (await plugin.fetch(stravaContext(strava, 'activities').ctx)).map((o) => o.date);
    expect(stored).not.toContain('2026-11-22');
    expect(plugin.oauth?.scopes).toEqual(['activity:read_all']);
  });

  it("stores a Pacific/Auckland athlete's activities on their local dates: 23:30 counts on that day", async () => {
    const auckland: FakeStravaActivity[] = [
      // 23:30 on the 20th in Auckland (NZDT, +13), 10:30 UTC on the 20th.
      { start: '2026-11-20T10:30:00Z', distance: 2030, movingTime: 900 },
      // 00:30 on the 21st in Auckland, still the 20th in UTC (11:30): the 21st, outside the window.
      { start: '2026-11-20T11:30:00Z', distance: 2100, movingTime: 900 },
      // 06:00 on the 20th in Auckland is 17:00 UTC on the 19th: the 20th.
      { start: '2026-11-19T17:00:00Z', distance: 600, movingTime: 300 },
      // 20:00 on the 19th in Auckland: the 19th, outside the window.
      { start: '2026-11-19T07:00:00Z', distance: 1900, movingTime: 300 },
    ];
    strava = await startSampleStrava({ athlete: { timezone: 'Pacific/Auckland', activities: auckland } });
    const window = { start: '2026-11-20', end: '2026-11-20' };
    const options = { timezone: 'Pacific/Auckland', window };
    expect(await plugin.fetch(stravaContext(strava, 'distance', options).ctx)).toEqual([
      { date: '2026-11-20', value: 2630 },
    ]);
    expect(await plugin.fetch(stravaContext(strava, 'activities', options).ctx)).toEqual([
      { date: '2026-11-20', value: 2 },
    ]);
    expect(await plugin.fetch(stravaContext(strava, 'moving-time', options).ctx)).toEqual([
      { date: '2026-11-20', value: 20 },
    ]);
  });

  it('check() refreshes the token and reads the last two days of the entry', async () => {
    const today = new Date().toISOString().slice(0, 10);
    strava = await startSampleStrava({ athlete: { activities: [{ start: `${today}T00:30:00Z`, distance: 10 }] } });
    const { ctx, logs } = stravaContext(strava, 'distance');
    await plugin.check?.(ctx);
    expect(strava.requestsTo('token')).toHaveLength(1);
    expect(strava.apiRequests()).toHaveLength(1);
    expect(logs.map((l) => l.message).join('\n')).toContain('Strava answered for distance on');
    expect(logs.map((l) => l.message).join('\n')).toContain('1 day(s) with activities');
  });
});
