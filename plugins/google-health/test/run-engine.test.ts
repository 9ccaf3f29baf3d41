import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { createTestConfig } from '@life-stats/core/testing';
import stepsPlugin from '@life-stats/plugin-google-health-steps';
import { type FakeGoogle, startFakeGoogle } from '@life-stats/testing/fake-google';
import type { HealthRecord, SleepRecord } from '@life-stats/testing/fake-google-health';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { dates } from './support.js';

/**
 * One consent per user serving every Google Health entry, in core's run engine: a real SQLite
 * store and secrets file, two users in different zones, 45 days (paging, 14- and 90-day chunks),
 * and the fake Google serving each user only their own data (by the grant behind the access token).
 */
const USERS = [
  { id: 'alice', timezone: 'Europe/Berlin', token: '1//alice-refresh-token', zone: 'Europe/Berlin', base: 1000 },
  {
    id: 'bob',
    timezone: 'America/Los_Angeles',
    token: '1//bob-refresh-token',
    zone: 'America/Los_Angeles',
    base: 5000,
  },
];
const DAYS = dates('2026-10-01', 45);
const WINDOW = { start: DAYS[0] as string, end: DAYS.at(-1) as string };
let dir: string;
let google: FakeGoogle;

function recordsOf(user: (typeof USERS)[number]): { records: HealthRecord[]; sleeps: SleepRecord[] } {
  const records = DAYS.flatMap((day, i): HealthRecord[] => [
    // Midday local time: the civil day is the date itself in either zone.
    { type: 'distance', at: `${day}T12:00:00Z`, value: (user.base + i) * 1000, timeZone: user.zone, grant: user.token },
    { type: 'heart-rate', at: `${day}T12:00:00Z`, value: 60 + (i % 7), timeZone: user.zone, grant: user.token },
    ...(i % 10 === 0
      ? [
          {
            type: 'weight' as const,
            at: `${day}T12:00:00Z`,
            value: 70_000 + i * 10,
            timeZone: user.zone,
            grant: user.token,
          },
        ]
      : []),
  ]);
  // Each night goes to bed at 23:00 local time and wakes 8 hours later: it counts for the next date.
  const sleeps = DAYS.slice(0, -1).map((day, i) => ({
    start: `${day}T23:00:00${user.zone === 'Europe/Berlin' ? '+01:00' : '-08:00'}`,
    end: new Date(
      Date.parse(`${day}T23:00:00${user.zone === 'Europe/Berlin' ? '+01:00' : '-08:00'}`) + 8 * 3600_000,
    ).toISOString(),
    minutesAsleep: user.base / 10 + i,
    timeZone: user.zone,
    grant: user.token,
  }));
  return { records, sleeps };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'life-stats-google-health-'));
  const data = USERS.map(recordsOf);
  google = await startFakeGoogle({
    refreshTokens: USERS.map((u) => u.token),
    steps: DAYS.map((day, i) => ({ at: `${day}T12:00:00Z`, steps: 100 + i })),
    health: {
      rollupPageSize: 20,
      records: data.flatMap((d) => d.records),
      sleeps: data.flatMap((d) => d.sleeps),
    },
  });
});

afterEach(async () => {
  await google.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup() {
  const secretsPath = join(dir, 'secrets.json');
  const secrets = createFileSecrets({ path: secretsPath });
  await secrets.set('google-health', 'client_id', google.clientId);
  await secrets.set('google-health', 'client_secret', google.clientSecret);
  for (const user of USERS) await secrets.set('google-health', 'token', user.token, user.id);
  const storage = createSqliteStorage({ path: join(dir, 'life-stats.db') });
  const endpoints = { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl };
  const config = createTestConfig(
    dir,
    [
      { plugin: stepsPlugin, config: endpoints },
      ...(['distance', 'heart-rate', 'weight', 'sleep', 'hydration-log'] as const).map((dataType) => ({
        plugin,
        config: { dataType, ...endpoints },
      })),
    ],
    { users: USERS.map(({ id, timezone }) => ({ id, timezone })) },
  );
  return { config, storage, secrets, secretsPath };
}

describe('google-health in the run engine: one consent, many entries', () => {
  it('collects every entry of both users from their own grant, and asks to reconnect only for a scope the grant lacks', async () => {
    const { config, storage, secrets, secretsPath } = await setup();
    google.health.denyScope('nutrition');

    const summary = await runPairs({
      config,
      storage,
      secrets,
      mode: 'backfill',
      window: WINDOW,
      retry: { minTimeoutMs: 10 },
    });

    const status = Object.fromEntries(summary.runs.map((r) => [`${r.user} ${r.metric}`, [r.status, r.items ?? 0]]));
    expect(status).toEqual({
      'alice steps': ['ok', 45],
      'alice distance_m': ['ok', 45],
      'alice heart_rate_avg_bpm': ['ok', 45],
      'alice weight_kg': ['ok', 5],
      'alice sleep_minutes': ['ok', 44],
      'alice water_ml': ['reconnect', 0],
      'bob steps': ['ok', 45],
      'bob distance_m': ['ok', 45],
      'bob heart_rate_avg_bpm': ['ok', 45],
      'bob weight_kg': ['ok', 5],
      'bob sleep_minutes': ['ok', 44],
      'bob water_ml': ['reconnect', 0],
    });
    const water = summary.runs.find((r) => r.user === 'bob' && r.metric === 'water_ml');
    expect(water?.error).toContain('life-stats auth google-health --user bob');
    expect(water?.error).toContain('googlehealth.nutrition.readonly');

    for (const user of USERS) {
      const rows = (metric: string) =>
        storage
          .queryMetrics({ userId: user.id, metricType: metric })
          .then((list) => list.map((r) => [r.date, r.value]));
      expect(await rows('distance_m')).toEqual(DAYS.map((day, i) => [day, user.base + i]));
      expect(await rows('heart_rate_avg_bpm')).toEqual(DAYS.map((day, i) => [day, 60 + (i % 7)]));
      expect(await rows('weight_kg')).toEqual(
        DAYS.flatMap((day, i) => (i % 10 === 0 ? [[day, (70_000 + i * 10) / 1000]] : [])),
      );
      expect(await rows('sleep_minutes')).toEqual(DAYS.slice(1).map((day, i) => [day, user.base / 10 + i]));
      expect(await rows('steps')).toEqual(DAYS.map((day, i) => [day, 100 + i]));
      expect((await storage.queryMetrics({ userId: user.id, metricType: 'steps' }))[0]?.source).toBe(
        'google-health-steps',
      );
      expect((await storage.queryMetrics({ userId: user.id, metricType: 'sleep_minutes' }))[0]?.source).toBe(
        'google-health',
      );
    }

    // 45 days: heart rate in four 14-day roll-ups, distance in one (paged by 20), per user.
    const heart = google.requestsTo('health').filter((r) => r.path.includes('/heart-rate/'));
    expect(heart).toHaveLength(2 * 4);
    const distance = google.requestsTo('health').filter((r) => r.path.includes('/distance/'));
    expect(distance).toHaveLength(2 * 3);
    // Nothing but the two consents is in the secrets file: no entry needed its own.
    const file = JSON.parse(await readFile(secretsPath, 'utf8'));
    expect(Object.keys(file)).toEqual(['google-health']);
    expect(Object.keys(file['google-health'].users).sort()).toEqual(['alice', 'bob']);
    await storage.close();
  });
});
