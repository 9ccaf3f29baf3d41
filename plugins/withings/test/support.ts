import { createTestContext } from '@life-stats/core/testing';
import {
  type FakeActivity,
  type FakeMeasure,
  type FakeWithings,
  type FakeWithingsOptions,
  startFakeWithings,
} from '@life-stats/testing/fake-withings';
import plugin, { type WithingsDataTypeName } from '../src/index.js';

export const REFRESH = 'f631236f02b991810feb774765b6ae8e6c6839ca';
export const USERID = '363';

/**
 * A week of one Withings user inside the kit's sample window (2026-11-18..2026-11-25), with what
 * the plugin must store for it: two weighings on the 18th (the evening one wins), an objective and
 * an ambiguous weighing on the 20th (neither is the user's measure), other decimal exponents on the
 * 21st and 22nd, and activity days — a true zero on the 23rd, a day without distance on the 24th,
 * and a day past the window.
 */
export const SAMPLE_MEASURES: FakeMeasure[] = [
  { at: '2026-11-18T06:30:00Z', weight: 72.345, fatRatio: 21.5 },
  { at: '2026-11-18T20:10:00Z', weight: 72.9, fatRatio: 22.25 },
  { at: '2026-11-20T07:00:00Z', weight: 68, category: 2 },
  { at: '2026-11-20T07:05:00Z', weight: 95.4, attrib: 1 },
  { at: '2026-11-21T07:00:00Z', weight: 71.25, units: { weight: -2 } },
  { at: '2026-11-22T07:00:00Z', weight: 80, units: { weight: 1 } },
];

const SAMPLE_ACTIVITIES: FakeActivity[] = [
  { date: '2026-11-19', steps: 8543, distance: 6234.5 },
  { date: '2026-11-23', steps: 0, distance: 0 },
  { date: '2026-11-24', steps: 120 },
  { date: '2026-11-26', steps: 999, distance: 700 },
];

/** What the plugin stores for the sample week, by data type. */
export const EXPECTED: Record<WithingsDataTypeName, { date: string; value: number }[]> = {
  weight: [
    { date: '2026-11-18', value: 72.9 },
    { date: '2026-11-21', value: 71.25 },
    { date: '2026-11-22', value: 80 },
  ],
  'body-fat': [{ date: '2026-11-18', value: 22.25 }],
  steps: [
    { date: '2026-11-19', value: 8543 },
    { date: '2026-11-23', value: 0 },
    { date: '2026-11-24', value: 120 },
  ],
  distance: [
    { date: '2026-11-19', value: 6234.5 },
    { date: '2026-11-23', value: 0 },
  ],
};

/** The fake Withings with the sample user (more options merged in). */
export function startSampleWithings(options: FakeWithingsOptions = {}): Promise<FakeWithings> {
  return startFakeWithings({
    users: {
      [USERID]: { refreshTokens: [REFRESH], measures: SAMPLE_MEASURES, activities: SAMPLE_ACTIVITIES },
    },
    ...options,
  });
}

/** The config of an entry against the fake. */
export function configFor(w: FakeWithings, dataType: WithingsDataTypeName) {
  return { dataType, apiRootUrl: w.apiRootUrl, authUrl: w.authUrl };
}

/** A fetch context of `withings` for `dataType` against `w`. */
export function withingsContext(
  w: FakeWithings,
  dataType: WithingsDataTypeName,
  options: { timezone?: string; window?: { start: string; end: string }; token?: string } = {},
) {
  return createTestContext({
    plugin,
    config: configFor(w, dataType),
    user: { id: 'ann', timezone: options.timezone ?? 'UTC' },
    window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
    secrets: { client_id: w.clientId, client_secret: w.clientSecret, token: options.token ?? REFRESH },
  });
}

/** Every secret the fake knows, for "no secret leaked" checks. */
export const secretsOf = (w: FakeWithings) => [w.clientSecret, ...w.accessTokens, ...w.refreshTokens];
