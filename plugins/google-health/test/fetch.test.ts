import type { FakeGoogle, FakeGoogleOptions } from '@life-stats/testing/fake-google';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { DATA_TYPE_NAMES, type HealthDataTypeName } from '../src/index.js';
import { dates, EXPECTED, healthContext, startSampleGoogle } from './support.js';

let google: FakeGoogle | undefined;

afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function fake(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  google = await startSampleGoogle(options);
  return google;
}

type RollUpBody = { range: { start: { date: Record<string, number> }; end: { date: Record<string, number> } } };
const ymd = (d: Record<string, number>) =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

describe('google-health: every data type, converted to its unit', () => {
  it.each(DATA_TYPE_NAMES)(
    '%s: the sample week gives the documented value, under the metric of the table',
    async (dataType) => {
      const g = await fake();
      const { ctx } = healthContext(g, dataType);

      expect(await plugin.fetch(ctx)).toEqual(EXPECTED[dataType]);
      expect(ctx.metric).toBe(plugin.dataTypes?.[dataType]?.metric);
      // Only this data type's endpoint was asked.
      const paths = new Set(g.requestsTo('health').map((r) => r.path));
      expect([...paths]).toEqual([
        dataType === 'sleep'
          ? '/v4/users/me/dataTypes/sleep/dataPoints:reconcile'
          : `/v4/users/me/dataTypes/${dataType}/dataPoints:dailyRollUp`,
      ]);
    },
  );

  it('declares the metric and unit of DESIGN.md for each data type', () => {
    const table = Object.fromEntries(
      Object.entries(plugin.dataTypes ?? {}).map(([name, type]) => [name, `${type.metric} (${type.unit})`]),
    );
    expect(table).toEqual({
      steps: 'steps (count)',
      distance: 'distance_m (m)',
      floors: 'floors (count)',
      'active-energy-burned': 'active_energy_kcal (kcal)',
      'total-calories': 'total_energy_kcal (kcal)',
      'active-minutes': 'active_minutes (min)',
      'heart-rate': 'heart_rate_avg_bpm (bpm)',
      weight: 'weight_kg (kg)',
      'body-fat': 'body_fat_pct (%)',
      'hydration-log': 'water_ml (ml)',
      sleep: 'sleep_minutes (min)',
    });
  });
});

describe('google-health: a true zero is 0, a day without a device is absent', () => {
  it.each(['no-value', 'omit'] as const)(
    'stores 0 for a worn, idle day and nothing for an unworn day (Google answering the empty day with %s)',
    async (healthEmptyDays) => {
      const g = await fake({
        healthEmptyDays,
        steps: [
          { at: '2026-11-18T09:00:00Z', steps: 0 }, // worn, did not walk: Google's "true zero"
          { at: '2026-11-20T09:00:00Z', steps: 321 },
        ],
        health: {
          records: [
            { type: 'distance', at: '2026-11-18T09:00:00Z', value: 0 },
            { type: 'floors', at: '2026-11-19T09:00:00Z', value: 0 },
            { type: 'total-calories', at: '2026-11-19T09:00:00Z', value: 0 },
          ],
        },
      });
      const window = { start: '2026-11-18', end: '2026-11-21' };
      const read = (dataType: HealthDataTypeName) => plugin.fetch(healthContext(g, dataType, { window }).ctx);

      expect(await read('steps')).toEqual([
        { date: '2026-11-18', value: 0 },
        { date: '2026-11-20', value: 321 },
      ]);
      expect(await read('distance')).toEqual([{ date: '2026-11-18', value: 0 }]);
      expect(await read('floors')).toEqual([{ date: '2026-11-19', value: 0 }]);
      expect(await read('total-calories')).toEqual([{ date: '2026-11-19', value: 0 }]);
      expect(await read('weight')).toEqual([]);
    },
  );
});

describe('google-health: range limits and paging', () => {
  it('splits 45 days of heart rate into roll-ups of at most 14 days and of distance into one, with no gap or overlap', async () => {
    const days = dates('2026-10-01', 45);
    const g = await fake({
      health: {
        records: days.flatMap((day, i) => [
          { type: 'heart-rate' as const, at: `${day}T12:00:00Z`, value: 50 + i },
          { type: 'distance' as const, at: `${day}T12:00:00Z`, value: 1000 * (i + 1) },
        ]),
      },
    });
    const window = { start: days[0] as string, end: days.at(-1) as string };

    const heart = await plugin.fetch(healthContext(g, 'heart-rate', { window }).ctx);
    const distance = await plugin.fetch(healthContext(g, 'distance', { window }).ctx);

    expect(heart.map((o) => o.date)).toEqual(days);
    expect(heart.map((o) => o.value)).toEqual(days.map((_, i) => 50 + i));
    expect(distance.map((o) => o.value)).toEqual(days.map((_, i) => i + 1));
    const ranges = (type: string) =>
      g
        .requestsTo('health')
        .filter((r) => r.path.includes(`/${type}/`))
        .map((r) => (r.json as RollUpBody).range)
        .map((range) => [ymd(range.start.date), ymd(range.end.date)]);
    expect(ranges('heart-rate')).toEqual([
      ['2026-10-01', '2026-10-15'],
      ['2026-10-15', '2026-10-29'],
      ['2026-10-29', '2026-11-12'],
      ['2026-11-12', '2026-11-15'],
    ]);
    expect(ranges('distance')).toEqual([['2026-10-01', '2026-11-15']]);
  });

  it('follows nextPageToken through every page Google cuts a roll-up into', async () => {
    const days = dates('2026-09-01', 60);
    const g = await fake({
      health: {
        rollupPageSize: 25,
        records: days.map((day, i) => ({ type: 'floors' as const, at: `${day}T08:00:00Z`, value: i })),
      },
    });
    const window = { start: days[0] as string, end: days.at(-1) as string };

    const floors = await plugin.fetch(healthContext(g, 'floors', { window }).ctx);

    expect(floors.map((o) => o.value)).toEqual(days.map((_, i) => i));
    const tokens = g.requestsTo('health').map((r) => (r.json as { pageToken?: string }).pageToken);
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBeUndefined();
    expect(tokens.slice(1).every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
  });
});

describe('google-health: sleep', () => {
  it('counts a night on the day it ends, in the zone it was slept in, naps added, across DST', async () => {
    const g = await fake({
      health: {
        sleeps: [
          // 22:30 → 06:15 New York time, across the 2026-11-01 change to EST: ends on Nov 1.
          {
            start: '2026-10-31T22:30:00-04:00',
            end: '2026-11-01T06:15:00-05:00',
            minutesAsleep: 450,
            timeZone: 'America/New_York',
          },
          {
            start: '2026-11-01T15:00:00-05:00',
            end: '2026-11-01T15:30:00-05:00',
            minutesAsleep: 25,
            nap: true,
            timeZone: 'America/New_York',
          },
          // Starts before the window, ends on its first day: that day's.
          {
            start: '2026-10-30T23:00:00-04:00',
            end: '2026-10-31T07:00:00-04:00',
            minutesAsleep: 400,
            timeZone: 'America/New_York',
          },
          // A night on the window's last evening that ends the next morning: not this window's.
          {
            start: '2026-11-02T23:00:00-05:00',
            end: '2026-11-03T06:00:00-05:00',
            minutesAsleep: 380,
            timeZone: 'America/New_York',
          },
        ],
      },
    });
    const { ctx } = healthContext(g, 'sleep', {
      timezone: 'America/New_York',
      window: { start: '2026-10-31', end: '2026-11-02' },
    });

    expect(await plugin.fetch(ctx)).toEqual([
      { date: '2026-10-31', value: 400 },
      { date: '2026-11-01', value: 475 },
    ]);
    const [request] = g.requestsTo('health');
    expect(request?.query.filter).toBe(
      'sleep.interval.civil_end_time >= "2026-10-31" AND sleep.interval.civil_end_time < "2026-11-03"',
    );
    expect(request?.query.pageSize).toBe('25');
  });

  it('drops sessions outside the window that a proxy returns despite the filter', async () => {
    const g = await fake({ health: { ignoreSleepFilter: true } });
    g.health.addSleeps([
      { start: '2026-11-25T23:00:00Z', end: '2026-11-26T07:00:00Z', minutesAsleep: 400 }, // ends after the window
      { start: '2026-11-16T23:00:00Z', end: '2026-11-17T07:00:00Z', minutesAsleep: 410 }, // before it
    ]);

    expect(await plugin.fetch(healthContext(g, 'sleep').ctx)).toEqual([{ date: '2026-11-20', value: 455 }]);
  });

  it('counts a session Google has not summarised yet from its asleep stages (AWAKE excluded)', async () => {
    const g = await fake({
      health: {
        sleeps: [
          {
            start: '2026-11-21T23:00:00Z',
            end: '2026-11-22T01:00:00Z',
            minutesAsleep: 0,
            stagesOnly: [
              { type: 'LIGHT', start: '2026-11-21T23:00:00Z', end: '2026-11-22T00:00:00Z' },
              { type: 'AWAKE', start: '2026-11-22T00:00:00Z', end: '2026-11-22T00:10:00Z' },
              { type: 'DEEP', start: '2026-11-22T00:10:00Z', end: '2026-11-22T00:40:00Z' },
              { type: 'REM', start: '2026-11-22T00:40:00Z', end: '2026-11-22T01:00:00Z' },
            ],
          },
        ],
      },
    });

    expect(await plugin.fetch(healthContext(g, 'sleep').ctx)).toEqual([{ date: '2026-11-22', value: 110 }]);
  });

  it('follows the pages of 25 sessions through 45 nights', async () => {
    const nights = dates('2026-09-01', 45);
    const g = await fake({
      health: {
        sleeps: nights.map((day, i) => ({
          start: `${day}T22:00:00Z`,
          end: new Date(Date.parse(`${day}T22:00:00Z`) + 8 * 3600_000).toISOString(),
          minutesAsleep: 400 + i,
        })),
      },
    });
    const window = { start: '2026-09-02', end: '2026-10-16' };

    const sleep = await plugin.fetch(healthContext(g, 'sleep', { window }).ctx);

    expect(sleep.map((o) => o.date)).toEqual(dates('2026-09-02', 45));
    expect(sleep.map((o) => o.value)).toEqual(nights.map((_, i) => 400 + i));
    expect(g.requestsTo('health').map((r) => r.query.pageToken)).toEqual([undefined, '25']);
  });
});
