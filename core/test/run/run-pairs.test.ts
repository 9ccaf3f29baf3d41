import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { ReconnectRequiredError, RetryableError } from '../../src/errors.js';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { DateWindow, PluginContext } from '../../src/plugins/types.js';
import { runPairs } from '../../src/run/run-pairs.js';
import type { Storage } from '../../src/storage/types.js';
import { eachDate } from '../../src/util/dates.js';

const open: Storage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function stores(dir: string) {
  const s = makeStores(dir);
  open.push(s.storage);
  return s;
}

/** A plugin that returns `value(date)` for every date of its window and records the windows it saw. */
function dailyPlugin(id = 'daily', value: (date: string) => number | undefined = () => 1) {
  const windows: { user: string; window: DateWindow }[] = [];
  const plugin = definePlugin({
    id,
    apiVersion: 1,
    metric: { type: id.replace(/-/g, '_') },
    async fetch(ctx) {
      windows.push({ user: ctx.user.id, window: ctx.window });
      return eachDate(ctx.window.start, ctx.window.end).flatMap((date) => {
        const v = value(date);
        return v === undefined ? [] : [{ date, value: v }];
      });
    },
  });
  return { plugin, windows };
}

describe('runPairs', () => {
  it('first run backfills in each user’s own calendar, chunked by maxDaysPerFetch', async () => {
    const dir = tempDir();
    const { plugin, windows } = dailyPlugin();
    const chunked = { ...plugin, maxDaysPerFetch: 3 };
    const config = makeConfig(dir, [{ plugin: chunked }], {
      users: [
        { id: 'ny', timezone: 'America/New_York' },
        { id: 'in', timezone: 'Asia/Kolkata' },
      ],
      backfillDays: 7,
    });
    const { storage, secrets } = stores(dir);
    // 2026-11-02T04:30Z: 23:30 on Nov 1 in New York (after the DST change), 10:00 on Nov 2 in Kolkata.
    const summary = await runPairs({ config, storage, secrets, now: at('2026-11-02T04:30:00Z') });
    expect(summary.runs.map((r) => [r.user, r.status, r.window, r.items])).toEqual([
      ['ny', 'ok', { start: '2026-10-25', end: '2026-11-01' }, 8],
      ['in', 'ok', { start: '2026-10-26', end: '2026-11-02' }, 8],
    ]);
    expect(windows.filter((w) => w.user === 'ny').map((w) => w.window)).toEqual([
      { start: '2026-10-25', end: '2026-10-27' },
      { start: '2026-10-28', end: '2026-10-30' },
      { start: '2026-10-31', end: '2026-11-01' },
    ]);
    const rows = await storage.queryMetrics({ userId: 'ny' });
    expect(rows.map((r) => r.date)).toEqual(eachDate('2026-10-25', '2026-11-01'));
    expect(rows[0]).toMatchObject({ user_id: 'ny', metric_type: 'daily', value: 1, source: 'daily' });
    expect((await storage.getRun('ny', 'daily'))?.last_run_time).toBe('2026-11-02T04:30:00.000Z');
  });

  it('is idempotent: a rerun overwrites, never duplicates', async () => {
    const dir = tempDir();
    let v = 1;
    const { plugin } = dailyPlugin('daily', () => v);
    const config = makeConfig(dir, [{ plugin }]);
    const { storage, secrets } = stores(dir);
    await runPairs({ config, storage, secrets, now: at('2026-11-25T12:00:00Z') });
    v = 2;
    await runPairs({ config, storage, secrets, now: at('2026-11-25T13:00:00Z') });
    await runPairs({ config, storage, secrets, now: at('2026-11-25T14:00:00Z') });
    const rows = await storage.queryMetrics();
    expect(rows).toHaveLength(8);
    // Rerun windows start settleDays (1) before the last run's date: those days got the new value.
    expect(rows.filter((r) => r.value === 2).map((r) => r.date)).toEqual(['2026-11-24', '2026-11-25']);
  });

  it('a failed write leaves the cursor, and the next run covers the gap', async () => {
    const dir = tempDir();
    const { plugin, windows } = dailyPlugin('daily', (d) => Number(d.slice(8)));
    const config = makeConfig(dir, [{ plugin }]);
    const { storage: real, secrets } = stores(dir);
    let failWrites = false;
    const storage: Storage = {
      ...real,
      name: real.name,
      putMetrics: (rows) => (failWrites ? Promise.reject(new Error('disk full')) : real.putMetrics(rows)),
    };
    await runPairs({ config, storage, secrets, now: at('2026-11-10T12:00:00Z') });
    expect((await real.getRun('me', 'daily'))?.last_run_time).toBe('2026-11-10T12:00:00.000Z');

    failWrites = true;
    const failed = await runPairs({ config, storage, secrets, now: at('2026-11-15T12:00:00Z') });
    expect(failed.runs[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('disk full') });
    const row = await real.getRun('me', 'daily');
    expect(row).toMatchObject({ last_run_time: '2026-11-10T12:00:00.000Z', last_status: 'failed' });
    expect(row?.last_error).toContain('disk full');

    failWrites = false;
    const healed = await runPairs({ config, storage, secrets, now: at('2026-11-20T12:00:00Z') });
    expect(healed.runs[0]).toMatchObject({ status: 'ok', window: { start: '2026-11-09', end: '2026-11-20' } });
    expect(windows.at(-1)?.window).toEqual({ start: '2026-11-09', end: '2026-11-20' });
    const dates = (await real.queryMetrics()).map((r) => r.date);
    expect(dates).toEqual(eachDate('2026-11-03', '2026-11-20'));
    expect(await real.getRun('me', 'daily')).toMatchObject({
      last_status: 'ok',
      last_run_time: '2026-11-20T12:00:00.000Z',
    });
    expect((await real.getRun('me', 'daily'))?.last_error).toBeUndefined();
  });

  it('retries RetryableError with backoff, waiting at least retryAfterMs', async () => {
    const dir = tempDir();
    const attempts: number[] = [];
    const plugin = definePlugin({
      id: 'flaky',
      apiVersion: 1,
      metric: { type: 'flaky' },
      async fetch(ctx) {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new RetryableError('429 Too Many Requests', { retryAfterMs: 150 });
        return [{ date: ctx.window.end, value: 5 }];
      },
    });
    const { storage, secrets } = stores(dir);
    const { logger, records } = captureLogger();
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }]),
      storage,
      secrets,
      logger,
      retry: FAST_RETRY,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs[0]).toMatchObject({ status: 'ok', items: 1 });
    expect(attempts).toHaveLength(3);
    expect((attempts[1] ?? 0) - (attempts[0] ?? 0)).toBeGreaterThanOrEqual(145);
    expect((attempts[2] ?? 0) - (attempts[1] ?? 0)).toBeGreaterThanOrEqual(145);
    expect(records.filter((r) => r.level === 'warn' && r.message.includes('retrying'))).toHaveLength(2);
  });

  it('retries HTTP 5xx and network errors, but not other errors', async () => {
    const dir = tempDir();
    const counts = { http: 0, net: 0, bug: 0 };
    const make = (id: 'http' | 'net' | 'bug', fail: () => Error) =>
      definePlugin({
        id,
        apiVersion: 1,
        metric: { type: id },
        async fetch(ctx: PluginContext) {
          counts[id]++;
          if (counts[id] < 2 || id === 'bug') throw fail();
          return [{ date: ctx.window.end, value: 1 }];
        },
      });
    const http = make('http', () => Object.assign(new Error('Service Unavailable'), { status: 503 }));
    const net = make(
      'net',
      () => new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
    );
    const bug = make('bug', () => new Error('undefined is not a function'));
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: http }, { plugin: net }, { plugin: bug }]),
      storage,
      secrets,
      retry: FAST_RETRY,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'failed']);
    expect(counts).toEqual({ http: 2, net: 2, bug: 1 });
  });

  it('bounds fetches in flight by concurrency, while pairs that are writing give their slot to the next fetch', async () => {
    const dir = tempDir();
    let fetching = 0;
    let maxFetching = 0;
    let writing = 0;
    let maxBusy = 0;
    const busy = () => {
      maxBusy = Math.max(maxBusy, fetching + writing);
    };
    const { plugin: daily } = dailyPlugin();
    const plugin = {
      ...daily,
      fetch: async (ctx: PluginContext) => {
        fetching++;
        maxFetching = Math.max(maxFetching, fetching);
        busy();
        await new Promise((resolve) => setTimeout(resolve, 20));
        fetching--;
        return daily.fetch(ctx);
      },
    };
    const users = Array.from({ length: 12 }, (_, i) => ({ id: `u${i}`, timezone: 'UTC' }));
    const config = makeConfig(dir, [{ plugin }], { users, backfillDays: 2 });
    const { storage: sqlite, secrets } = stores(dir);
    // A store with a 30 ms round trip, like a remote database.
    const storage: Storage = {
      ...sqlite,
      name: sqlite.name,
      putMetrics: async (rows) => {
        writing++;
        busy();
        await new Promise((resolve) => setTimeout(resolve, 30));
        try {
          await sqlite.putMetrics(rows);
        } finally {
          writing--;
        }
      },
      queryMetrics: (q) => sqlite.queryMetrics(q),
      getRun: (u, m) => sqlite.getRun(u, m),
      listRuns: (q) => sqlite.listRuns(q),
      putRun: (u) => sqlite.putRun(u),
      close: () => sqlite.close(),
    };
    const summary = await runPairs({ config, storage, secrets, concurrency: 3, now: at('2026-11-25T12:00:00Z') });
    expect(summary.runs.every((r) => r.status === 'ok' && r.items === 3)).toBe(true);
    expect(maxFetching).toBe(3);
    // More pairs than fetch slots were busy at once (fetching or writing), never more than four times as many.
    expect(maxBusy).toBeGreaterThan(3);
    expect(maxBusy).toBeLessThanOrEqual(12);
    expect(await sqlite.queryMetrics()).toHaveLength(36);
  });

  it('isolates pairs: one throwing does not stop another', async () => {
    const dir = tempDir();
    const broken = definePlugin({
      id: 'broken',
      apiVersion: 1,
      metric: { type: 'broken' },
      async fetch() {
        throw new Error('boom');
      },
    });
    const { plugin } = dailyPlugin();
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: broken }, { plugin }]),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs.map((r) => [r.metric, r.status])).toEqual([
      ['broken', 'failed'],
      ['daily', 'ok'],
    ]);
    expect(summary.runs[0]?.error).toContain('boom');
    expect(await storage.queryMetrics({ metricType: 'daily' })).toHaveLength(8);
    expect(await storage.getRun('me', 'broken')).toMatchObject({ last_status: 'failed' });
    expect((await storage.getRun('me', 'broken'))?.last_run_time).toBeUndefined();
  });

  it.each([
    ['an out-of-window date', [{ date: '2026-12-01', value: 1 }], /outside the window/],
    ['NaN', [{ date: '2026-11-24', value: Number.NaN }], /finite number/],
    [
      'the same date twice',
      [
        { date: '2026-11-24', value: 1 },
        { date: '2026-11-24', value: 2 },
      ],
      /twice|more than once|duplicate/,
    ],
  ])('rejects a result with %s whole: the pair fails, nothing of it is stored', async (_name, bad, message) => {
    const dir = tempDir();
    const plugin = definePlugin({
      id: 'bad',
      apiVersion: 1,
      metric: { type: 'bad' },
      async fetch() {
        return [{ date: '2026-11-20', value: 3 }, ...bad];
      },
    });
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }]),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs[0]?.status).toBe('failed');
    expect(summary.runs[0]?.error).toMatch(message);
    expect(summary.runs[0]?.error).toContain('[plugin:bad]');
    expect(await storage.queryMetrics()).toEqual([]);
    expect((await storage.getRun('me', 'bad'))?.last_run_time).toBeUndefined();
  });

  it('starts no new pair past the deadline; deferred pairs are collected by the next run', async () => {
    const dir = tempDir();
    const { plugin: daily } = dailyPlugin();
    let remaining = 100_000;
    // Each fetch takes 40 s of the function's time.
    const plugin = {
      ...daily,
      fetch: async (ctx: PluginContext) => {
        remaining -= 40_000;
        return daily.fetch(ctx);
      },
    };
    const users = ['a', 'b', 'c', 'd'].map((id) => ({ id, timezone: 'UTC' }));
    const config = makeConfig(dir, [{ plugin }], { users });
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config,
      storage,
      secrets,
      concurrency: 1,
      now: at('2026-11-25T12:00:00Z'),
      deadlineMarginMs: 30_000,
      remainingTimeMs: () => remaining,
    });
    expect(summary.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'deferred', 'deferred']);
    expect(summary.runs[2]?.error).toMatch(/deadline/);
    expect(await storage.getRun('c', 'daily')).toBeUndefined();
    const next = await runPairs({ config, storage, secrets, now: at('2026-11-25T13:00:00Z') });
    expect(next.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(await storage.queryMetrics({ userId: 'd' })).toHaveLength(8);
  });

  it('aborts a fetch that hangs past the timeout, retries it, then fails the pair', async () => {
    const dir = tempDir();
    let calls = 0;
    const plugin = definePlugin({
      id: 'hang',
      apiVersion: 1,
      metric: { type: 'hang' },
      fetch: () => {
        calls++;
        return new Promise(() => {}); // ignores ctx.signal and never resolves
      },
    });
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }]),
      storage,
      secrets,
      fetchTimeoutMs: 50,
      retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 5 },
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/within 50 ms/) });
    expect(calls).toBe(2);
  });

  it('reconnect: no retry, a hint to re-authenticate, other pairs go on', async () => {
    const dir = tempDir();
    let calls = 0;
    const revoked = definePlugin({
      id: 'revoked',
      apiVersion: 1,
      metric: { type: 'revoked' },
      async fetch() {
        calls++;
        throw new ReconnectRequiredError('invalid_grant: Token has been expired or revoked.');
      },
    });
    const { plugin } = dailyPlugin();
    const { storage, secrets } = stores(dir);
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: revoked }, { plugin }]),
      storage,
      secrets,
      retry: FAST_RETRY,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs.map((r) => r.status)).toEqual(['reconnect', 'ok']);
    expect(summary.runs[0]?.error).toContain('life-stats auth revoked --user me');
    expect(calls).toBe(1);
    expect(await storage.getRun('me', 'revoked')).toMatchObject({ last_status: 'reconnect' });
  });

  it('backfill fetches the explicit window and never moves the cursor', async () => {
    const dir = tempDir();
    const { plugin, windows } = dailyPlugin();
    const config = makeConfig(dir, [{ plugin }]);
    const { storage, secrets } = stores(dir);
    await runPairs({ config, storage, secrets, now: at('2026-11-25T12:00:00Z') });
    const summary = await runPairs({
      config,
      storage,
      secrets,
      mode: 'backfill',
      window: { start: '2026-01-01', end: '2026-03-31' },
      now: at('2026-11-26T12:00:00Z'),
    });
    expect(summary.runs[0]).toMatchObject({
      status: 'ok',
      items: 90,
      window: { start: '2026-01-01', end: '2026-03-31' },
    });
    expect(windows.slice(1).map((w) => w.window)).toEqual([
      { start: '2026-01-01', end: '2026-01-30' },
      { start: '2026-01-31', end: '2026-03-01' },
      { start: '2026-03-02', end: '2026-03-31' },
    ]);
    expect((await storage.getRun('me', 'daily'))?.last_run_time).toBe('2026-11-25T12:00:00.000Z');
  });

  it('users are config users ∪ users with secrets in the namespace ∪ users with run rows; no secrets → skipped', async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const plugin = definePlugin({
      id: 'acme-water',
      apiVersion: 1,
      metric: { type: 'water_ml' },
      secrets: { namespace: 'acme', user: ['api_key'], shared: ['client_id'] },
      async fetch(ctx) {
        seen.push(`${ctx.user.id}:${ctx.secrets.get('api_key')}:${ctx.secrets.get('client_id')}`);
        return [];
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('acme', 'client_id', 'shared-client');
    await secrets.set('acme', 'api_key', 'key-of-bob', 'bob');
    await secrets.set('other', 'api_key', 'key-of-eve', 'eve');
    await storage.putRun({ user_id: 'carol', metric_type: 'water_ml', last_status: 'ok' });
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }], { users: [{ id: 'me', timezone: 'UTC' }] }),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    const byUser = Object.fromEntries(summary.runs.map((r) => [r.user, r]));
    expect(Object.keys(byUser).sort()).toEqual(['bob', 'carol', 'me']);
    expect(byUser.bob?.status).toBe('ok');
    expect(byUser.me).toMatchObject({
      status: 'skipped',
      hint: expect.stringContaining('life-stats secrets set acme api_key --user me'),
    });
    expect(byUser.carol?.status).toBe('skipped');
    expect(seen).toEqual(['bob:key-of-bob:shared-client']);
  });

  it('a plugin reading an undeclared secret fails, naming the plugin and the secret', async () => {
    const dir = tempDir();
    const nosy = definePlugin({
      id: 'nosy',
      apiVersion: 1,
      metric: { type: 'nosy' },
      secrets: { user: ['token'] },
      async fetch(ctx) {
        ctx.secrets.get('client_secret');
        return [];
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('nosy', 'token', 'tok-123456', 'me');
    await secrets.set('nosy', 'client_secret', 'not-declared-secret');
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: nosy }]),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs[0]?.status).toBe('failed');
    expect(summary.runs[0]?.error).toMatch(/nosy/);
    expect(summary.runs[0]?.error).toMatch(/client_secret/);
  });

  it('never lets a secret value reach logs, errors or the summary', async () => {
    const dir = tempDir();
    const token = 'ya29.super-secret-access-token';
    const leaky = definePlugin({
      id: 'leaky',
      apiVersion: 1,
      metric: { type: 'leaky' },
      secrets: { user: ['token'] },
      async fetch(ctx) {
        ctx.log.info(`using token ${ctx.secrets.get('token')}`, { token: ctx.secrets.get('token') });
        throw new Error(`401 for Authorization: Bearer ${ctx.secrets.get('token')}`);
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('leaky', 'token', token, 'me');
    const { logger, text } = captureLogger();
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: leaky }]),
      storage,
      secrets,
      logger,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs[0]?.status).toBe('failed');
    expect(text()).toContain('using token');
    expect(text()).not.toContain(token);
    expect(JSON.stringify(summary)).not.toContain(token);
    expect((await storage.getRun('me', 'leaky'))?.last_error).not.toContain(token);
  });

  it('throttles one entry across all users with a shared rate budget', async () => {
    const dir = tempDir();
    const starts: number[] = [];
    const plugin = definePlugin({
      id: 'limited',
      apiVersion: 1,
      metric: { type: 'limited' },
      rateLimit: { requestsPerMinute: 1200 }, // one request every 50 ms
      async fetch() {
        starts.push(performance.now());
        return [];
      },
    });
    const users = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, timezone: 'UTC' }));
    const { storage, secrets } = stores(dir);
    await runPairs({
      config: makeConfig(dir, [{ plugin }], { users }),
      storage,
      secrets,
      concurrency: 6,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(starts).toHaveLength(6);
    const span = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
    expect(span).toBeGreaterThanOrEqual(5 * 50 - 10);
  });
});
