import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addDays, eachDate, runPairs, startOfLocalDay } from '@life-stats/core';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { type FakeOura, type FakeOuraOptions, type OuraUserData, startFakeOura } from '@life-stats/testing/fake-oura';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { type OuraDataTypeName } from '../src/index.js';

/**
 * `oura` in core's run engine with a real SQLite store and a real secrets file: two users in
 * Pacific/Auckland and America/Los_Angeles, four entries sharing each user's one consent, Oura's
 * local days stored as they are, the single-use refresh token replaced once per user and run and
 * written before the API is called, 429 retried after `Retry-After`, a revoked grant → reconnect.
 */
const NOW = '2026-11-25T20:00:00.000Z'; // 09:00 on the 26th in Auckland, 12:00 on the 25th in Los Angeles
const USERS = [
  {
    id: 'kiri',
    timezone: 'Pacific/Auckland',
    token: 'oura-refresh-kiri',
    base: 1000,
    days: eachDate('2026-11-19', '2026-11-26'),
  },
  {
    id: 'sam',
    timezone: 'America/Los_Angeles',
    token: 'oura-refresh-sam',
    base: 5000,
    days: eachDate('2026-11-18', '2026-11-25'),
  },
];
const ENTRIES: OuraDataTypeName[] = ['steps', 'sleep', 'readiness-score', 'resting-heart-rate'];
const METRICS = ['steps', 'sleep_minutes', 'readiness_score', 'resting_heart_rate_bpm'];

/** `hours` after local midnight of `day` in `zone`, as an ISO instant. */
const localAt = (day: string, hours: number, zone: string) =>
  new Date(startOfLocalDay(day, zone).getTime() + hours * 3_600_000).toISOString();

/** A week at 10:00 local (steps), in bed 23:00–07:00 local (the night ending that day), scores. */
function week(user: (typeof USERS)[number]): OuraUserData {
  const zone = user.timezone;
  return {
    timeZone: zone,
    activity: user.days.map((day, i) => ({ at: localAt(day, 10, zone), steps: user.base + i })),
    sleeps: user.days.map((day, i) => ({
      bedtimeStart: localAt(addDays(day, -1), 23, zone),
      bedtimeEnd: localAt(day, 7, zone),
      totalSleepSeconds: 25_200 + 60 * i,
      lowestHeartRate: 50 + (i % 5),
    })),
    scores: user.days.map((day, i) => ({ day, readiness: 60 + i })),
  };
}

const byMetricAndDate = (rows: unknown[][]) =>
  rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])));

/** What each user's entries store: Oura's days, in the user's zone. */
function expected(user: (typeof USERS)[number]) {
  return byMetricAndDate(
    user.days.flatMap((date, i) => [
      ['readiness_score', date, 60 + i],
      ['resting_heart_rate_bpm', date, 50 + (i % 5)],
      ['sleep_minutes', date, 420 + i],
      ['steps', date, user.base + i],
    ]),
  );
}

let oura: FakeOura | undefined;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await oura?.close();
  for (const s of open.splice(0)) await s.close();
});

async function setup(options: FakeOuraOptions = {}) {
  const dir = tempDir('life-stats-oura-run-');
  const file = path.join(dir, 'secrets.json');
  const stored = () => JSON.parse(readFileSync(file, 'utf8')).oura.users as Record<string, { token: string }>;
  oura = await startFakeOura({
    grants: Object.fromEntries(USERS.map((u) => [u.token, ['daily', 'personal']])),
    users: Object.fromEntries(USERS.map((u) => [u.token, week(u)])),
    ...options,
  });
  const { storage, secrets } = makeStores(dir);
  open.push(storage);
  await secrets.set('oura', 'client_id', oura.clientId);
  await secrets.set('oura', 'client_secret', oura.clientSecret);
  for (const u of USERS) await secrets.set('oura', 'token', u.token, u.id);
  const endpoints = { apiRootUrl: oura.apiRootUrl, authUrl: oura.authUrl, tokenUrl: oura.tokenUrl };
  const config = makeConfig(
    dir,
    ENTRIES.map((dataType) => ({ plugin, config: { dataType, ...endpoints } })),
    { users: USERS.map((u) => ({ id: u.id, timezone: u.timezone })), backfillDays: 7 },
  );
  const run = async () => {
    const log = captureLogger();
    const summary = await runPairs({ config, storage, secrets, logger: log.logger, retry: FAST_RETRY, now: at(NOW) });
    return { summary, log };
  };
  const rows = async (userId: string) =>
    byMetricAndDate((await storage.queryMetrics({ userId })).map((r) => [r.metric_type, r.date, r.value, r.source]));
  const leaks = (o: FakeOura) => [o.clientSecret, ...o.accessTokens, ...o.refreshTokens];
  return { file, stored, run, rows, leaks, oura };
}

describe('oura in the run engine', () => {
  it("stores every entry of both users on Oura's local days, one consent and one refresh per user", async () => {
    // At each API request: whose it is (by the grant behind its token) and that user's stored token.
    const atApi: { grant: string | undefined; token: string | undefined }[] = [];
    let file = '';
    const t = await setup({
      onApi: (request) => {
        const grant = t.oura.grantOf(request);
        const user = USERS.find((u) => u.token === grant);
        const users = JSON.parse(readFileSync(file, 'utf8')).oura.users as Record<string, { token: string }>;
        atApi.push({ grant, token: user ? users[user.id]?.token : undefined });
      },
    });
    file = t.file;
    const { summary, log } = await t.run();
    expect(summary.runs.map((r) => [r.user, r.metric, r.status, r.items]).sort()).toEqual(
      USERS.flatMap((u) => METRICS.map((m) => [u.id, m, 'ok', 8])).sort(),
    );
    expect(summary.runs.find((r) => r.user === 'kiri')?.window).toEqual({ start: '2026-11-19', end: '2026-11-26' });
    for (const u of USERS) {
      expect(await t.rows(u.id), u.id).toEqual(expected(u).map((row) => [...row, 'oura']));
    }

    // Oura replaced each user's refresh token once (four entries, one grant, one refresh in flight)
    // and the file held the new one before Oura saw any API request.
    expect(t.oura.requestsTo('token')).toHaveLength(2);
    const stored = t.stored();
    expect(new Set(t.oura.liveRefreshTokens())).toEqual(new Set(USERS.map((u) => stored[u.id]?.token)));
    for (const u of USERS) expect(stored[u.id]?.token).not.toBe(u.token);
    expect(atApi).toHaveLength(8);
    for (const { grant, token } of atApi) {
      expect(USERS.map((u) => u.token)).toContain(grant);
      expect(token).toBe(stored[USERS.find((u) => u.token === grant)?.id ?? '']?.token);
    }
    expect(log.text()).toContain('Oura issued a new refresh token; stored it in place of the old one');
    expectNoSecret(JSON.stringify(summary) + log.text(), t.leaks(t.oura));

    // The next run collects with what the file holds: nothing to reconnect, no token lost.
    const second = await t.run();
    expect(second.summary.runs.every((r) => r.status === 'ok')).toBe(true);
    expect(t.oura.liveRefreshTokens()).toHaveLength(2);
  });

  it('retries the requests Oura rate-limits after its Retry-After, and every pair ends ok', async () => {
    const t = await setup({ rateLimit: { limit: 5, windowSeconds: 1 } });
    const { summary, log } = await t.run();
    expect(summary.runs.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    const limited = t.oura.apiRequests().length - 8;
    expect(limited).toBeGreaterThanOrEqual(3);
    expect(
      log.records.filter((r) => r.message.includes('Oura is rate-limiting requests (5 requests per 1 s')),
    ).toHaveLength(limited);
    expect(log.records.some((r) => r.fields?.retryAfterMs === 1000)).toBe(true);
    for (const u of USERS) expect(await t.rows(u.id)).toHaveLength(32);
  });

  it("a revoked grant ends that user's pairs reconnect with the command, the other user's go on", async () => {
    const t = await setup();
    t.oura.revoke('oura-refresh-sam');
    const { summary, log } = await t.run();
    const sam = summary.runs.filter((r) => r.user === 'sam');
    expect(sam.map((r) => r.status)).toEqual(Array(4).fill('reconnect'));
    for (const r of sam) expect(r.error).toContain('life-stats auth oura --user sam');
    expect(summary.runs.filter((r) => r.user === 'kiri').map((r) => r.status)).toEqual(Array(4).fill('ok'));
    expect(await t.rows('sam')).toEqual([]);
    expect(t.stored().sam?.token).toBe('oura-refresh-sam');
    expectNoSecret(JSON.stringify(summary) + log.text(), t.leaks(t.oura));
  });
});
