import { addDays, eachDate, resolveEntryMetric } from '@life-stats/core';
import type { FakeOura, OuraDateFilter, OuraUserData } from '@life-stats/testing/fake-oura';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { DATA_TYPE_NAMES, OURA_DATA_TYPES } from '../src/index.js';
import { EXPECTED, ouraContext, startSampleOura } from './support.js';

/**
 * Every data type against the fake Oura: its values, units and Oura's own days, the padded query
 * (under every reading of a date-only bound the field reports describe), `fields`, paging, empty
 * days, and a user in Pacific/Auckland whose days are not UTC's.
 */
let oura: FakeOura;
afterEach(() => oura?.close());

const UNITS = {
  steps: ['steps', 'count'],
  'active-calories': ['active_energy_kcal', 'kcal'],
  'sleep-score': ['sleep_score', 'points'],
  'readiness-score': ['readiness_score', 'points'],
  'activity-score': ['activity_score', 'points'],
  sleep: ['sleep_minutes', 'min'],
  'resting-heart-rate': ['resting_heart_rate_bpm', 'bpm'],
} as const;

const FILTERS: OuraDateFilter[] = ['end-exclusive', 'timestamp', 'start-exclusive'];

describe('oura data types', () => {
  it('declares the metric and unit of DESIGN.md for every data type', () => {
    expect(DATA_TYPE_NAMES).toEqual(Object.keys(UNITS));
    for (const dataType of DATA_TYPE_NAMES) {
      const { metric, unit } = resolveEntryMetric(plugin, { dataType });
      expect([metric, unit], dataType).toEqual(UNITS[dataType]);
    }
  });

  for (const filter of FILTERS) {
    it(`stores each data type's value on Oura's day, the window's edges included (date bounds read as ${filter})`, async () => {
      oura = await startSampleOura({ dateFilter: filter });
      for (const dataType of DATA_TYPE_NAMES) {
        const { ctx } = ouraContext(oura, dataType);
        expect(await plugin.fetch(ctx), dataType).toEqual(EXPECTED[dataType]);
      }
    });
  }

  it('asks for a day more on each side, only the fields it reads, with the bearer token', async () => {
    oura = await startSampleOura();
    for (const dataType of DATA_TYPE_NAMES) await plugin.fetch(ouraContext(oura, dataType).ctx);
    const requests = oura.apiRequests();
    expect(requests).toHaveLength(DATA_TYPE_NAMES.length);
    for (const [i, dataType] of DATA_TYPE_NAMES.entries()) {
      const type = OURA_DATA_TYPES[dataType];
      expect(requests[i]?.path).toBe(`/v2/usercollection/${type.collection}`);
      expect(requests[i]?.query).toEqual({
        start_date: '2026-11-17',
        end_date: '2026-11-26',
        fields: type.fields.join(','),
      });
      expect(String(requests[i]?.headers.authorization)).toMatch(/^Bearer fake-access-/);
    }
  });

  it('stores no row for a day without a document, a null score or an unanalysed sleep — never a zero', async () => {
    oura = await startSampleOura();
    const days = eachDate('2026-11-18', '2026-11-25');
    for (const dataType of DATA_TYPE_NAMES) {
      const stored = (await plugin.fetch(ouraContext(oura, dataType).ctx)).map((o) => o.date);
      // 2026-11-21's readiness and 2026-11-22's activity score are null, 2026-11-22 has only a deleted sleep,
      // 2026-11-25 a period without duration or heart rate: none of them is stored.
      expect(stored.filter((d) => !EXPECTED[dataType].some((e) => e.date === d))).toEqual([]);
      expect(stored.length, dataType).toBeLessThan(days.length);
    }
    oura.setUser(undefined, {});
    for (const dataType of DATA_TYPE_NAMES) expect(await plugin.fetch(ouraContext(oura, dataType).ctx)).toEqual([]);
  });

  it('follows next_token through every page, with the same query', async () => {
    const days = eachDate('2026-08-01', '2026-10-29');
    const data: OuraUserData = {
      activity: days.map((day, i) => ({ at: `${day}T12:00:00Z`, steps: 1000 + i })),
      sleeps: days.map((day, i) => ({
        bedtimeStart: `${addDays(day, -1)}T23:00:00Z`,
        bedtimeEnd: `${day}T06:00:00Z`,
        totalSleepSeconds: 21_600 + 60 * i,
        lowestHeartRate: 45 + (i % 10),
      })),
    };
    oura = await startSampleOura({ data, pageSize: 7 });
    const window = { start: days[0] as string, end: days.at(-1) as string };
    const steps = await plugin.fetch(ouraContext(oura, 'steps', { window }).ctx);
    expect(steps).toEqual(days.map((date, i) => ({ date, value: 1000 + i })));
    const sleep = await plugin.fetch(ouraContext(oura, 'sleep', { window }).ctx);
    expect(sleep).toEqual(days.map((date, i) => ({ date, value: 360 + i })));

    const pages = oura.apiRequests('daily_activity');
    // 90 days plus the next day (the padded end): 91 documents, 7 a page.
    expect(pages).toHaveLength(13);
    expect(pages[0]?.query.next_token).toBeUndefined();
    expect(pages.slice(1).every((p) => typeof p.query.next_token === 'string')).toBe(true);
    expect(new Set(pages.map((p) => `${p.query.start_date}|${p.query.end_date}|${p.query.fields}`)).size).toBe(1);
  });

  it("stores a Pacific/Auckland user's days as Oura's local days, not UTC's", async () => {
    const auckland: OuraUserData = {
      timeZone: 'Pacific/Auckland',
      activity: [
        // 09:00 on 2026-11-18 in Auckland (13:00 UTC on the 17th): the window's first day.
        { at: '2026-11-17T20:00:00Z', steps: 1818 },
        // 10:00 on the 20th in Auckland, 21:00 on the 19th in UTC.
        { at: '2026-11-19T21:00:00Z', steps: 2020 },
        // 09:00 on the 25th in Auckland: the window's last day.
        { at: '2026-11-24T20:00:00Z', steps: 2525 },
        // 09:00 on the 26th in Auckland (the 25th in UTC): after the window.
        { at: '2026-11-25T20:00:00Z', steps: 2626 },
      ],
      sleeps: [
        // 23:00 on the 19th to 07:00 on the 20th in Auckland; it ends on the 19th in UTC.
        {
          bedtimeStart: '2026-11-19T10:00:00Z',
          bedtimeEnd: '2026-11-19T18:00:00Z',
          totalSleepSeconds: 27_000,
          lowestHeartRate: 48,
        },
        // Ends 06:30 on the 26th in Auckland, 17:30 on the 25th in UTC: Oura's 26th, not stored.
        {
          bedtimeStart: '2026-11-25T09:00:00Z',
          bedtimeEnd: '2026-11-25T17:30:00Z',
          totalSleepSeconds: 25_000,
          lowestHeartRate: 47,
        },
      ],
    };
    for (const filter of FILTERS) {
      oura = await startSampleOura({ data: auckland, dateFilter: filter });
      const options = { timezone: 'Pacific/Auckland' };
      expect(await plugin.fetch(ouraContext(oura, 'steps', options).ctx), filter).toEqual([
        { date: '2026-11-18', value: 1818 },
        { date: '2026-11-20', value: 2020 },
        { date: '2026-11-25', value: 2525 },
      ]);
      expect(await plugin.fetch(ouraContext(oura, 'sleep', options).ctx), filter).toEqual([
        { date: '2026-11-20', value: 450 },
      ]);
      expect(await plugin.fetch(ouraContext(oura, 'resting-heart-rate', options).ctx), filter).toEqual([
        { date: '2026-11-20', value: 48 },
      ]);
      await oura.close();
    }
  });

  it('check() refreshes the token and reads the last two days of the entry', async () => {
    oura = await startSampleOura();
    const { ctx, logs } = ouraContext(oura, 'readiness-score');
    const { window: _window, ...checkCtx } = ctx;
    await plugin.check?.(checkCtx);
    expect(oura.requestsTo('token')).toHaveLength(1);
    const [request] = oura.apiRequests('daily_readiness');
    expect(request?.query.fields).toBe('day,score');
    expect(logs.map((l) => l.message).join('\n')).toMatch(/Oura answered for readiness-score on \d{4}-\d{2}-\d{2}\.\./);
  });
});
