import { createTestContext } from '@life-stats/core/testing';
import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import {
  type FakeGoogle,
  googleApiError,
  type StepSample,
  serviceDisabled,
  startFakeGoogle,
} from '@life-stats/testing/fake-google';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const REFRESH = '1//fake-refresh-token';
let google: FakeGoogle | undefined;

afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function fake(steps: StepSample[] = []): Promise<FakeGoogle> {
  google = await startFakeGoogle({ steps });
  return google;
}

function context(
  g: FakeGoogle,
  options: { timezone?: string; window?: { start: string; end: string }; secrets?: Record<string, string> } = {},
) {
  return createTestContext({
    plugin,
    config: { apiRootUrl: g.apiRootUrl, tokenUrl: g.tokenUrl },
    user: { id: 'alice', timezone: options.timezone ?? 'UTC' },
    window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
    secrets: { client_id: g.clientId, client_secret: g.clientSecret, token: REFRESH, ...options.secrets },
  });
}

const aggregateBodies = (g: FakeGoogle) =>
  g.requestsTo('fit').map((r) => r.json as { startTimeMillis: string; endTimeMillis: string; bucketByTime: unknown });

describe('google-fit-steps: local calendar days', () => {
  it('counts a week across the 2026-11-01 DST change in America/New_York by local day, the 25-hour day whole', async () => {
    const g = await fake([
      { at: '2026-10-29T12:00:00-04:00', steps: 700 },
      { at: '2026-10-31T23:30:00-04:00', steps: 100 },
      { at: '2026-11-01T00:10:00-04:00', steps: 1000 },
      { at: '2026-11-01T01:30:00-04:00', steps: 200 }, // the first 01:30
      { at: '2026-11-01T01:30:00-05:00', steps: 30 }, // the second 01:30, an hour later
      { at: '2026-11-01T23:30:00-05:00', steps: 4 }, // in the 25th hour: a 24-hour bucket would give it to Nov 2
      { at: '2026-11-02T00:30:00-05:00', steps: 5000 },
    ]);
    const { ctx } = context(g, { timezone: 'America/New_York', window: { start: '2026-10-29', end: '2026-11-04' } });

    const observations = await plugin.fetch(ctx);

    expect(observations).toEqual([
      { date: '2026-10-29', value: 700 },
      { date: '2026-10-31', value: 100 },
      { date: '2026-11-01', value: 1234 },
      { date: '2026-11-02', value: 5000 },
    ]);
    const [body] = aggregateBodies(g);
    expect(body?.bucketByTime).toEqual({ period: { type: 'day', value: 1, timeZoneId: 'America/New_York' } });
    expect(new Date(Number(body?.startTimeMillis)).toISOString()).toBe('2026-10-29T04:00:00.000Z');
    expect(new Date(Number(body?.endTimeMillis)).toISOString()).toBe('2026-11-05T05:00:00.000Z');
  });

  it('counts a week in Asia/Kolkata (+05:30) by local day, not UTC day', async () => {
    const g = await fake([
      { at: '2026-03-08T18:20:00Z', steps: 888 }, // 23:50 on Mar 8 in Kolkata: before the window
      { at: '2026-03-09T18:29:00Z', steps: 10 }, // 23:59 on Mar 9
      { at: '2026-03-09T18:31:00Z', steps: 20 }, // 00:01 on Mar 10, still Mar 9 in UTC
      { at: '2026-03-12T20:00:00Z', steps: 300 }, // 01:30 on Mar 13
      { at: '2026-03-15T18:20:00Z', steps: 4 }, // 23:50 on Mar 15
      { at: '2026-03-15T18:40:00Z', steps: 999 }, // 00:10 on Mar 16: after the window
    ]);
    const { ctx } = context(g, { timezone: 'Asia/Kolkata', window: { start: '2026-03-09', end: '2026-03-15' } });

    expect(await plugin.fetch(ctx)).toEqual([
      { date: '2026-03-09', value: 10 },
      { date: '2026-03-10', value: 20 },
      { date: '2026-03-13', value: 300 },
      { date: '2026-03-15', value: 4 },
    ]);
    const [body] = aggregateBodies(g);
    expect(new Date(Number(body?.startTimeMillis)).toISOString()).toBe('2026-03-08T18:30:00.000Z');
    expect(new Date(Number(body?.endTimeMillis)).toISOString()).toBe('2026-03-15T18:30:00.000Z');
  });

  it('gives no observation for days without data (never a 0)', async () => {
    const g = await fake([{ at: '2026-11-19T10:00:00Z', steps: 50 }]);
    const { ctx } = context(g, { window: { start: '2026-11-18', end: '2026-11-20' } });

    expect(await plugin.fetch(ctx)).toEqual([{ date: '2026-11-19', value: 50 }]);
    // The fake did answer three buckets, two of them empty.
    expect(aggregateBodies(g)).toHaveLength(1);
  });

  it('splits a 100-day backfill into requests of at most 30 local days, with no gap or overlap', async () => {
    const days: string[] = [];
    for (let t = Date.parse('2026-01-01T00:00:00Z'); days.length < 100; t += 86_400_000) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    // Noon in Berlin each day, across the 2026-03-29 DST change.
    const g = await fake(days.map((day, i) => ({ at: `${day}T11:00:00Z`, steps: i + 1 })));
    const { ctx } = context(g, { timezone: 'Europe/Berlin', window: { start: '2026-01-01', end: '2026-04-10' } });

    const observations = await plugin.fetch(ctx);

    expect(observations).toHaveLength(100);
    expect(observations.map((o) => o.value)).toEqual(days.map((_, i) => i + 1));
    expect(observations.map((o) => o.date)).toEqual(days);
    const bodies = aggregateBodies(g);
    expect(bodies).toHaveLength(4);
    const spans = bodies.map((b) => (Number(b.endTimeMillis) - Number(b.startTimeMillis)) / 3_600_000);
    // 30 days of 24 hours, except the chunk holding the 23-hour 2026-03-29.
    expect(spans).toEqual([720, 720, 719, 240]);
    for (let i = 1; i < bodies.length; i++) expect(bodies[i]?.startTimeMillis).toBe(bodies[i - 1]?.endTimeMillis);
    // One access token serves every chunk.
    expect(g.requestsTo('token')).toHaveLength(1);
  });
});

describe('google-fit-steps: failures', () => {
  it('turns HTTP 429 into a RetryableError carrying Retry-After, and the next attempt succeeds', async () => {
    const g = await fake([{ at: '2026-11-20T12:00:00Z', steps: 42 }]);
    const tooMany = googleApiError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Read requests'", {
      legacy: 'rateLimitExceeded',
    });
    g.inject('fit', { ...tooMany, headers: { 'retry-after': '7' } });

    const error = await rejection(plugin.fetch(context(g).ctx));
    expect(error.code).toBe('E_RETRYABLE');
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain('HTTP 429');

    expect(await plugin.fetch(context(g).ctx)).toEqual([{ date: '2026-11-20', value: 42 }]);
  });

  it('turns 5xx from the API or the token endpoint into a RetryableError', async () => {
    const g = await fake();
    g.inject('fit', googleApiError(503, 'UNAVAILABLE', 'The service is currently unavailable.'));
    const api = await rejection(plugin.fetch(context(g).ctx));
    expect(api.code).toBe('E_RETRYABLE');
    expect(api.retryAfterMs).toBeUndefined();

    const other = await startFakeGoogle();
    try {
      other.inject('token', { status: 500, json: { error: 'internal_failure', error_description: 'Backend Error' } });
      const token = await rejection(plugin.fetch(context(other).ctx));
      expect(token.code).toBe('E_RETRYABLE');
      expect(token.message).toContain("Google's token endpoint answered HTTP 500");
    } finally {
      await other.close();
    }
  });

  it('turns invalid_grant into a ReconnectRequiredError that says to run `life-stats auth`', async () => {
    const g = await fake();
    g.revoke(REFRESH);
    const { ctx, logs } = context(g);

    const error = await rejection(plugin.fetch(ctx));

    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('invalid_grant');
    expect(error.message).toContain('life-stats auth google-fit-steps --user alice');
    expect(g.requestsTo('fit')).toHaveLength(0);
    expectNoSecret(visibleText(error, logs), [REFRESH, g.clientSecret, ...g.accessTokens]);
  });

  it('writes a refresh token Google rotated back through ctx.secrets.set', async () => {
    const g = await fake([{ at: '2026-11-20T12:00:00Z', steps: 7 }]);
    const rotated = '1//rotated-refresh-token';
    g.rotateOnNextRefresh(REFRESH, rotated);
    const { ctx, secretWrites, logs } = context(g);

    expect(await plugin.fetch(ctx)).toEqual([{ date: '2026-11-20', value: 7 }]);

    expect(secretWrites).toEqual([{ name: 'token', value: rotated }]);
    expect(ctx.secrets.get('token')).toBe(rotated);
    expect(logs.some((l) => /new refresh token/.test(l.message))).toBe(true);
    expectNoSecret(visibleText(undefined, logs), [REFRESH, g.clientSecret, ...g.accessTokens, rotated]);
    // The old token is gone at Google; the stored one works.
    expect((await rejection(plugin.check!(context(g).ctx))).code).toBe('E_RECONNECT_REQUIRED');
    await plugin.check!(context(g, { secrets: { token: rotated } }).ctx);
  });

  it.each([
    ['HTTP 410', googleApiError(410, 'NOT_FOUND', 'The Fitness API has been turned down.')],
    ['HTTP 403 SERVICE_DISABLED', serviceDisabled()],
  ])('names google-health (dataType steps) as the way forward when Fit answers %s', async (_, response) => {
    const g = await fake();
    g.inject('fit', response, 5);
    const { ctx, logs } = context(g);

    const error = await rejection(plugin.fetch(ctx));

    expect(error.code).toBe('E_API_TURNED_DOWN');
    expect(error.message).toContain('"google-health" plugin with "dataType": "steps"');
    expect(error.message).toContain('end of 2026');
    expect(error.hint).toContain('{ "use": "google-health", "config": { "dataType": "steps" } }');
    expect(error.hint).toContain('life-stats auth google-health --user <id>');
    expectNoSecret(visibleText(error, logs), [REFRESH, g.clientSecret, ...g.accessTokens]);
  });

  it('does not mistake other 403s for the turn-down', async () => {
    const g = await fake();
    g.inject('fit', googleApiError(403, 'PERMISSION_DENIED', 'The caller does not have permission'), 2);
    const error = await rejection(plugin.fetch(context(g).ctx));
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).not.toContain('google-health');
  });

  it('names the secrets and SSM paths to set when the OAuth client is missing', async () => {
    const g = await fake();
    const { ctx } = createTestContext({
      plugin,
      config: { apiRootUrl: g.apiRootUrl, tokenUrl: g.tokenUrl },
      user: { id: 'alice', timezone: 'UTC' },
      secrets: { token: REFRESH },
    });

    const error = await rejection(plugin.fetch(ctx));

    expect(error.code).toBe('E_SECRET_MISSING');
    expect(error.message).toContain('"client_id" and "client_secret" of namespace "google-fit"');
    expect(error.message).toContain('/life-stats/google-fit/client_id');
    expect(error.hint).toContain('life-stats secrets set google-fit client_secret');
    expect(g.requests).toHaveLength(0);
  });
});

describe('google-fit-steps: check', () => {
  it('refreshes the access token even when one is cached, then reads one day', async () => {
    const g = await fake();
    await plugin.fetch(context(g).ctx); // caches an access token
    const { ctx } = context(g, { timezone: 'Pacific/Auckland' });
    const { window: _, ...checkCtx } = ctx;

    await plugin.check!(checkCtx);

    expect(g.requestsTo('token')).toHaveLength(2);
    const body = aggregateBodies(g).at(-1);
    const hours = (Number(body?.endTimeMillis) - Number(body?.startTimeMillis)) / 3_600_000;
    expect([23, 24, 25]).toContain(hours);
  });
});
