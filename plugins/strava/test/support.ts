import { createTestContext } from '@life-stats/core/testing';
import {
  type FakeStrava,
  type FakeStravaActivity,
  type FakeStravaOptions,
  startFakeStrava,
} from '@life-stats/testing/fake-strava';
import plugin, { type StravaDataTypeName } from '../src/index.js';

export const REFRESH = 'strava-refresh-token-0001';

/**
 * A week of one UTC athlete inside the kit's sample window (2026-11-18..2026-11-25), with what
 * lies just outside it (the widened query returns it; nothing of it may be stored), and what the
 * plugin must store for it.
 */
const SAMPLE: FakeStravaActivity[] = [
  // The day before the window: asked for (the bounds are a day wider), never stored.
  { start: '2026-11-17T18:00:00Z', sportType: 'Run', distance: 9999, movingTime: 999, elevationGain: 99 },
  { start: '2026-11-18T07:00:00Z', sportType: 'Run', distance: 5012.4, movingTime: 1500, elevationGain: 42.5 },
  // Two activities on the 20th: summed.
  { start: '2026-11-20T06:30:00Z', sportType: 'Ride', distance: 30_000, movingTime: 3600, elevationGain: 310 },
  { start: '2026-11-20T18:10:00Z', sportType: 'Swim', distance: 1500, movingTime: 2100, elevationGain: 0 },
  // A private ("Only You") run: served with activity:read_all.
  {
    start: '2026-11-22T08:00:00Z',
    sportType: 'TrailRun',
    distance: 12_345.6,
    movingTime: 4321,
    elevationGain: 512.3,
    visibility: 'only_me',
  },
  { start: '2026-11-25T21:00:00Z', sportType: 'Walk', distance: 2000, movingTime: 1800, elevationGain: 10 },
  // The day after the window.
  { start: '2026-11-26T07:00:00Z', sportType: 'Run', distance: 8888, movingTime: 888, elevationGain: 88 },
];

/** `[day of November 2026, value]` pairs as observations. */
const days = (...pairs: [number, number][]) => pairs.map(([day, value]) => ({ date: `2026-11-${day}`, value }));

/** What the plugin stores for {@link SAMPLE}, by data type. */
export const EXPECTED: Record<StravaDataTypeName, { date: string; value: number }[]> = {
  distance: days([18, 5012.4], [20, 31_500], [22, 12_345.6], [25, 2000]),
  'moving-time': days([18, 25], [20, 95], [22, 72.017], [25, 30]),
  activities: days([18, 1], [20, 2], [22, 1], [25, 1]),
  'elevation-gain': days([18, 42.5], [20, 310], [22, 512.3], [25, 10]),
};

/** The fake Strava holding {@link SAMPLE} for the grant {@link REFRESH} (more options merged in). */
export function startSampleStrava(options: FakeStravaOptions = {}): Promise<FakeStrava> {
  return startFakeStrava({
    grants: { [REFRESH]: ['read', 'activity:read_all'] },
    athlete: { activities: SAMPLE },
    ...options,
  });
}

/** An entry config pointing every endpoint at `strava`. */
function stravaConfig(strava: FakeStrava, dataType: StravaDataTypeName, sportTypes?: string[]) {
  return {
    dataType,
    apiRootUrl: strava.apiRootUrl,
    authUrl: strava.authUrl,
    tokenUrl: strava.tokenUrl,
    ...(sportTypes ? { sportTypes } : {}),
  };
}

/** A fetch context of `strava` for `dataType` against `strava`. */
export function stravaContext(
  strava: FakeStrava,
  dataType: StravaDataTypeName,
  options: {
    timezone?: string;
    window?: { start: string; end: string };
    sportTypes?: string[];
    secrets?: Record<string, string>;
  } = {},
) {
  return createTestContext({
    plugin,
    config: stravaConfig(strava, dataType, options.sportTypes),
    user: { id: 'bob', timezone: options.timezone ?? 'UTC' },
    window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
    secrets: { client_id: strava.clientId, client_secret: strava.clientSecret, token: REFRESH, ...options.secrets },
  });
}

/** Every secret the fake issued or holds, for "no secret anywhere" checks. */
export const secretsOf = (strava: FakeStrava) => [strava.clientSecret, ...strava.accessTokens, ...strava.refreshTokens];
