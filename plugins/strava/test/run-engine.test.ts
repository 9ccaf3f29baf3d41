import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runPairs, startOfLocalDay } from '@life-stats/core';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import {
  type FakeStrava,
  type FakeStravaActivity,
  type FakeStravaOptions,
  startFakeStrava,
} from '@life-stats/testing/fake-strava';
import { afterEach, describe, expect, it, vi } from 'vitest';
import plugin, { type StravaDataTypeName } from '../src/index.js';

/**
 * `strava` in core's run engine with a real SQLite store and a real secrets file: two athletes in
 * Pacific/Auckland and America/Los_Angeles, every data type and a runs-only entry sharing each
 * user's one consent, days by `start_date_local`, the rotated refresh token written before the API
 * is called, a revoked grant → reconnect, a spent 15-minute window → waited out, a spent day →
 * deferred with its reset and the cursor unmoved.
 */
const WINDOW = { start: '2026-11-18', end: '2026-11-25' };
const USERS = [
  { id: 'kiri', timezone: 'Pacific/Auckland', token: 'strava-refresh-kiri', base: 1000 },
  { id: 'sam', timezone: 'America/Los_Angeles', token: 'strava-refresh-sam', base: 5000 },
] as const;
type User = (typeof USERS)[number];
const ENTRIES: { dataType: StravaDataTypeName; metric?: string; sportTypes?: string[] }[] = [
  { dataType: 'distance' },
  { dataType: 'moving-time' },
  { dataType: 'activities' },
  { dataType: 'elevation-gain' },
  { dataType: 'distance', metric: 'run_distance_m', sportTypes: ['Run'] },
];

/** `hours` after local midnight of `day` in `zone`, as an ISO instant. */
const localAt = (day: string, hours: number, zone: string) =>
  new Date(startOfLocalDay(day, zone).getTime() + hours * 3_600_000).toISOString();

/** Each user: a run at 07:00 local on the 18th, 20th and 22nd, a ride at 23:30 local on the 20th, nothing else. */
function activitiesOf(user: User): FakeStravaActivity[] {
  const zone = user.timezone;
  return [
    ...['2026-11-18', '2026-11-20', '2026-11-22'].map((day, i) => ({
      start: localAt(day, 7, zone),
      sportType: 'Run',
      distance: user.base + i,
      movingTime: 1800,
      elevationGain: 10 + i,
    })),
    {
      start: localAt('2026-11-20', 23.5, zone),
      sportType: 'Ride',
      distance: 20_000,
      movingTime: 3600,
      elevationGain: 200,
    },
    // 23:30 local on the 25th: the window's last day; 00:30 local on the 26th: after it.
    { start: localAt('2026-11-25', 23.5, zone), sportType: 'Walk', distance: 500, movingTime: 600, elevationGain: 1 },
    { start: localAt('2026-11-26', 0.5, zone), sportType: 'Run', distance: 777, movingTime: 600, elevationGain: 7 },
  ];
}

/** What each user's entries store: `[metric, date, value]`, sorted. */
function expected(user: User) {
  const b = user.base;
  return [
    ['activities', '2026-11-18', 1],
    ['activities', '2026-11-20', 2],
    ['activities', '2026-11-22', 1],
    ['activities', '2026-11-25', 1],
    ['distance_m', '2026-11-18', b],
    ['distance_m', '2026-11-20', b + 1 + 20_000],
    ['distance_m', '2026-11-22', b + 2],
    ['distance_m', '2026-11-25', 500],
    ['elevation_gain_m', '2026-11-18', 10],
    ['elevation_gain_m', '2026-11-20', 211],
    ['elevation_gain_m', '2026-11-22', 12],
    ['elevation_gain_m', '2026-11-25', 1],
    ['moving_minutes', '2026-11-18', 30],
    ['moving_minutes', '2026-11-20', 90],
    ['moving_minutes', '2026-11-22', 30],
    ['moving_minutes', '2026-11-25', 10],
    ['run_distance_m', '2026-11-18', b],
    ['run_distance_m', '2026-11-20', b + 1],
    ['run_distance_m', '2026-11-22', b + 2],
  ];
}

let strava: FakeStrava | undefined;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await strava?.close();
  for (const s of open.splice(0)) await s.close();
});

async function setup(options: FakeStravaOptions = {}) {
  const dir = tempDir('life-stats-strava-run-');
  const file = path.join(dir, 'secrets.json');
  const stored = () => JSON.parse(readFileSync(file, 'utf8')).strava.users as Record<string, { token: string }>;
  strava = await startFakeStrava({
    grants: Object.fromEntries(USERS.map((u) => [u.token, ['read', 'activity:read_all']])),
    athletes: Object.fromEntries(USERS.map((u) => [u.token, { timezone: u.timezone, activities: activitiesOf(u) }])),
    ...options,
  });
  const fake = strava;
  const { storage, secrets } = makeStores(dir);
  open.push(storage);
  await secrets.set('strava', 'client_id', fake.clientId);
  await secrets.set('strava', 'client_secret', fake.clientSecret);
  for (const u of USERS) await secrets.set('strava', 'token', u.token, u.id);
  const endpoints = { apiRootUrl: fake.apiRootUrl, authUrl: fake.authUrl, tokenUrl: fake.tokenUrl };
  const config = makeConfig(
    dir,
    ENTRIES.map(({ dataType, metric, sportTypes }) => ({
      plugin,
      ...(metric ? { metric } : {}),
      config: { dataType, ...(sportTypes ? { sportTypes } : {}), ...endpoints },
    })),
    { users: USERS.map((u) => ({ id: u.id, timezone: u.timezone })), backfillDays: 7 },
  );
  const run = async (mode: 'scheduled' | 'backfill' = 'backfill', concurrency?: number) => {
    const log = captureLogger();
    const summary = await runPairs({
      config,
      storage,
      secrets,
      logger: log.logger,
      retry: FAST_RETRY,
      mode,
      ...(concurrency ? { concurrency } : {}),
      ...(mode === 'backfill' ? { window: WINDOW } : {}),
      now: at('2026-11-26T02:00:00Z'),
    });
    expectNoSecret(JSON.stringify(summary) + log.text(), [
      fake.clientSecret,
      ...fake.accessTokens,
      ...fake.refreshTokens,
    ]);
    return { summary, log };
  };
  const rows = async (userId: string) =>
    (await storage.queryMetrics({ userId }))
      .map((r) => [r.metric_type, r.date, r.value, r.source])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])));
  return { fake, file, stored, run, rows, storage };
}

describe('strava in the run engine', () => {
  it('stores every entry of both athletes on their local days, one refresh per user, the new token stored before the API sees it', async () => {
    const atApi: { grant: string | undefined; token: string | undefined }[] = [];
    let file = '';
    const t = await setup({
      onApi: (request) => {
        const grant = strava?.grantOf(request);
        const user = USERS.find((u) => u.token === grant);
        const users = JSON.parse(readFileSync(file, 'utf8')).strava.users as Record<string, { token: string }>;
        atApi.push({ grant, token: user ? users[user.id]?.token : undefined });
      },
    });
    file = t.file;
    const { summary, log } = await t.run();
    const items = (metric: string) => (metric === 'run_distance_m' ? 3 : 4);
    expect(summary.runs.map((r) => [r.user, r.metric, r.status, r.items]).sort()).toEqual(
      USERS.flatMap((u) =>
        ['distance_m', 'moving_minutes', 'activities', 'elevation_gain_m', 'run_distance_m'].map((m) => [
          u.id,
          m,
          'ok',
          items(m),
        ]),
      ).sort(),
    );
    for (const u of USERS) expect(await t.rows(u.id), u.id).toEqual(expected(u).map((row) => [...row, 'strava']));

    // Each user's refresh token was replaced once (five entries, one grant), and the file held the
    // new one before Strava saw any API request of that user.
    expect(t.fake.requestsTo('token')).toHaveLength(2);
    const stored = t.stored();
    expect(new Set(t.fake.liveRefreshTokens())).toEqual(new Set(USERS.map((u) => stored[u.id]?.token)));
    for (const u of USERS) expect(stored[u.id]?.token).not.toBe(u.token);
    expect(atApi).toHaveLength(10);
    for (const { grant, token } of atApi) {
      expect(token).toBe(stored[USERS.find((u) => u.token === grant)?.id ?? '']?.token);
    }
    expect(log.text()).toContain('Strava issued a new refresh token; stored it in place of the old one');

    const second = await t.run();
    expect(second.summary.runs.every((r) => r.status === 'ok')).toBe(true);
    expect(t.fake.liveRefreshTokens()).toHaveLength(2);
  });

  it("a revoked grant ends that user's pairs reconnect with the command; the other user's go on", async () => {
    const t = await setup();
    t.fake.revoke('strava-refresh-sam');
    const { summary } = await t.run();
    const sam = summary.runs.filter((r) => r.user === 'sam');
    expect(sam.map((r) => r.status)).toEqual(Array(5).fill('reconnect'));
    for (const r of sam) expect(r.error).toContain('life-stats auth strava --user sam');
    expect(summary.runs.filter((r) => r.user === 'kiri').map((r) => r.status)).toEqual(Array(5).fill('ok'));
    expect(await t.rows('sam')).toEqual([]);
    expect(t.stored().sam?.token).toBe('strava-refresh-sam');
  });

  it('a 15-minute window spent a second before its reset is waited out, and every pair ends ok', async () => {
    // The plugin and the fake both read Date.now(): put it just before a quarter hour, and let it run.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(new Date('2026-11-25T20:14:59.600Z'));
    const t = await setup();
    t.fake.setUsage({ read15: 100, readDaily: 400 });
    const { summary, log } = await t.run();
    expect(summary.runs.map((r) => r.status)).toEqual(Array(10).fill('ok'));
    const waits = log.records.filter((r) => r.message.includes("Strava's 15-minute read limit is spent"));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]?.message).toContain('retrying when the window resets in');
    for (const u of USERS) expect(await t.rows(u.id)).toHaveLength(19);
  });

  it('the daily limit spent defers every pair to midnight UTC after one refused request, not failed, and no cursor moves', async () => {
    const t = await setup();
    for (const u of USERS) {
      await t.storage.putCursor({
        user_id: u.id,
        metric_type: 'distance_m',
        last_status: 'ok',
        last_run_time: '2026-11-24T02:00:00.000Z',
      });
    }
    t.fake.setUsage({ readDaily: 1000 });
    const { summary } = await t.run('scheduled', 1);
    expect(summary.runs.map((r) => r.status)).toEqual(Array(10).fill('deferred'));
    const midnight = new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000).toISOString();
    for (const r of summary.runs) {
      expect(r.error).toContain("Strava's daily read limit is spent");
      expect(r.error).toContain(`it resets at midnight UTC (${midnight}`);
      expect(r.error).toContain(`→ The cursor did not move: a run after ${midnight} collects this window.`);
    }
    for (const u of USERS) {
      expect(await t.rows(u.id)).toEqual([]);
      expect(await t.storage.getCursor(u.id, 'distance_m')).toMatchObject({
        last_status: 'deferred',
        last_run_time: '2026-11-24T02:00:00.000Z',
      });
      expect((await t.storage.getCursor(u.id, 'activities'))?.last_run_time ?? null).toBeNull();
    }
    // One refused request in all: the limit is the app's, so the other pairs are deferred without one.
    expect(t.fake.apiRequests()).toHaveLength(1);

    // After midnight UTC Strava answers again: the next run collects everything the deferred one missed.
    t.fake.setUsage({ readDaily: 0 });
    const next = await t.run('scheduled');
    expect(next.summary.runs.map((r) => r.status)).toEqual(Array(10).fill('ok'));
    // The window runs to each user's today: the 26th in Auckland (15:00 there), the 25th in Los Angeles.
    const days = ['2026-11-18', '2026-11-20', '2026-11-22', '2026-11-25'];
    const distances = async (id: string) => (await t.rows(id)).filter((r) => r[0] === 'distance_m').map((r) => r[1]);
    expect(await distances('kiri')).toEqual([...days, '2026-11-26']);
    expect(await distances('sam')).toEqual(days);
  });
});
