import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretStore } from '@life-stats/core';
import { eachDate, runPairs, startOfLocalDay } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import {
  type FakeActivity,
  type FakeMeasure,
  type FakeWithings,
  startFakeWithings,
} from '@life-stats/testing/fake-withings';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { DATA_TYPE_NAMES, type WithingsDataTypeName } from '../src/index.js';
import { secretsOf } from './support.js';

/**
 * The plugin in core's run engine with a real SQLite store and a real secrets file: two users in
 * opposite hemispheres, every data type as its own entry on one consent per user, Withings'
 * rotation (the new refresh token in the file before the API sees its access token, the old one
 * dead once it does), a run that overlaps another process's rotation, a revoked grant, and 601.
 */
const DAYS = eachDate('2026-10-20', '2026-11-05');
const WINDOW = { start: DAYS[0] as string, end: DAYS.at(-1) as string };
const USERS = [
  { id: 'alice', withings: '1001', timezone: 'Europe/Paris', token: 'alice-refresh-0000000000000001', base: 60 },
  { id: 'bob', withings: '1002', timezone: 'Pacific/Auckland', token: 'bob-refresh-00000000000000001', base: 90 },
] as const;
type User = (typeof USERS)[number];

let w: FakeWithings | undefined;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
  await w?.close();
  w = undefined;
});

/** 07:30 local on each day; on even days also 21:15 local, the value that must win. */
function measuresOf(user: User): FakeMeasure[] {
  const local = (day: string, hours: number) => startOfLocalDay(day, user.timezone).getTime() + hours * 3600_000;
  return DAYS.flatMap((day, i) => [
    { at: local(day, 7.5), weight: user.base + i / 10, fatRatio: 20 + i / 4 },
    ...(i % 2 === 0 ? [{ at: local(day, 21.25), weight: user.base + i / 10 + 0.05, fatRatio: 20 + i / 4 + 0.1 }] : []),
  ]);
}

function activitiesOf(user: User): FakeActivity[] {
  return DAYS.filter((_, i) => i % 5 !== 4).map((date, i) => ({
    date,
    steps: user.base * 100 + i,
    distance: user.base * 70 + i / 2,
    timezone: user.timezone,
  }));
}

function expected(user: User, dataType: WithingsDataTypeName): [string, number][] {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  if (dataType === 'weight') return DAYS.map((d, i) => [d, round(user.base + i / 10 + (i % 2 === 0 ? 0.05 : 0))]);
  if (dataType === 'body-fat') return DAYS.map((d, i) => [d, round(20 + i / 4 + (i % 2 === 0 ? 0.1 : 0))]);
  const active = DAYS.filter((_, i) => i % 5 !== 4);
  return active.map((d, i) => [d, dataType === 'steps' ? user.base * 100 + i : user.base * 70 + i / 2]);
}

async function setup(options: { users?: readonly User[]; dataTypes?: WithingsDataTypeName[] } = {}) {
  const users = options.users ?? USERS;
  w = await startFakeWithings({
    users: Object.fromEntries(
      users.map((u) => [
        u.withings,
        { refreshTokens: [u.token], timezone: u.timezone, measures: measuresOf(u), activities: activitiesOf(u) },
      ]),
    ),
  });
  const fake = w;
  const dir = tempDir('life-stats-withings-run-');
  const { storage, secrets } = makeStores(dir);
  cleanup.push(() => storage.close());
  await secrets.set('withings', 'client_id', fake.clientId);
  await secrets.set('withings', 'client_secret', fake.clientSecret);
  for (const u of users) await secrets.set('withings', 'token', u.token, u.id);
  const config = makeConfig(
    dir,
    (options.dataTypes ?? DATA_TYPE_NAMES).map((dataType) => ({
      plugin,
      config: { dataType, apiRootUrl: fake.apiRootUrl, authUrl: fake.authUrl },
    })),
    { users: users.map((u) => ({ id: u.id, timezone: u.timezone })), backfillDays: 2 },
  );
  const file = path.join(dir, 'secrets.json');
  const stored = (userId: string) => JSON.parse(readFileSync(file, 'utf8')).withings.users[userId].token as string;
  const run = async (store: SecretStore = secrets, mode: 'scheduled' | 'backfill' = 'backfill') => {
    const log = captureLogger();
    const summary = await runPairs({
      config,
      storage,
      secrets: store,
      logger: log.logger,
      retry: FAST_RETRY,
      mode,
      ...(mode === 'backfill' ? { window: WINDOW } : {}),
      now: at('2026-11-05T20:00:00Z'),
    });
    expectNoSecret(JSON.stringify(summary) + log.text(), [...secretsOf(fake), ...users.map((u) => u.token)]);
    return { summary, log };
  };
  return { fake, dir, file, storage, secrets, stored, run };
}

describe('withings in the run engine', () => {
  it('collects every data type of two users from one consent each, one refresh per user', async () => {
    const t = await setup();
    const { summary } = await t.run();
    const byPair = (rows: unknown[][]) => rows.map((r) => r.join(' ')).sort();
    expect(byPair(summary.runs.map((r) => [r.user, r.metric, r.status, r.items]))).toEqual(
      byPair(
        USERS.flatMap((u) =>
          DATA_TYPE_NAMES.map((d) => [u.id, plugin.dataTypes?.[d]?.metric, 'ok', expected(u, d).length]),
        ),
      ),
    );
    for (const u of USERS) {
      for (const dataType of DATA_TYPE_NAMES) {
        const metric = plugin.dataTypes?.[dataType]?.metric as string;
        const rows = await t.storage.queryMetrics({ userId: u.id, metricType: metric });
        expect(rows.map((r) => [r.date, r.value])).toEqual(expected(u, dataType));
        expect(rows.every((r) => r.source === 'withings')).toBe(true);
      }
    }
    // Four entries share each grant: one refresh per user, though Withings rotates on every one.
    expect(
      t.fake
        .tokenRequests()
        .map((r) => r.form?.refresh_token)
        .sort(),
    ).toEqual(USERS.map((u) => u.token).sort());
    for (const u of USERS) {
      expect(t.stored(u.id)).not.toBe(u.token);
      expect(t.fake.userOf(t.stored(u.id))).toBe(u.withings);
    }
    expect(t.fake.liveRefreshTokens().sort()).toEqual(USERS.map((u) => t.stored(u.id)).sort());
  });

  it('writes the rotated refresh token to the file before the API sees the new access token', async () => {
    const t = await setup({ users: [USERS[0]], dataTypes: ['weight'] });
    const seen: string[] = [];
    t.fake.onApi = () => seen.push(t.stored('alice'));
    const { summary, log } = await t.run();
    expect(summary.runs).toMatchObject([{ status: 'ok' }]);
    const rotated = t.stored('alice');
    expect(rotated).not.toBe(USERS[0].token);
    expect(seen).toEqual([rotated]);
    expect(log.text()).toContain('Withings issued a new refresh token; stored it in place of the old one');
    // Withings' old token died once the new access token reached the API.
    expect(t.fake.liveRefreshTokens()).toEqual([rotated]);
  });

  it('a run holding the token another process rotated and used gets the stored one, not a false reconnect', async () => {
    const t = await setup({ users: [USERS[0]], dataTypes: ['weight'] });
    // This run's store read the file before the other process rotated the token.
    expect(await t.secrets.get('withings', 'token', 'alice')).toBe(USERS[0].token);

    // The other process: refresh, store the successor, use its access token (the old one dies).
    const form = new URLSearchParams({
      action: 'requesttoken',
      grant_type: 'refresh_token',
      client_id: t.fake.clientId,
      client_secret: t.fake.clientSecret,
      refresh_token: USERS[0].token,
    });
    const answer = (await (await fetch(`${t.fake.url}/v2/oauth2`, { method: 'POST', body: form })).json()) as {
      body: { access_token: string; refresh_token: string };
    };
    await createFileSecrets({ path: t.file }).set('withings', 'token', answer.body.refresh_token, 'alice');
    await fetch(`${t.fake.url}/measure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${answer.body.access_token}` },
      body: new URLSearchParams({ action: 'getmeas', meastype: '1' }),
    });
    expect(t.fake.liveRefreshTokens()).toEqual([answer.body.refresh_token]);

    const { summary, log } = await t.run();
    expect(summary.runs).toMatchObject([{ status: 'ok', items: DAYS.length }]);
    expect(log.text()).toContain('another process rotated it');
    expect(t.fake.tokenRequests().map((r) => r.form?.refresh_token)).toEqual([
      USERS[0].token, // the other process
      USERS[0].token, // this run: refused, status 503 "invalid refresh_token"
      answer.body.refresh_token, // this run again, with the token the store now holds
    ]);
    expect(t.fake.liveRefreshTokens()).toEqual([t.stored('alice')]);
  });

  it('a revoked grant ends every entry of the user `reconnect` with the exact command; the other user goes on', async () => {
    const t = await setup();
    t.fake.revoke(USERS[1].token);
    const { summary } = await t.run(t.secrets, 'scheduled');
    const bob = summary.runs.filter((r) => r.user === 'bob');
    expect(bob.map((r) => r.status)).toEqual(['reconnect', 'reconnect', 'reconnect', 'reconnect']);
    for (const r of bob) expect(r.error).toContain('`life-stats auth withings --user bob`');
    expect(summary.runs.filter((r) => r.user === 'alice').every((r) => r.status === 'ok')).toBe(true);
    expect(await t.storage.queryMetrics({ userId: 'bob' })).toEqual([]);
    expect((await t.storage.getCursor('bob', 'weight_kg'))?.last_status).toBe('reconnect');
  });

  it('status 601 is retried and the pair completes; when it persists the pair fails, nothing stored, cursor kept', async () => {
    const t = await setup({ users: [USERS[0]], dataTypes: ['steps'] });
    t.fake.injectApi({ status: 601, error: 'Too many request' }, 2);
    const first = await t.run(t.secrets, 'scheduled');
    // The first run's window is 2026-11-03..05 in Paris; the 3rd has no activity.
    expect(first.summary.runs).toMatchObject([{ status: 'ok', items: 2 }]);
    expect((await t.storage.queryMetrics({ userId: 'alice' })).map((r) => r.date)).toEqual([
      '2026-11-04',
      '2026-11-05',
    ]);
    expect(first.log.text()).toContain('attempt 1 failed, retrying');
    expect(first.log.text()).toContain('601 (Too many requests)');

    const t2 = await setup({ users: [USERS[0]], dataTypes: ['steps'] });
    t2.fake.injectApi({ status: 601, error: 'Too many request' }, 50);
    const second = await t2.run(t2.secrets, 'scheduled');
    expect(second.summary.runs).toMatchObject([{ status: 'failed' }]);
    expect(second.summary.runs[0]?.error).toContain('601 (Too many requests)');
    expect(await t2.storage.queryMetrics({ userId: 'alice' })).toEqual([]);
    const row = await t2.storage.getCursor('alice', 'steps');
    expect(row?.last_status).toBe('failed');
    expect(row?.last_run_time ?? null).toBeNull();
  });
});
