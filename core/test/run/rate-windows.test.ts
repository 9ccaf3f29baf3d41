// Over 300 lines: one table of rate-budget behaviours (windows, deferral, sharing, counting), each
// case a few lines on the same inline plugins; split, the cases would repeat the rig.
/**
 * Rate budgets beyond `requestsPerMinute`: sliding windows, a window spent for long → the pair is
 * `deferred` (never `failed`, cursor unmoved), one budget per secrets namespace, budgets that count
 * each request of `ctx.oauth.fetch`; and a plugin's own `DeferPairError`.
 */
import { at, FAST_RETRY, makeConfig, tempDir } from '@life-stats/testing/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { DeferPairError, hasErrorCode } from '../../src/errors.js';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { PluginRateLimit } from '../../src/plugins/types.js';
import { validateManifest } from '../../src/plugins/validate-manifest.js';
import { createRateBudgets, MAX_WINDOW_WAIT_MS } from '../../src/run/rate-budget.js';
import { runPairs } from '../../src/run/run-pairs.js';
import { summaryNeedsAttention } from '../../src/run/types.js';
import { type FakeOAuthProvider, startFakeOAuthProvider } from '../../src/testing/fake-oauth-provider.js';
import { eachDate } from '../../src/util/dates.js';
import { closeStoresAfterEach, dailyPlugin, stores } from './engine-rig.js';

closeStoresAfterEach();

const HOUR = 3_600_000;
const NOW = '2026-11-25T12:00:00Z';

/** A plugin that returns 1 for each day and counts its fetches, with `rateLimit`, in namespace `shared`. */
function limitedPlugin(id: string, rateLimit: PluginRateLimit) {
  const fetches: string[] = [];
  const plugin = definePlugin({
    id,
    apiVersion: 1,
    metric: { type: id.replace(/-/g, '_') },
    secrets: { namespace: 'shared' },
    rateLimit,
    async fetch(ctx) {
      fetches.push(ctx.user.id);
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: 1 }));
    },
  });
  return { plugin, fetches };
}

describe('rate budget windows', () => {
  it('lets a window fill, then defers with the time the oldest request leaves it', async () => {
    const wall = Date.parse(NOW);
    const budgets = createRateBudgets({ monotonic: () => 5000, wall: () => wall });
    const budget = budgets.get('k', { windows: [{ requests: 3, perMs: HOUR }] }, 'plugin:acme');
    for (let i = 0; i < 3; i++) await budget.take();
    const error = await budget.take().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeferPairError);
    expect((error as DeferPairError).resumeAt?.toISOString()).toBe('2026-11-25T13:00:00.000Z');
    expect((error as Error).message).toBe(
      '[life-stats] [plugin:acme] the request budget of 3 requests per 60 min is spent for this run until 2026-11-25T13:00:00.000Z',
    );
    // The same key is the same budget, whatever numbers a later entry brings.
    await expect(budgets.get('k', { windows: [{ requests: 100, perMs: HOUR }] }).take()).rejects.toThrow(
      'is spent for this run',
    );
    await expect(budgets.get('other', { windows: [{ requests: 1, perMs: HOUR }] }).take()).resolves.toBeUndefined();
  });

  it('holds a request while a short window is full, and the wait is the window', async () => {
    const budget = createRateBudgets().get('k', { windows: [{ requests: 2, perMs: 150 }] });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await budget.take();
      starts.push(performance.now());
    }
    // Any two requests two apart are at least a window apart (less a timer's slack).
    expect((starts[2] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(140);
    expect((starts[3] ?? 0) - (starts[1] ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it(`waits (not defers) when the window frees within ${MAX_WINDOW_WAIT_MS / 60_000} minutes`, async () => {
    let now = 0;
    const budget = createRateBudgets({ monotonic: () => now }).get('k', {
      windows: [{ requests: 1, perMs: MAX_WINDOW_WAIT_MS }],
    });
    await budget.take();
    now = 1; // the next slot is MAX_WINDOW_WAIT_MS - 1 away: a wait, which the signal ends
    const controller = new AbortController();
    const waits: [number, string][] = [];
    const pending = budget.take(controller.signal, (ms, reason) => waits.push([ms, reason]));
    controller.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
    // A long wait is announced (the run logs it), with the window that holds it.
    expect(waits).toEqual([[MAX_WINDOW_WAIT_MS - 1, '1 requests per 15 min']]);
  });

  it('checks the manifest: windows, sharedBy and counts, every problem at once', () => {
    expect(() =>
      validateManifest(
        {
          id: 'bad-limits',
          apiVersion: 1,
          metric: { type: 'x' },
          rateLimit: { windows: [{ requests: 0, perMs: 10 }, 'x'], sharedBy: 'app', counts: 'request' },
          fetch: async () => [],
        },
        'inline',
      ),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /windows\[0\]: must be \{ requests: an integer > 0[\s\S]*windows\[1\][\s\S]*sharedBy: must be 'entry' or 'namespace'[\s\S]*'request' counts the requests of ctx\.oauth\.fetch, so it needs `oauth`/,
        ),
      }),
    );
    expect(() =>
      validateManifest(
        { id: 'empty', apiVersion: 1, metric: { type: 'x' }, rateLimit: {}, fetch: async () => [] },
        'i',
      ),
    ).toThrow('rateLimit: needs requestsPerMinute or windows');
  });
});

describe('deferred pairs in the run engine', () => {
  it('entries of one namespace share one budget: the pair past the window is deferred, its cursor unmoved', async () => {
    const dir = tempDir();
    const rateLimit: PluginRateLimit = { windows: [{ requests: 3, perMs: 24 * HOUR }], sharedBy: 'namespace' };
    const a = limitedPlugin('limited-a', rateLimit);
    const b = limitedPlugin('limited-b', rateLimit);
    const users = [
      { id: 'u1', timezone: 'UTC' },
      { id: 'u2', timezone: 'UTC' },
    ];
    const { storage, secrets } = stores(dir);
    const config = makeConfig(dir, [{ plugin: a.plugin }, { plugin: b.plugin }], { users, backfillDays: 1 });
    const summary = await runPairs({ config, storage, secrets, concurrency: 1, now: at(NOW) });
    const statuses = summary.runs.map((r) => r.status);
    expect(statuses.filter((s) => s === 'ok')).toHaveLength(3);
    const deferred = summary.runs.filter((r) => r.status === 'deferred');
    expect(deferred).toHaveLength(1);
    expect(deferred[0]?.error).toMatch(
      /^\[life-stats\] \[plugin:limited-[ab]\] the request budget of 3 requests per day is spent for this run until \d{4}-\d\d-\d\dT[\d:.]+Z\n {2}→ The cursor did not move: a run after .+ collects this window\.$/,
    );
    expect(summaryNeedsAttention(summary)).toBe(false);
    expect(a.fetches.length + b.fetches.length).toBe(3);
    const d = deferred[0];
    const cursor = await storage.getCursor(d?.user ?? '', d?.metric ?? '');
    expect(cursor?.last_status).toBe('deferred');
    expect(cursor?.last_run_time ?? null).toBeNull();
    expect(await storage.queryMetrics({ userId: d?.user ?? '', metricType: d?.metric ?? '' })).toEqual([]);

    // Per entry (the default), each entry has its own three: every pair runs.
    const perEntry: PluginRateLimit = { windows: [{ requests: 3, perMs: 24 * HOUR }] };
    const c = limitedPlugin('limited-c', perEntry);
    const e = limitedPlugin('limited-e', perEntry);
    const dir2 = tempDir();
    const s2 = stores(dir2);
    const config2 = makeConfig(dir2, [{ plugin: c.plugin }, { plugin: e.plugin }], { users, backfillDays: 1 });
    const again = await runPairs({ ...s2, config: config2, now: at(NOW) });
    expect(again.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it("an entry's requestsPerMinute overrides only that field: the plugin's windows still hold", async () => {
    const dir = tempDir();
    const { plugin, fetches } = limitedPlugin('windowed', { windows: [{ requests: 1, perMs: 24 * HOUR }] });
    const users = [
      { id: 'u1', timezone: 'UTC' },
      { id: 'u2', timezone: 'UTC' },
    ];
    const { storage, secrets } = stores(dir);
    const config = makeConfig(dir, [{ plugin, rateLimit: { requestsPerMinute: 6000 } }], { users });
    const summary = await runPairs({ config, storage, secrets, concurrency: 1, now: at(NOW) });
    expect(summary.runs.map((r) => r.status).sort()).toEqual(['deferred', 'ok']);
    expect(fetches).toHaveLength(1);
  });

  it("a plugin's DeferPairError defers the pair: not retried, earlier chunks kept, the cursor stays", async () => {
    const dir = tempDir();
    let calls = 0;
    const resumeAt = new Date('2026-11-26T00:00:00Z');
    const quota = definePlugin({
      id: 'quota',
      apiVersion: 1,
      metric: { type: 'quota' },
      maxDaysPerFetch: 3,
      async fetch(ctx) {
        calls++;
        if (calls > 1) throw new DeferPairError('[life-stats] [plugin:quota] the daily quota is spent', { resumeAt });
        return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: 7 }));
      },
    });
    const { plugin } = dailyPlugin();
    const { storage, secrets } = stores(dir);
    await storage.putCursor({
      user_id: 'me',
      metric_type: 'quota',
      last_status: 'ok',
      last_run_time: '2026-11-20T12:00:00.000Z',
    });
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: quota }, { plugin }]),
      storage,
      secrets,
      retry: FAST_RETRY,
      now: at(NOW),
    });
    expect(summary.runs.map((r) => r.status)).toEqual(['deferred', 'ok']);
    expect(summary.runs[0]?.error).toBe(
      '[life-stats] [plugin:quota] the daily quota is spent\n' +
        '  → The cursor did not move: a run after 2026-11-26T00:00:00.000Z collects this window.',
    );
    expect(calls).toBe(2);
    expect((await storage.queryMetrics({ metricType: 'quota' })).map((r) => r.date)).toEqual(
      eachDate('2026-11-19', '2026-11-21'),
    );
    expect(await storage.getCursor('me', 'quota')).toMatchObject({
      last_status: 'deferred',
      last_run_time: '2026-11-20T12:00:00.000Z',
    });
    expect(summaryNeedsAttention(summary)).toBe(false);
  });
});

describe('a shared quota spent', () => {
  it("defers the budget's other pairs without calling the plugin, until resumeAt; a pair-only deferral does not", async () => {
    const users = ['a', 'b', 'c'].map((id) => ({ id, timezone: 'UTC' }));
    const resumeAt = new Date(Date.now() + HOUR);
    const make = (sharedQuota: boolean) => {
      const calls: string[] = [];
      const plugin = definePlugin({
        id: sharedQuota ? 'app-quota' : 'user-quota',
        apiVersion: 1,
        metric: { type: sharedQuota ? 'app_quota' : 'user_quota' },
        rateLimit: { requestsPerMinute: 6000, sharedBy: 'namespace' },
        async fetch(ctx) {
          calls.push(ctx.user.id);
          throw new DeferPairError(`[life-stats] [plugin:x] the quota is spent (${ctx.user.id})`, {
            resumeAt,
            sharedQuota,
          });
        },
      });
      return { plugin, calls };
    };
    for (const shared of [true, false]) {
      const { plugin, calls } = make(shared);
      const dir = tempDir();
      const { storage, secrets } = stores(dir);
      const summary = await runPairs({
        config: makeConfig(dir, [{ plugin }], { users }),
        storage,
        secrets,
        concurrency: 1,
        now: at(NOW),
      });
      expect(summary.runs.map((r) => r.status)).toEqual(['deferred', 'deferred', 'deferred']);
      if (shared) {
        expect(calls).toEqual(['a']);
        // Every pair says what the first learned, and when it resumes.
        for (const r of summary.runs) expect(r.error).toContain('the quota is spent (a)');
        expect(summary.runs[2]?.error).toContain(`a run after ${resumeAt.toISOString()} collects this window`);
      } else {
        expect(calls).toEqual(['a', 'b', 'c']);
      }
    }
  });
});

describe('a budget that counts requests', () => {
  let provider: FakeOAuthProvider | undefined;
  afterEach(() => provider?.close());

  it("takes a turn for every request of ctx.oauth.fetch (not for token requests), across the namespace's users", async () => {
    const served: string[] = [];
    provider = await startFakeOAuthProvider({
      pkce: false,
      grants: { 'rt-u1': undefined, 'rt-u2': undefined },
      routes: {
        'GET /api/page': (request) => {
          if (!provider?.authorized(request)) return { status: 401 };
          served.push(request.query.page ?? '');
          return { json: { value: 1 } };
        },
      },
    });
    const fake = provider;
    const paged = definePlugin({
      id: 'paged',
      apiVersion: 1,
      metric: { type: 'paged' },
      secrets: { namespace: 'paged' },
      rateLimit: { windows: [{ requests: 5, perMs: 24 * HOUR }], sharedBy: 'namespace', counts: 'request' },
      oauth: { provider: 'Paged', authUrl: fake.authUrl, tokenUrl: fake.tokenUrl, scopes: [], pkce: false },
      async fetch(ctx) {
        // Three pages a fetch.
        for (const page of ['1', '2', '3']) {
          const response = await ctx.oauth?.fetch(`${fake.url}/api/page?page=${page}`);
          if (!response?.ok) throw new Error(`HTTP ${response?.status}`);
        }
        return [{ date: ctx.window.end, value: 3 }];
      },
    });
    const dir = tempDir();
    const { storage, secrets } = stores(dir);
    await secrets.set('paged', 'client_id', fake.clientId);
    await secrets.set('paged', 'client_secret', fake.clientSecret);
    await secrets.set('paged', 'token', 'rt-u1', 'u1');
    await secrets.set('paged', 'token', 'rt-u2', 'u2');
    const users = [
      { id: 'u1', timezone: 'UTC' },
      { id: 'u2', timezone: 'UTC' },
    ];
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: paged }], { users, backfillDays: 0 }),
      storage,
      secrets,
      concurrency: 1,
      retry: FAST_RETRY,
      now: at(NOW),
    });
    // Five requests in the budget: the first pair's three, two of the second's; the third waits a day.
    expect(summary.runs.map((r) => r.status).sort()).toEqual(['deferred', 'ok']);
    expect(served).toEqual(['1', '2', '3', '1', '2']);
    expect(fake.requestsTo('token')).toHaveLength(2);
    const deferred = summary.runs.find((r) => r.status === 'deferred');
    expect(deferred?.error).toContain('the request budget of 5 requests per day is spent');
    expect(hasErrorCode(new DeferPairError('x'), 'E_DEFERRED')).toBe(true);
  });
});
