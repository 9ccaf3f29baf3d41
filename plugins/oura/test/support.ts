import { createTestContext } from '@life-stats/core/testing';
import { type FakeOura, type FakeOuraOptions, type OuraUserData, startFakeOura } from '@life-stats/testing/fake-oura';
import plugin, { type OuraDataTypeName } from '../src/index.js';

export const REFRESH = 'oura-refresh-token-0001';

/**
 * A week of one UTC user inside the kit's sample window (2026-11-18..2026-11-25), with what lies
 * just outside it (the padded query returns it; nothing of it may be stored), and what the plugin
 * must store for it.
 */
const SAMPLE: OuraUserData = {
  timeZone: 'UTC',
  activity: [
    { at: '2026-11-18T09:00:00Z', steps: 1800, activeCalories: 90 },
    { at: '2026-11-20T10:00:00Z', steps: 4000, activeCalories: 250 },
    { at: '2026-11-20T18:00:00Z', steps: 321, activeCalories: 50 },
    // Before 4 a.m.: still Oura's 2026-11-20.
    { at: '2026-11-21T02:00:00Z', steps: 100, activeCalories: 10 },
    { at: '2026-11-22T12:00:00Z', steps: 3000, activeCalories: 150 },
    { at: '2026-11-24T12:00:00Z', steps: 8000, activeCalories: 400 },
    { at: '2026-11-25T15:00:00Z', steps: 2500, activeCalories: 120 },
    { at: '2026-11-17T12:00:00Z', steps: 777, activeCalories: 77 },
    { at: '2026-11-26T12:00:00Z', steps: 999, activeCalories: 99 },
  ],
  scores: [
    { day: '2026-11-17', activity: 11, sleep: 11, readiness: 11 },
    { day: '2026-11-18', activity: 60, sleep: 66, readiness: 64 },
    { day: '2026-11-20', activity: 81, sleep: 77, readiness: 70 },
    { day: '2026-11-21', sleep: 85, readiness: null },
    { day: '2026-11-22', activity: null },
    { day: '2026-11-24', activity: 90, readiness: 88 },
    { day: '2026-11-25', activity: 75, sleep: 80, readiness: 91 },
    { day: '2026-11-26', activity: 99, sleep: 99, readiness: 99 },
  ],
  sleeps: [
    {
      bedtimeStart: '2026-11-16T22:00:00Z',
      bedtimeEnd: '2026-11-17T06:00:00Z',
      totalSleepSeconds: 27_000,
      lowestHeartRate: 40,
    },
    {
      bedtimeStart: '2026-11-17T23:00:00Z',
      bedtimeEnd: '2026-11-18T07:00:00Z',
      totalSleepSeconds: 24_000,
      lowestHeartRate: 54,
    },
    // 2026-11-20: the night, a nap, and a "rest" the user rejected.
    {
      bedtimeStart: '2026-11-19T22:30:00Z',
      bedtimeEnd: '2026-11-20T06:30:00Z',
      totalSleepSeconds: 25_200,
      lowestHeartRate: 52,
    },
    {
      bedtimeStart: '2026-11-20T13:00:00Z',
      bedtimeEnd: '2026-11-20T13:45:00Z',
      type: 'sleep',
      totalSleepSeconds: 1800,
      lowestHeartRate: 60,
    },
    {
      bedtimeStart: '2026-11-20T15:00:00Z',
      bedtimeEnd: '2026-11-20T15:40:00Z',
      type: 'rest',
      totalSleepSeconds: 2100,
      lowestHeartRate: 45,
    },
    // 2026-11-21: a late nap (ends after 6 p.m. on the 20th) and a night split in two long sleeps.
    {
      bedtimeStart: '2026-11-20T18:30:00Z',
      bedtimeEnd: '2026-11-20T19:20:00Z',
      type: 'late_nap',
      totalSleepSeconds: 2400,
      lowestHeartRate: 58,
    },
    {
      bedtimeStart: '2026-11-20T23:00:00Z',
      bedtimeEnd: '2026-11-21T03:00:00Z',
      totalSleepSeconds: 13_500,
      lowestHeartRate: 55,
    },
    {
      bedtimeStart: '2026-11-21T04:00:00Z',
      bedtimeEnd: '2026-11-21T07:30:00Z',
      totalSleepSeconds: 12_000,
      lowestHeartRate: 50,
    },
    // 2026-11-22: only a sleep the user deleted; 2026-11-25: a night Oura did not analyse, and a nap.
    {
      bedtimeStart: '2026-11-22T01:00:00Z',
      bedtimeEnd: '2026-11-22T05:00:00Z',
      type: 'deleted',
      totalSleepSeconds: 14_000,
      lowestHeartRate: 49,
    },
    {
      bedtimeStart: '2026-11-24T23:00:00Z',
      bedtimeEnd: '2026-11-25T06:00:00Z',
      totalSleepSeconds: null,
      lowestHeartRate: null,
    },
    {
      bedtimeStart: '2026-11-25T14:00:00Z',
      bedtimeEnd: '2026-11-25T14:25:00Z',
      type: 'sleep',
      totalSleepSeconds: 1200,
      lowestHeartRate: 62,
    },
    {
      bedtimeStart: '2026-11-25T22:00:00Z',
      bedtimeEnd: '2026-11-26T06:00:00Z',
      totalSleepSeconds: 28_000,
      lowestHeartRate: 41,
    },
  ],
};

/** `[day of November 2026, value]` pairs as observations. */
const days = (...pairs: [number, number][]) => pairs.map(([day, value]) => ({ date: `2026-11-${day}`, value }));

/** What the plugin stores for {@link SAMPLE}, by data type. */
export const EXPECTED: Record<OuraDataTypeName, { date: string; value: number }[]> = {
  steps: days([18, 1800], [20, 4421], [22, 3000], [24, 8000], [25, 2500]),
  'active-calories': days([18, 90], [20, 310], [22, 150], [24, 400], [25, 120]),
  'sleep-score': days([18, 66], [20, 77], [21, 85], [25, 80]),
  'readiness-score': days([18, 64], [20, 70], [24, 88], [25, 91]),
  'activity-score': days([18, 60], [20, 81], [24, 90], [25, 75]),
  // 420 + 30 (the nap; not the rejected rest) and 40 + 225 + 200 (the late nap and both halves).
  sleep: days([18, 400], [20, 450], [21, 465], [25, 20]),
  // The main long sleep's lowest heart rate: 55 on the 21st, not the shorter half's 50; none on the
  // 25th, whose long sleep has none (the nap's does not count).
  'resting-heart-rate': days([18, 54], [20, 52], [21, 55]),
};

/** The fake Oura holding {@link SAMPLE} for the grant {@link REFRESH} (more options merged in). */
export function startSampleOura(options: FakeOuraOptions = {}): Promise<FakeOura> {
  return startFakeOura({ grants: { [REFRESH]: ['daily'] }, data: SAMPLE, ...options });
}

/** An entry config pointing every endpoint at `oura`. */
export function ouraConfig(oura: FakeOura, dataType: OuraDataTypeName) {
  return { dataType, apiRootUrl: oura.apiRootUrl, authUrl: oura.authUrl, tokenUrl: oura.tokenUrl };
}

/** A fetch context of `oura` for `dataType` against `oura`. */
export function ouraContext(
  oura: FakeOura,
  dataType: OuraDataTypeName,
  options: { timezone?: string; window?: { start: string; end: string }; secrets?: Record<string, string> } = {},
) {
  return createTestContext({
    plugin,
    config: ouraConfig(oura, dataType),
    user: { id: 'bob', timezone: options.timezone ?? 'UTC' },
    window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
    secrets: { client_id: oura.clientId, client_secret: oura.clientSecret, token: REFRESH, ...options.secrets },
  });
}

/** Every secret the fake issued or holds, for "no secret anywhere" checks. */
export const secretsOf = (oura: FakeOura) => [oura.clientSecret, ...oura.accessTokens, ...oura.refreshTokens];
