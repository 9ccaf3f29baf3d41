import type { FakeWithings } from '@life-stats/testing/fake-withings';
import { startFakeWithings } from '@life-stats/testing/fake-withings';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { DATA_TYPE_NAMES } from '../src/index.js';
import { EXPECTED, REFRESH, startSampleWithings, USERID, withingsContext } from './support.js';

/**
 * What a user sees of each data type: the values and local dates `fetch` returns against the fake
 * Withings, the requests it sends (a wrong window, type or unit shows in the numbers), paging,
 * empty days, and days across time zones and DST changes.
 */
let w: FakeWithings | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const epoch = (iso: string) => String(Date.parse(iso) / 1000);

describe('every data type, with its unit and local day', () => {
  for (const dataType of DATA_TYPE_NAMES) {
    it(`${dataType} → ${EXPECTED[dataType].map((o) => `${o.date}=${o.value}`).join(', ')}`, async () => {
      w = await startSampleWithings();
      const { ctx } = withingsContext(w, dataType);
      expect(await plugin.fetch(ctx)).toEqual(EXPECTED[dataType]);
      expect(ctx.metric).toBe(
        { weight: 'weight_kg', 'body-fat': 'body_fat_pct', steps: 'steps', distance: 'distance_m' }[dataType],
      );
    });
  }

  it('asks Getmeas for real measures of one type over the local days, with the bearer token', async () => {
    w = await startSampleWithings();
    await plugin.fetch(withingsContext(w, 'body-fat').ctx);
    const [request] = w.apiRequests('measure');
    expect(request?.method).toBe('POST');
    expect(request?.form).toEqual({
      action: 'getmeas',
      meastype: '6',
      category: '1',
      startdate: epoch('2026-11-18T00:00:00Z'),
      enddate: String(Number(epoch('2026-11-26T00:00:00Z')) - 1),
    });
    expect(w.authorized(request!)).toBe(true);
  });

  it('asks Getactivity for the one field it needs, one day past the window, and keeps what lies inside', async () => {
    w = await startSampleWithings();
    const observations = await plugin.fetch(withingsContext(w, 'distance').ctx);
    expect(w.apiRequests('v2/measure')[0]?.form).toEqual({
      action: 'getactivity',
      startdateymd: '2026-11-18',
      enddateymd: '2026-11-26',
      data_fields: 'distance',
    });
    expect(observations.map((o) => o.date)).not.toContain('2026-11-26');
  });

  it('stores no row for a day without data, and never an invented zero', async () => {
    w = await startSampleWithings();
    const window = { start: '2026-11-10', end: '2026-11-17' };
    for (const dataType of DATA_TYPE_NAMES) {
      expect(await plugin.fetch(withingsContext(w, dataType, { window }).ctx)).toEqual([]);
    }
  });
});

describe('paging with more/offset', () => {
  it('follows every page of both services', async () => {
    const days = Array.from({ length: 45 }, (_, i) => new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10));
    w = await startFakeWithings({
      pageSize: 7,
      users: {
        [USERID]: {
          refreshTokens: [REFRESH],
          measures: days.flatMap((d, i) => [
            { at: `${d}T06:00:00Z`, weight: 70 + i / 10 },
            { at: `${d}T21:00:00Z`, weight: 71 + i / 10 },
          ]),
          activities: days.map((d, i) => ({ date: d, steps: 1000 + i, distance: 500.5 + i })),
        },
      },
    });
    const window = { start: days[0] as string, end: days.at(-1) as string };
    const weights = await plugin.fetch(withingsContext(w, 'weight', { window }).ctx);
    expect(weights).toEqual(days.map((date, i) => ({ date, value: Math.round((71 + i / 10) * 1000) / 1000 })));
    const steps = await plugin.fetch(withingsContext(w, 'steps', { window }).ctx);
    expect(steps).toEqual(days.map((date, i) => ({ date, value: 1000 + i })));

    // 90 groups in pages of 7; 46 activity days (one past the window) in pages of 7.
    const offsets = (service: 'measure' | 'v2/measure') => w!.apiRequests(service).map((r) => r.form?.offset);
    expect(offsets('measure')).toEqual([undefined, ...Array.from({ length: 12 }, (_, i) => String(7 * (i + 1)))]);
    expect(offsets('v2/measure')).toEqual([undefined, '7', '14', '21', '28', '35', '42']);
  });
});

describe('days in the user’s time zone', () => {
  it('a user in Pacific/Auckland: measures on their local dates, the window’s first and last second theirs', async () => {
    w = await startFakeWithings({
      users: {
        [USERID]: {
          refreshTokens: [REFRESH],
          timezone: 'Pacific/Auckland',
          measures: [
            // 23:59 NZDT (UTC+13) on the 18th, then 00:30 on the 19th.
            { at: '2026-11-18T10:59:00Z', weight: 80.1 },
            { at: '2026-11-18T11:30:00Z', weight: 80.4 },
            // 2026-11-25 23:00 NZDT is still inside the window; 2026-11-26 00:10 is not.
            { at: '2026-11-25T10:00:00Z', weight: 80.7 },
            { at: '2026-11-25T11:10:00Z', weight: 99 },
          ],
          activities: [{ date: '2026-11-19', steps: 4321, timezone: 'Pacific/Auckland' }],
        },
      },
    });
    const { ctx } = withingsContext(w, 'weight', { timezone: 'Pacific/Auckland' });
    expect(await plugin.fetch(ctx)).toEqual([
      { date: '2026-11-18', value: 80.1 },
      { date: '2026-11-19', value: 80.4 },
      { date: '2026-11-25', value: 80.7 },
    ]);
    expect(w.apiRequests('measure')[0]?.form).toMatchObject({
      startdate: epoch('2026-11-17T11:00:00Z'),
      enddate: String(Number(epoch('2026-11-25T11:00:00Z')) - 1),
    });
    // Getactivity's `date` is Withings' civil day: believed as it is, whatever the zone.
    expect(await plugin.fetch(withingsContext(w, 'steps', { timezone: 'Pacific/Auckland' }).ctx)).toEqual([
      { date: '2026-11-19', value: 4321 },
    ]);
  });

  it('Europe/Paris across both DST changes of 2026: the 25-hour and the 23-hour day', async () => {
    w = await startFakeWithings({
      users: {
        [USERID]: {
          refreshTokens: [REFRESH],
          measures: [
            // Autumn: 2026-10-25 runs from 22:00Z on the 24th (CEST) to 23:00Z on the 25th (CET).
            { at: '2026-10-24T21:59:59Z', weight: 70.1 },
            { at: '2026-10-24T22:00:00Z', weight: 70.2 },
            { at: '2026-10-25T22:30:00Z', weight: 70.3 },
            { at: '2026-10-25T23:00:00Z', weight: 70.4 },
            // Spring: 2026-03-29 runs from 23:00Z on the 28th (CET) to 22:00Z on the 29th (CEST).
            { at: '2026-03-28T22:59:00Z', weight: 69.1 },
            { at: '2026-03-29T21:30:00Z', weight: 69.2 },
            { at: '2026-03-29T22:30:00Z', weight: 69.3 },
          ],
        },
      },
    });
    const autumn = withingsContext(w, 'weight', {
      timezone: 'Europe/Paris',
      window: { start: '2026-10-24', end: '2026-10-26' },
    });
    expect(await plugin.fetch(autumn.ctx)).toEqual([
      { date: '2026-10-24', value: 70.1 },
      { date: '2026-10-25', value: 70.3 },
      { date: '2026-10-26', value: 70.4 },
    ]);
    expect(w.apiRequests('measure')[0]?.form).toMatchObject({
      startdate: epoch('2026-10-23T22:00:00Z'),
      enddate: String(Number(epoch('2026-10-26T23:00:00Z')) - 1),
    });
    const spring = withingsContext(w, 'weight', {
      timezone: 'Europe/Paris',
      window: { start: '2026-03-28', end: '2026-03-30' },
    });
    expect(await plugin.fetch(spring.ctx)).toEqual([
      { date: '2026-03-28', value: 69.1 },
      { date: '2026-03-29', value: 69.2 },
      { date: '2026-03-30', value: 69.3 },
    ]);
  });
});

describe('measure groups', () => {
  it('the day’s last measure wins, whatever order Withings lists them in; same second: the later group', async () => {
    w = await startFakeWithings({
      users: {
        [USERID]: {
          refreshTokens: [REFRESH],
          measures: [
            { at: '2026-11-20T08:00:00Z', weight: 75.5, grpid: 20 },
            { at: '2026-11-20T08:00:00Z', weight: 75.6, grpid: 21 },
            { at: '2026-11-20T07:00:00Z', weight: 75.1, grpid: 30 },
          ],
        },
      },
    });
    expect(await plugin.fetch(withingsContext(w, 'weight').ctx)).toEqual([{ date: '2026-11-20', value: 75.6 }]);
  });
});
