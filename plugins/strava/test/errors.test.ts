import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import type { FakeStrava } from '@life-stats/testing/fake-strava';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { MAX_RATE_WAIT_MS, rateLimitError, readLimits, stravaTokenResponse } from '../src/index.js';
import { REFRESH, secretsOf, startSampleStrava, stravaContext } from './support.js';

/**
 * What the user sees when Strava refuses: a refresh token Strava no longer accepts (its 400
 * `RefreshToken` fault) or a refused access token → reconnect, a grant without activity access →
 * reconnect naming it, a spent 15-minute window → retried at its reset or deferred, a spent day →
 * deferred to midnight UTC, 5xx → retried, anything else → failed with Strava's words. No secret in
 * any of it.
 */
let strava: FakeStrava;
afterEach(() => strava?.close());

async function failure(s: FakeStrava) {
  const { ctx, logs } = stravaContext(s, 'distance');
  const error = await rejection(plugin.fetch(ctx));
  expectNoSecret(visibleText(error, logs), [REFRESH, ...secretsOf(s)]);
  return error;
}

const limitsHeaders = (read: string, overall = '10,100') =>
  new Headers({
    'x-ratelimit-limit': '200,2000',
    'x-ratelimit-usage': overall,
    'x-readratelimit-limit': '100,1000',
    'x-readratelimit-usage': read,
  });

describe('strava errors', () => {
  it('a refresh token Strava refuses (400, RefreshToken invalid) is reconnect, before any API request', async () => {
    strava = await startSampleStrava();
    strava.revoke(REFRESH);
    const error = await failure(strava);
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toBe(
      '[life-stats] [plugin:strava] Strava no longer accepts the refresh token of user "bob" (invalid_grant: Bad Request: RefreshToken.refresh_token invalid): the access was revoked, expired or replaced. Run `life-stats auth strava --user bob` to connect again.',
    );
    expect(strava.apiRequests()).toHaveLength(0);
  });

  it("reads Strava's token faults in RFC 6749's words", () => {
    const answer = (status: number, body: unknown) => stravaTokenResponse({ status, body, headers: new Headers() });
    const fault = (resource: string, field: string) => ({
      message: 'Bad Request',
      errors: [{ resource, field, code: 'invalid' }],
    });
    expect(answer(400, fault('RefreshToken', 'refresh_token'))?.body).toMatchObject({ error: 'invalid_grant' });
    expect(answer(400, fault('AuthorizationCode', 'code'))?.body).toMatchObject({ error: 'invalid_grant' });
    expect(answer(401, fault('Application', 'client_id'))).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'Bad Request: Application.client_id invalid' },
    });
    expect(answer(200, { access_token: 'a', token_type: 'Bearer' })).toBeUndefined();
    expect(answer(429, { message: 'Rate Limit Exceeded' })).toBeUndefined();
    expect(answer(400, { error: 'invalid_grant' })).toBeUndefined();
  });

  it('a wrong client names the client secrets, not reconnect', async () => {
    strava = await startSampleStrava();
    const { ctx } = stravaContext(strava, 'distance', { secrets: { client_secret: 'not-the-secret' } });
    const error = await rejection(plugin.fetch(ctx));
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toContain('Strava does not know the OAuth client');
    expect(error.hint).toContain('life-stats secrets set strava client_secret');
  });

  it('an access token the API refuses after a fresh refresh is reconnect', async () => {
    strava = await startSampleStrava();
    strava.injectApi({
      status: 401,
      json: {
        message: 'Authorization Error',
        errors: [{ resource: 'Athlete', field: 'access_token', code: 'invalid' }],
      },
    });
    const error = await failure(strava);
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toBe(
      '[life-stats] [plugin:strava] Strava refused the access token of user "bob" (HTTP 401 Authorization Error: Athlete.access_token invalid): the athlete revoked this app\'s access in Strava\'s settings, or the grant is no longer valid.',
    );
  });

  it('an expired cached access token is refreshed once and the read goes on', async () => {
    strava = await startSampleStrava();
    const { ctx } = stravaContext(strava, 'distance');
    await ctx.oauth?.accessToken();
    strava.expireAccessTokens();
    expect((await plugin.fetch(ctx)).length).toBeGreaterThan(0);
    expect(strava.requestsTo('token')).toHaveLength(2);
  });

  it('a grant without activity access is reconnect naming the scope, without a second token', async () => {
    strava = await startSampleStrava({ grants: { [REFRESH]: ['read'] } });
    const error = await failure(strava);
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain(
      'does not allow reading activities (HTTP 401 Authorization Error: AccessToken.activity:read_permission missing)',
    );
    expect(error.message).toContain('(activity:read_all) ticked');
    expect(strava.requestsTo('token')).toHaveLength(1);
  });

  it('429 with the 15-minute window spent: retried at its reset when near, deferred when not', async () => {
    strava = await startSampleStrava();
    strava.setUsage({ read15: 100 });
    const error = await failure(strava);
    // Which one depends on the wall clock's place in its quarter hour; both name the window.
    expect(['E_RETRYABLE', 'E_DEFERRED']).toContain(error.code);
    expect(error.message).toContain(
      "Strava's 15-minute read limit is spent (101 of 100 requests, for every user of this Strava app)",
    );

    const cause = new Error('HTTP 429');
    const prefix = '[life-stats] [plugin:strava]';
    const near = rateLimitError(prefix, limitsHeaders('100,400'), cause, Date.parse('2026-11-25T20:13:30Z'));
    expect(near).toMatchObject({ code: 'E_RETRYABLE', retryAfterMs: 91_000 });
    expect(near.message).toBe(
      "[life-stats] [plugin:strava] Strava's 15-minute read limit is spent (100 of 100 requests, for every user of this Strava app); retrying when the window resets in 2 min",
    );
    const far = rateLimitError(prefix, limitsHeaders('100,400'), cause, Date.parse('2026-11-25T20:01:00Z'));
    expect(far).toMatchObject({ code: 'E_DEFERRED', resumeAt: new Date('2026-11-25T20:15:00Z') });
    expect(far.message).toContain(
      'the window resets at 2026-11-25T20:15:00.000Z (in 14 min), too long to hold the run',
    );
    expect(MAX_RATE_WAIT_MS).toBe(300_000);
    // The overall limit counts too, and missing headers still wait for the reset.
    const overall = rateLimitError(
      prefix,
      limitsHeaders('50,400', '200,900'),
      cause,
      Date.parse('2026-11-25T20:29:00Z'),
    );
    expect(overall.message).toContain("Strava's 15-minute limit is spent (200 of 200 requests");
    const bare = rateLimitError(prefix, new Headers(), cause, Date.parse('2026-11-25T20:44:59Z'));
    expect(bare).toMatchObject({ code: 'E_RETRYABLE', retryAfterMs: 2000 });
  });

  it('429 with the daily limit spent defers the pair to midnight UTC', async () => {
    strava = await startSampleStrava();
    strava.setUsage({ readDaily: 1000 });
    const error = await failure(strava);
    expect(error.code).toBe('E_DEFERRED');
    const midnight = new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000);
    expect(error.resumeAt).toEqual(midnight);
    expect(error.message).toMatch(
      /^\[life-stats\] \[plugin:strava\] Strava's daily read limit is spent \(1001 of 1000 requests today, for every user of this Strava app\); it resets at midnight UTC \(\d{4}-\d\d-\d\dT00:00:00\.000Z, in .+\)$/,
    );
    expect(readLimits(limitsHeaders('5,1000'))).toEqual([
      { kind: 'read', limit15: 100, limitDaily: 1000, usage15: 5, usageDaily: 1000 },
      { kind: 'overall', limit15: 200, limitDaily: 2000, usage15: 10, usageDaily: 100 },
    ]);
  });

  it("5xx is retryable; a 400 fails with Strava's words; a body that is not a list fails instead of storing part", async () => {
    strava = await startSampleStrava();
    strava.injectApi({ status: 503, body: '<html><body>Service Unavailable</body></html>' });
    const unavailable = await failure(strava);
    expect(unavailable.code).toBe('E_RETRYABLE');
    expect(unavailable.message).toBe(
      '[life-stats] [plugin:strava] Strava answered HTTP 503 Service Unavailable for athlete/activities',
    );

    strava.injectApi({
      status: 400,
      json: { message: 'Bad Request', errors: [{ resource: 'Activity', field: 'per_page', code: 'invalid' }] },
    });
    const invalid = await failure(strava);
    expect(invalid.code).toBe('E_PLUGIN_FAILED');
    expect(invalid.message).toBe(
      '[life-stats] [plugin:strava] Strava refused the request for athlete/activities (HTTP 400 Bad Request: Activity.per_page invalid)',
    );
    expect(invalid.hint).toContain('update @life-stats/plugin-strava');

    strava.injectApi({ status: 200, json: { activities: [] } });
    expect((await failure(strava)).message).toBe(
      '[life-stats] [plugin:strava] Strava answered api/v3/athlete/activities without a list of activities',
    );
  });

  it('an activity answered twice counts once; one without start_date_local or with a bad number adds nothing', async () => {
    strava = await startSampleStrava();
    const run = {
      id: 7,
      sport_type: 'Run',
      start_date_local: '2026-11-19T07:00:00Z',
      distance: 4000,
      moving_time: 1200,
    };
    strava.injectApi({
      json: [run, run, { id: 8, distance: 50 }, { id: 9, start_date_local: '2026-11-19T09:00:00Z', distance: -3 }],
    });
    const { ctx } = stravaContext(strava, 'distance');
    expect(await plugin.fetch(ctx)).toEqual([{ date: '2026-11-19', value: 4000 }]);
  });
});
