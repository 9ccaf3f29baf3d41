import { createTestContext } from '@life-stats/core/testing';
import { type FakeGoogle, type FakeGoogleOptions, startFakeGoogle } from '@life-stats/testing/fake-google';
import type { HealthRecord, SleepRecord } from '@life-stats/testing/fake-google-health';
import plugin, { type HealthDataTypeName } from '../src/index.js';

export const REFRESH = '1//fake-refresh-token';

/**
 * One civil day of every data type inside the kit's sample window (2026-11-18..2026-11-25), in the
 * API's own units, with what the plugin must store for it.
 */
const SAMPLE_RECORDS: HealthRecord[] = [
  { type: 'distance', at: '2026-11-20T10:00:00Z', value: 1_234_567 },
  { type: 'distance', at: '2026-11-20T15:00:00Z', value: 1_000 },
  { type: 'floors', at: '2026-11-21T09:00:00Z', value: 3 },
  { type: 'floors', at: '2026-11-21T19:00:00Z', value: 4 },
  { type: 'active-energy-burned', at: '2026-11-22T08:00:00Z', value: 120.5 },
  { type: 'active-energy-burned', at: '2026-11-22T18:00:00Z', value: 80.25 },
  { type: 'total-calories', at: '2026-11-23T12:00:00Z', value: 2_100.5 },
  { type: 'active-minutes', at: '2026-11-24T07:00:00Z', value: 30, activityLevel: 'LIGHT' },
  { type: 'active-minutes', at: '2026-11-24T08:00:00Z', value: 20, activityLevel: 'MODERATE' },
  { type: 'active-minutes', at: '2026-11-24T09:00:00Z', value: 10, activityLevel: 'VIGOROUS' },
  { type: 'active-minutes', at: '2026-11-24T18:00:00Z', value: 5, activityLevel: 'MODERATE' },
  { type: 'heart-rate', at: '2026-11-19T06:00:00Z', value: 60 },
  { type: 'heart-rate', at: '2026-11-19T12:00:00Z', value: 80 },
  { type: 'heart-rate', at: '2026-11-19T18:00:00Z', value: 100 },
  { type: 'weight', at: '2026-11-18T07:00:00Z', value: 72_000 },
  { type: 'weight', at: '2026-11-18T21:00:00Z', value: 73_100 },
  { type: 'body-fat', at: '2026-11-18T07:00:00Z', value: 20.5 },
  { type: 'body-fat', at: '2026-11-18T21:00:00Z', value: 21.5 },
  { type: 'hydration-log', at: '2026-11-25T09:00:00Z', value: 250 },
  { type: 'hydration-log', at: '2026-11-25T13:00:00Z', value: 500 },
];

const SAMPLE_STEPS = [{ at: '2026-11-20T12:00:00Z', steps: 4321 }];

/** A night across midnight (ends on the 20th) and a nap the same afternoon. */
const SAMPLE_SLEEPS: SleepRecord[] = [
  { start: '2026-11-19T23:10:00Z', end: '2026-11-20T07:05:00Z', minutesAsleep: 420 },
  { start: '2026-11-20T14:00:00Z', end: '2026-11-20T14:40:00Z', minutesAsleep: 35, nap: true },
];

/** What the plugin stores for the sample data, by data type. */
export const EXPECTED: Record<HealthDataTypeName, { date: string; value: number }[]> = {
  steps: [{ date: '2026-11-20', value: 4321 }],
  distance: [{ date: '2026-11-20', value: 1235.567 }], // mm → m
  floors: [{ date: '2026-11-21', value: 7 }],
  'active-energy-burned': [{ date: '2026-11-22', value: 200.75 }],
  'total-calories': [{ date: '2026-11-23', value: 2100.5 }],
  'active-minutes': [{ date: '2026-11-24', value: 65 }], // summed over the levels
  'heart-rate': [{ date: '2026-11-19', value: 80 }], // the day's average
  weight: [{ date: '2026-11-18', value: 72.55 }], // g → kg, the day's average
  'body-fat': [{ date: '2026-11-18', value: 21 }],
  'hydration-log': [{ date: '2026-11-25', value: 750 }],
  sleep: [{ date: '2026-11-20', value: 455 }], // the night and the nap
};

/** The fake Google holding the sample data (more options merged in). */
export function startSampleGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  return startFakeGoogle({
    steps: SAMPLE_STEPS,
    ...options,
    health: { records: SAMPLE_RECORDS, sleeps: SAMPLE_SLEEPS, ...options.health },
  });
}

/** A fetch context of `google-health` for `dataType` against `g`. */
export function healthContext(
  g: FakeGoogle,
  dataType: HealthDataTypeName,
  options: { timezone?: string; window?: { start: string; end: string }; secrets?: Record<string, string> } = {},
) {
  return createTestContext({
    plugin,
    config: { dataType, apiRootUrl: g.apiRootUrl, tokenUrl: g.tokenUrl },
    user: { id: 'bob', timezone: options.timezone ?? 'UTC' },
    window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
    secrets: { client_id: g.clientId, client_secret: g.clientSecret, token: REFRESH, ...options.secrets },
  });
}

/** `YYYY-MM-DD` dates from `start`, `count` of them. */
export function dates(start: string, count: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); out.length < count; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
