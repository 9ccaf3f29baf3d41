// Over 300 lines: one case per failure the engine handles (retry, timeout, deadline, reconnect,
// secrets), each on the shared engine rig.
/** The run engine when things go wrong: retries, timeouts, the deadline, reconnects, secrets kept out of everything. */
import { at, captureLogger, FAST_RETRY, makeConfig, tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';
import { ReconnectRequiredError, RetryableError } from '../../src/errors.js';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { PluginContext } from '../../src/plugins/types.js';
import { runPairs } from '../../src/run/run-pairs.js';
import { closeStoresAfterEach, dailyPlugin, stores } from './engine-rig.js';

closeStoresAfterEach();

describe('runPairs: failures', () => {
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
    expect(await storage.getCursor('c', 'daily')).toBeUndefined();
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
    let thrown: ReconnectRequiredError | undefined;
    const revoked = definePlugin({
      id: 'revoked',
      apiVersion: 1,
      metric: { type: 'revoked' },
      secrets: { user: ['token'], shared: ['client_id', 'client_secret'] },
      oauth: {
        provider: 'Example',
        authUrl: 'https://auth.example/authorize',
        tokenUrl: 'https://auth.example/token',
        scopes: ['read'],
        secrets: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'token' },
      },
      async fetch() {
        calls++;
        // A plugin says only what went wrong: core knows the pair and words the command.
        thrown = new ReconnectRequiredError(
          '[life-stats] [plugin:revoked] invalid_grant: Token has been expired or revoked.',
        );
        throw thrown;
      },
    });
    const { plugin } = dailyPlugin();
    const { storage, secrets } = stores(dir);
    await secrets.set('revoked', 'token', 'refresh-1', 'me');
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: revoked }, { plugin }]),
      storage,
      secrets,
      retry: FAST_RETRY,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs.map((r) => r.status)).toEqual(['reconnect', 'ok']);
    expect(summary.runs[0]?.error).toBe(
      '[life-stats] [plugin:revoked] invalid_grant: Token has been expired or revoked.\n' +
        '  → Run `life-stats auth revoked --user me` to connect again.',
    );
    expect(thrown).toMatchObject({ pluginId: 'revoked', userId: 'me' });
    expect(calls).toBe(1);
    expect(await storage.getCursor('me', 'revoked')).toMatchObject({ last_status: 'reconnect' });
  });

  it('with connect links configured, an OAuth pair that needs its user offers a link too (skipped and reconnect)', async () => {
    const dir = tempDir();
    const oauth = {
      provider: 'Example',
      authUrl: 'https://auth.example/authorize',
      tokenUrl: 'https://auth.example/token',
      scopes: ['read'],
    };
    const revoked = definePlugin({
      id: 'revoked',
      apiVersion: 1,
      metric: { type: 'revoked' },
      oauth,
      async fetch() {
        throw new ReconnectRequiredError('[life-stats] [plugin:revoked] invalid_grant');
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('revoked', 'token', 'refresh-1', 'me');
    await storage.putCursor({ user_id: 'ann', metric_type: 'revoked', last_status: 'ok' });
    const config = {
      ...makeConfig(dir, [{ plugin: revoked }]),
      connect: { baseUrl: 'https://abc.lambda-url.eu-central-1.on.aws/' },
    };
    const summary = await runPairs({ config, storage, secrets, retry: FAST_RETRY, now: at('2026-11-25T12:00:00Z') });
    const byUser = Object.fromEntries(summary.runs.map((r) => [r.user, r]));
    expect(byUser.me?.error).toBe(
      '[life-stats] [plugin:revoked] invalid_grant\n' +
        '  → Run `life-stats auth revoked --user me` to connect again, or send them a link: `life-stats connect-link revoked --user me`.',
    );
    expect(byUser.ann).toMatchObject({ status: 'skipped' });
    expect(byUser.ann?.hint).toMatch(
      /^run `life-stats auth revoked --user ann`, or send them a link: `life-stats connect-link revoked --user ann` \(it stores the refresh token as /,
    );
  });

  it("reconnect: a plugin's own hint is kept; an API-key plugin is told to store its key again", async () => {
    const dir = tempDir();
    const own = definePlugin({
      id: 'own-hint',
      apiVersion: 1,
      metric: { type: 'own_hint' },
      async fetch() {
        throw new ReconnectRequiredError('the key was revoked', { hint: 'Ask the admin for a new key.', userId: 'me' });
      },
    });
    const keyed = definePlugin({
      id: 'keyed',
      apiVersion: 1,
      metric: { type: 'keyed' },
      secrets: { user: ['api_key'] },
      async fetch() {
        throw new ReconnectRequiredError('the provider rejected the API key (401)');
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('keyed', 'api_key', 'k-1', 'me');
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin: own }, { plugin: keyed }]),
      storage,
      secrets,
      retry: FAST_RETRY,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs.map((r) => [r.status, r.error])).toEqual([
      ['reconnect', 'the key was revoked\n  → Ask the admin for a new key.'],
      [
        'reconnect',
        'the provider rejected the API key (401)\n  → Run `life-stats secrets set keyed api_key --user me` to connect again.',
      ],
    ]);
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
    expect((await storage.getCursor('me', 'leaky'))?.last_error).not.toContain(token);
  });
});
