import { createTestContext } from '@life-stats/core/testing';
import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import {
  type FakeGoogle,
  type FakeGoogleOptions,
  googleApiError,
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

async function fake(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  google = await startFakeGoogle(options);
  return google;
}

function context(
  g: FakeGoogle,
  options: { timezone?: string; window?: { start: string; end: string }; secrets?: Record<string, string> } = {},
) {
  return createTestContext({
    plugin,
    config: { apiRootUrl: g.apiRootUrl, tokenUrl: g.tokenUrl },
    user: { id: 'bob', timezone: options.timezone ?? 'UTC' },
    window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
    secrets: { client_id: g.clientId, client_secret: g.clientSecret, token: REFRESH, ...options.secrets },
  });
}

type RollUpBody = {
  range: { start: { date: unknown; time?: unknown }; end: { date: unknown; time?: unknown } };
  windowSizeDays: number;
};
const rollUpBodies = (g: FakeGoogle) => g.requestsTo('health').map((r) => r.json as RollUpBody);

describe('google-health-steps: civil days', () => {
  it('reads a week across the 2026-11-01 DST change in America/New_York as civil days, the 25-hour day whole', async () => {
    const g = await fake({
      timeZone: 'America/New_York',
      steps: [
        { at: '2026-10-31T23:30:00-04:00', steps: 100 },
        { at: '2026-11-01T00:10:00-04:00', steps: 1000 },
        { at: '2026-11-01T01:30:00-04:00', steps: 200 },
        { at: '2026-11-01T01:30:00-05:00', steps: 30 },
        { at: '2026-11-01T23:30:00-05:00', steps: 4 },
        { at: '2026-11-02T00:30:00-05:00', steps: 5000 },
      ],
    });
    const { ctx } = context(g, { timezone: 'America/New_York', window: { start: '2026-10-29', end: '2026-11-04' } });

    expect(await plugin.fetch(ctx)).toEqual([
      { date: '2026-10-31', value: 100 },
      { date: '2026-11-01', value: 1234 },
      { date: '2026-11-02', value: 5000 },
    ]);
    // Civil dates, closed-open: the day after the window's last day, no time of day.
    expect(rollUpBodies(g)).toEqual([
      {
        range: {
          start: { date: { year: 2026, month: 10, day: 29 } },
          end: { date: { year: 2026, month: 11, day: 5 } },
        },
        windowSizeDays: 1,
      },
    ]);
  });

  it('reads a week in Asia/Kolkata (+05:30) as civil days, not UTC days', async () => {
    const g = await fake({
      timeZone: 'Asia/Kolkata',
      steps: [
        { at: '2026-03-09T18:29:00Z', steps: 10 }, // 23:59 on Mar 9
        { at: '2026-03-09T18:31:00Z', steps: 20 }, // 00:01 on Mar 10, still Mar 9 in UTC
        { at: '2026-03-15T18:20:00Z', steps: 4 }, // 23:50 on Mar 15
        { at: '2026-03-15T18:40:00Z', steps: 999 }, // 00:10 on Mar 16: after the window
      ],
    });
    const { ctx } = context(g, { timezone: 'Asia/Kolkata', window: { start: '2026-03-09', end: '2026-03-15' } });

    expect(await plugin.fetch(ctx)).toEqual([
      { date: '2026-03-09', value: 10 },
      { date: '2026-03-10', value: 20 },
      { date: '2026-03-15', value: 4 },
    ]);
  });

  it.each(['no-value', 'omit'] as const)(
    'gives no observation for days without data (Google answering %s), and 0 for a true zero',
    async (healthEmptyDays) => {
      const g = await fake({
        healthEmptyDays,
        steps: [
          { at: '2026-11-18T09:00:00Z', steps: 0 }, // worn, did not walk: Google's "true zero"
          { at: '2026-11-20T09:00:00Z', steps: 321 },
        ],
      });
      const { ctx } = context(g, { window: { start: '2026-11-18', end: '2026-11-21' } });

      expect(await plugin.fetch(ctx)).toEqual([
        { date: '2026-11-18', value: 0 },
        { date: '2026-11-20', value: 321 },
      ]);
    },
  );

  it('splits a 100-day backfill into roll-ups of at most 30 days, with no gap or overlap', async () => {
    const days: string[] = [];
    for (let t = Date.parse('2026-01-01T00:00:00Z'); days.length < 100; t += 86_400_000) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    const g = await fake({ steps: days.map((day, i) => ({ at: `${day}T12:00:00Z`, steps: i + 1 })) });
    const { ctx } = context(g, { window: { start: '2026-01-01', end: '2026-04-10' } });

    const observations = await plugin.fetch(ctx);

    expect(observations.map((o) => o.date)).toEqual(days);
    expect(observations.map((o) => o.value)).toEqual(days.map((_, i) => i + 1));
    const ranges = rollUpBodies(g).map((b) => [b.range.start.date, b.range.end.date]);
    expect(ranges).toEqual([
      [
        { year: 2026, month: 1, day: 1 },
        { year: 2026, month: 1, day: 31 },
      ],
      [
        { year: 2026, month: 1, day: 31 },
        { year: 2026, month: 3, day: 2 },
      ],
      [
        { year: 2026, month: 3, day: 2 },
        { year: 2026, month: 4, day: 1 },
      ],
      [
        { year: 2026, month: 4, day: 1 },
        { year: 2026, month: 4, day: 11 },
      ],
    ]);
    expect(g.requestsTo('token')).toHaveLength(1);
  });

  it('follows nextPageToken when Google pages a roll-up', async () => {
    const g = await fake();
    const point = (day: number, steps: string) => ({
      civilStartTime: { date: { year: 2026, month: 11, day } },
      civilEndTime: { date: { year: 2026, month: 11, day: day + 1 } },
      steps: { countSum: steps },
    });
    g.inject('health', { json: { rollupDataPoints: [point(18, '5')], nextPageToken: 'page-2' } });
    g.inject('health', { json: { rollupDataPoints: [point(19, '6')] } });

    expect(await plugin.fetch(context(g, { window: { start: '2026-11-18', end: '2026-11-19' } }).ctx)).toEqual([
      { date: '2026-11-18', value: 5 },
      { date: '2026-11-19', value: 6 },
    ]);
    expect(g.requestsTo('health').map((r) => (r.json as { pageToken?: string }).pageToken)).toEqual([
      undefined,
      'page-2',
    ]);
  });
});

describe('google-health-steps: failures', () => {
  it('turns HTTP 429 into a RetryableError carrying Retry-After, and the next attempt succeeds', async () => {
    const g = await fake({ steps: [{ at: '2026-11-20T12:00:00Z', steps: 42 }] });
    const tooMany = googleApiError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded');
    g.inject('health', { ...tooMany, headers: { 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' } });

    const error = await rejection(plugin.fetch(context(g).ctx));
    expect(error.code).toBe('E_RETRYABLE');
    expect(error.retryAfterMs).toBeGreaterThan(0);

    expect(await plugin.fetch(context(g).ctx)).toEqual([{ date: '2026-11-20', value: 42 }]);
  });

  it('turns invalid_grant into a ReconnectRequiredError that says to run `life-stats auth`', async () => {
    const g = await fake();
    g.revoke(REFRESH);
    const { ctx, logs } = context(g);

    const error = await rejection(plugin.fetch(ctx));

    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('life-stats auth google-health-steps --user bob');
    expectNoSecret(visibleText(error, logs), [REFRESH, g.clientSecret, ...g.accessTokens]);
  });

  it('asks to connect again when the grant lacks the scope', async () => {
    const g = await fake();
    g.inject(
      'health',
      googleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', {
        legacy: 'insufficientPermissions',
        errorInfo: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      }),
      2,
    );
    const error = await rejection(plugin.fetch(context(g).ctx));
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('life-stats auth google-health-steps --user bob');
  });

  it('writes a refresh token Google rotated back through ctx.secrets.set', async () => {
    const g = await fake();
    const rotated = '1//rotated-health-token';
    g.rotateOnNextRefresh(REFRESH, rotated);
    const { ctx, secretWrites, logs } = context(g);

    await plugin.fetch(ctx);

    expect(secretWrites).toEqual([{ name: 'token', value: rotated }]);
    expectNoSecret(visibleText(undefined, logs), [REFRESH, g.clientSecret, ...g.accessTokens, rotated]);
  });

  it('says to enable the API when the project has not', async () => {
    const g = await fake();
    g.inject('health', serviceDisabled('health.googleapis.com', 'Google Health API'), 2);
    const error = await rejection(plugin.fetch(context(g).ctx));
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toContain('Google Health API is not enabled');
    expect(error.hint).toContain('Enable "Google Health API"');
  });
});

describe('google-health-steps: check', () => {
  it('refreshes the access token, then reads one civil day', async () => {
    const g = await fake();
    const { ctx } = context(g, { timezone: 'Asia/Kolkata' });
    const { window: _, ...checkCtx } = ctx;

    await plugin.check!(checkCtx);

    expect(g.requestsTo('token')).toHaveLength(1);
    const [body] = rollUpBodies(g);
    const start = body?.range.start.date as { year: number; month: number; day: number };
    const end = body?.range.end.date as { year: number; month: number; day: number };
    expect(Date.UTC(end.year, end.month - 1, end.day) - Date.UTC(start.year, start.month - 1, start.day)).toBe(
      86_400_000,
    );
  });
});
