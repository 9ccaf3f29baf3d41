import { classifyError } from '@life-stats/core';
import { createTestContext } from '@life-stats/core/testing';
import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import type { FakeWithings } from '@life-stats/testing/fake-withings';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import {
  configFor,
  EXPECTED,
  REFRESH,
  SAMPLE_MEASURES,
  secretsOf,
  startSampleWithings,
  USERID,
  withingsContext,
} from './support.js';

/**
 * Every non-zero `status` Withings answers — in HTTP 200, from its API and from its token endpoint —
 * as the user meets it: `reconnect`, retried, or failed with the status and its documented meaning;
 * never data. And HTTP answers that are not Withings' envelope at all (a proxy, an outage).
 */
let w: FakeWithings | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function failure(
  setup: (w: FakeWithings) => void | Promise<void>,
  dataType: 'weight' | 'steps' = 'weight',
  options: { token?: string } = {},
) {
  w = await startSampleWithings();
  await setup(w);
  const test = withingsContext(w, dataType, options);
  const error = await rejection(plugin.fetch(test.ctx));
  expectNoSecret(visibleText(error, test.logs), secretsOf(w));
  return { error, kind: classifyError(error), logs: test.logs };
}

describe('API statuses in HTTP 200', () => {
  const cases: [number, string, string, 'retry' | 'reconnect' | 'fatal'][] = [
    [601, 'Too many request', '601 (Too many requests)', 'retry'],
    [522, 'Timeout', '522 (Timeout)', 'retry'],
    [503, 'Invalid Params: startdate', '503 (Invalid params): Invalid Params: startdate', 'fatal'],
    [214, 'Unauthorized', '214 (Unauthorized)', 'fatal'],
    [2554, 'Not implemented', '2554 (Not implemented)', 'fatal'],
    [524, 'Bad state', '524 (Bad state)', 'fatal'],
    [2556, 'An error occurred', '2556 (An error occurred)', 'fatal'],
    [239, 'Unknown', '239 (a status the Withings reference does not list)', 'fatal'],
    [100, 'Authentication failed', '100 (Authentication failed)', 'reconnect'],
    [401, 'XRequestID: Not provided invalid_token', '401 (Authentication failed)', 'reconnect'],
  ];
  for (const [status, error, shown, kind] of cases) {
    it(`status ${status} → ${kind}, naming ${shown}`, async () => {
      const result = await failure((f) => f.injectApi({ status, error }, 3));
      expect(result.kind).toBe(kind);
      expect(result.error.message).toContain(`Withings answered getmeas with status ${shown}`);
      expect(result.error.message).toMatch(/^\[life-stats\] \[plugin:withings\] /);
      if (kind === 'fatal') expect(result.error.hint).toBeTruthy();
      // The `life-stats auth` command is core's to add, once.
      expect(result.error.message).not.toContain('life-stats auth');
    });
  }

  it('a missing scope is `reconnect` naming the scope, without asking for a new access token', async () => {
    const result = await failure(
      (f) => f.injectApi({ status: 401, error: 'XRequestID: Not provided insufficient_scope: higher privileges' }),
      'steps',
    );
    expect(result.kind).toBe('reconnect');
    expect(result.error.message).toContain('lacks the scope user.activity');
    expect(w?.tokenRequests()).toHaveLength(1);
  });

  it('a cached access token Withings refuses (status 401) is replaced once, and the request sent again', async () => {
    w = await startSampleWithings();
    const first = withingsContext(w, 'weight');
    await first.ctx.oauth?.accessToken();
    w.expireAccessTokens();
    // The rotated refresh token is what a run would now read from the store.
    const rotated = first.secretWrites.at(-1)?.value;
    const { ctx } = withingsContext(w, 'weight', { ...(rotated ? { token: rotated } : {}) });
    expect(await plugin.fetch(ctx)).toEqual(EXPECTED.weight);
    expect(w.tokenRequests()).toHaveLength(2);
    const auth = w.apiRequests('measure').map((r) => r.headers.authorization);
    expect(auth).toHaveLength(2);
    expect(auth[0]).not.toBe(auth[1]);
  });

  it('a refused fresh token ends `reconnect` after one new token, not in a loop', async () => {
    const result = await failure(async (f) => {
      await withingsContext(f, 'weight').ctx.oauth?.accessToken();
      f.injectApi({ status: 401, error: 'XRequestID: Not provided invalid_token' }, 5);
    });
    expect(result.kind).toBe('reconnect');
    expect(w?.apiRequests()).toHaveLength(2);
  });
});

describe('answers that are not the envelope', () => {
  it('HTTP 502 with Retry-After is retried after it', async () => {
    const result = await failure((f) =>
      f.injectApiResponse({ status: 502, headers: { 'retry-after': '7' }, body: '<h1>Bad gateway</h1>' }),
    );
    expect(result.kind).toBe('retry');
    expect(result.error.retryAfterMs).toBe(7000);
  });

  it('HTTP 200 that is not JSON fails, pointing at apiRootUrl', async () => {
    const result = await failure((f) => f.injectApiResponse({ body: '<html>captive portal</html>' }));
    expect(result.kind).toBe('fatal');
    expect(result.error.message).toContain('not its JSON envelope');
    expect(result.error.hint).toContain('apiRootUrl');
  });

  it('`more` without a new offset fails instead of paging forever', async () => {
    const result = await failure((f) => f.injectApi({ status: 0, body: { measuregrps: [], more: 1, offset: 0 } }, 5));
    expect(result.kind).toBe('fatal');
    expect(result.error.message).toContain('gave no new offset');
  });
});

describe('the token endpoint, through the adapter', () => {
  it('refreshes with action=requesttoken and the client in the form, no PKCE, and stores the rotated token first', async () => {
    w = await startSampleWithings();
    const { ctx, secretWrites } = withingsContext(w, 'weight');
    await plugin.fetch(ctx);
    const [request] = w.tokenRequests();
    expect(request?.form).toEqual({
      action: 'requesttoken',
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      client_id: w.clientId,
      client_secret: w.clientSecret,
    });
    const rotated = secretWrites.map((s) => [s.name, s.value]);
    expect(rotated).toHaveLength(1);
    expect(rotated[0]?.[0]).toBe('token');
    expect(rotated[0]?.[1]).not.toBe(REFRESH);
    expect(w.userOf(rotated[0]?.[1] as string)).toBe(USERID);
    // The old one died once the new access token reached the API.
    expect(w.liveRefreshTokens()).toEqual([rotated[0]?.[1]]);
  });

  it('status 503 "invalid refresh_token" is `reconnect`, with the auth command core adds', async () => {
    const result = await failure((f) => f.revoke(REFRESH));
    expect(result.kind).toBe('reconnect');
    expect(result.error.message).toContain('Withings no longer accepts the refresh token of user "ann"');
    expect(result.error.message).toContain('503 (Invalid params): Invalid Params: invalid refresh_token');
    expect(result.error.message).toContain('life-stats auth withings --user ann');
    expect(w?.apiRequests()).toHaveLength(0);
  });

  it('status 601 at the token endpoint is retried', async () => {
    const result = await failure((f) =>
      f.inject('token', { json: { status: 601, body: {}, error: 'Too many request' } }),
    );
    expect(result.kind).toBe('retry');
    expect(result.error.message).toContain('601 (Too many requests)');
  });

  it('a wrong client secret names the client secrets to set, and is not retried', async () => {
    w = await startSampleWithings();
    const { ctx } = createTestContext({
      plugin,
      config: configFor(w, 'weight'),
      user: { id: 'ann', timezone: 'UTC' },
      secrets: { client_id: w.clientId, client_secret: 'not-the-secret-0000', token: REFRESH },
    });
    const error = await rejection(plugin.fetch(ctx));
    expect(classifyError(error)).toBe('fatal');
    expect(error.message).toContain('Withings does not know the OAuth client (invalid_client');
    expect(error.message).toContain('"client_id" and "client_secret" of namespace "withings"');
    expect(error.message).not.toContain('not-the-secret-0000');
  });

  it('a grant without user.activity is `reconnect` for steps and still serves weight', async () => {
    w = await startSampleWithings({
      users: {
        [USERID]: { refreshTokens: [REFRESH], scopes: ['user.info', 'user.metrics'], measures: SAMPLE_MEASURES },
      },
    });
    const steps = await rejection(plugin.fetch(withingsContext(w, 'steps').ctx));
    expect(classifyError(steps)).toBe('reconnect');
    expect(steps.message).toContain('lacks the scope user.activity this entry needs');
    expect(w.apiRequests('v2/measure')).toHaveLength(0);
    expect(await plugin.fetch(withingsContext(w, 'weight').ctx)).toEqual(EXPECTED.weight);
  });
});
