import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import type { FakeOura } from '@life-stats/testing/fake-oura';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { rateLimitWait } from '../src/index.js';
import { ouraContext, REFRESH, secretsOf, startSampleOura } from './support.js';

/**
 * What the user sees when Oura refuses: a revoked grant or a refused token → reconnect, a grant
 * without `daily` → reconnect naming it, a lapsed membership → failed with the next step, 429 →
 * retried after `Retry-After`, 5xx → retried, anything else → failed with Oura's words. No secret
 * in any of it.
 */
let oura: FakeOura;
afterEach(() => oura?.close());

async function failure(o: FakeOura, dataType: Parameters<typeof ouraContext>[1] = 'steps') {
  const { ctx, logs } = ouraContext(o, dataType);
  const error = await rejection(plugin.fetch(ctx));
  const text = visibleText(error, logs);
  expectNoSecret(text, [REFRESH, ...secretsOf(o)]);
  return { error, text };
}

describe('oura errors', () => {
  it('a revoked refresh token ends the pair reconnect', async () => {
    oura = await startSampleOura();
    oura.revoke(REFRESH);
    const { error } = await failure(oura);
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('Oura no longer accepts the refresh token of user "bob"');
    expect(oura.apiRequests()).toHaveLength(0);
  });

  it('a grant reported without the daily scope is reconnect before any API request', async () => {
    oura = await startSampleOura({ grants: { [REFRESH]: ['personal'] } });
    const { error } = await failure(oura);
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('daily');
    expect(oura.apiRequests()).toHaveLength(0);
  });

  it("Oura's own Missing Scopes answer is reconnect naming the scope the data type needs", async () => {
    oura = await startSampleOura({ grants: { [REFRESH]: ['personal'] }, reportScope: false });
    const { error } = await failure(oura, 'sleep');
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toBe(
      '[life-stats] [plugin:oura] the Oura grant of user "bob" does not include the "daily" scope, which "sleep" needs (HTTP 401 Missing Scopes: Missing required scopes: daily). Connect again and leave "daily" ticked on Oura\'s consent page.',
    );
  });

  it('an access token Oura refuses after a fresh refresh is reconnect', async () => {
    oura = await startSampleOura();
    oura.injectApi({ status: 401, json: { status: 401, title: 'Invalid Token', detail: 'Token has been revoked.' } });
    const { error } = await failure(oura);
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain(
      'Oura refused the access token of user "bob" for v2/usercollection/daily_activity (HTTP 401 Invalid Token: Token has been revoked.)',
    );
  });

  it('an expired cached access token is refreshed once and the read goes on', async () => {
    oura = await startSampleOura();
    const { ctx } = ouraContext(oura, 'steps');
    await ctx.oauth?.accessToken();
    oura.expireAccessTokens();
    expect((await plugin.fetch(ctx)).length).toBeGreaterThan(0);
    expect(oura.requestsTo('token')).toHaveLength(2);
    expect(oura.apiRequests().map((r) => r.headers.authorization)).toHaveLength(2);
  });

  it('a lapsed Oura Membership fails the pair with the next step, not reconnect', async () => {
    oura = await startSampleOura();
    oura.expireMembership();
    const { error } = await failure(oura, 'readiness-score');
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toContain('Oura refused user "bob" their "readiness-score" data (HTTP 403');
    expect(error.message).toContain("only while the user's Oura Membership is active");
    expect(error.hint).toBe(
      'Renew the Oura Membership in the Oura app (or have bob do it), then run `life-stats check --metric readiness_score --user bob`.',
    );
  });

  it('429 is retryable after Retry-After, naming the limit that fired', async () => {
    oura = await startSampleOura({ rateLimit: { limit: 1, windowSeconds: 300 } });
    await plugin.fetch(ouraContext(oura, 'steps').ctx);
    const { error } = await failure(oura, 'steps');
    expect(error.code).toBe('E_RETRYABLE');
    expect(error.retryAfterMs).toBeGreaterThan(298_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(300_000);
    expect(error.message).toMatch(
      /^\[life-stats\] \[plugin:oura\] Oura is rate-limiting requests \(1 requests per 300 s, application limit\); retrying in (299|300) s$/,
    );
  });

  it('waits until X-RateLimit-Reset when a 429 has no Retry-After', () => {
    const now = 1_800_000_000_000;
    expect(rateLimitWait(new Headers({ 'retry-after': '12' }), now)).toBe(12_000);
    expect(rateLimitWait(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 42) }), now)).toBe(42_000);
    expect(rateLimitWait(new Headers(), now)).toBeUndefined();
  });

  it("5xx is retryable; a 422 fails with Oura's validation messages", async () => {
    oura = await startSampleOura();
    oura.injectApi({ status: 503, json: { status: 503, title: 'Service Unavailable' } });
    const unavailable = await failure(oura);
    expect(unavailable.error.code).toBe('E_RETRYABLE');
    expect(unavailable.error.message).toBe(
      '[life-stats] [plugin:oura] Oura answered HTTP 503 Service Unavailable for v2/usercollection/daily_activity',
    );

    oura.injectApi({
      status: 422,
      json: { detail: [{ loc: ['query', 'start_date'], msg: 'Input should be a valid date', type: 'date_parsing' }] },
    });
    const invalid = await failure(oura);
    expect(invalid.error.code).toBe('E_PLUGIN_FAILED');
    expect(invalid.error.message).toBe(
      '[life-stats] [plugin:oura] Oura refused the request for v2/usercollection/daily_activity (HTTP 422 query.start_date: Input should be a valid date)',
    );
    expect(invalid.error.hint).toContain('update @life-stats/plugin-oura');
  });

  it('an answer without a data list, or a next_token that goes round, fails instead of storing part', async () => {
    oura = await startSampleOura();
    oura.injectApi({ status: 200, body: '<html>proxy login</html>', headers: { 'content-type': 'text/html' } });
    expect((await failure(oura)).error.message).toBe(
      '[life-stats] [plugin:oura] Oura answered v2/usercollection/daily_activity without a `data` list',
    );
    oura.injectApi({ json: { data: [{ id: 'a', day: '2026-11-20', steps: 1 }], next_token: 'same' } }, 3);
    expect((await failure(oura)).error.message).toBe(
      "[life-stats] [plugin:oura] Oura's next_token for v2/usercollection/daily_activity kept going round",
    );
  });
});
