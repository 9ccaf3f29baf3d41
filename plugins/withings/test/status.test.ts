import { describe, expect, it } from 'vitest';
import { withingsIsUnauthorized, withingsTokenResponse } from '../src/oauth.js';
import { describeStatus, statusFamily } from '../src/status.js';

/**
 * The documented status table (developer.withings.com/api-reference, "Response Status") and the
 * token endpoint adapter, on the answers the fake does not produce.
 */
describe('the status table', () => {
  it('reads each status by the family the reference gives it, and knows its gaps', () => {
    const families = Object.fromEntries(
      [0, 100, 102, 103, 200, 201, 213, 214, 215, 239, 277, 299, 401, 522, 524, 601, 2553, 2554, 2555, 10000].map(
        (s) => [s, statusFamily(s) ?? 'unlisted'],
      ),
    );
    expect(families).toEqual({
      0: 'ok',
      100: 'authentication-failed',
      102: 'authentication-failed',
      103: 'unlisted',
      200: 'authentication-failed',
      201: 'invalid-params',
      213: 'invalid-params',
      214: 'unauthorized',
      215: 'error-occurred',
      239: 'unlisted',
      277: 'unauthorized',
      299: 'unlisted',
      401: 'authentication-failed',
      522: 'timeout',
      524: 'bad-state',
      601: 'too-many-requests',
      2553: 'unauthorized',
      2554: 'not-implemented',
      2555: 'unauthorized',
      10000: 'error-occurred',
    });
    expect(describeStatus(503)).toBe('503 (Invalid params)');
    expect(describeStatus(12345)).toBe('12345 (a status the Withings reference does not list)');
  });
});

describe('the token endpoint adapter', () => {
  const answer = (body: unknown, status = 200) => withingsTokenResponse({ status, body, headers: new Headers() });

  it('unwraps status 0, and says when a body is missing', () => {
    expect(answer({ status: 0, body: { access_token: 'a', refresh_token: 'r', expires_in: 10800 } })).toEqual({
      status: 200,
      body: { token_type: 'Bearer', access_token: 'a', refresh_token: 'r', expires_in: 10800 },
    });
    expect(answer({ status: 0 })).toMatchObject({ status: 502, body: { error: 'server_error' } });
  });

  it('maps refusals by Withings’ words first, then by the status family', () => {
    const error = (body: unknown) => (answer(body)?.body as { error?: string } | undefined)?.error;
    expect(error({ status: 503, error: 'Invalid Params: invalid refresh_token' })).toBe('invalid_grant');
    expect(error({ status: 503, error: 'Invalid Params: invalid code' })).toBe('invalid_grant');
    expect(error({ status: 293, error: 'Wrong redirect_uri - Please use same as in authorize' })).toBe('invalid_grant');
    expect(error({ status: 503, error: 'Invalid Params: invalid client_id' })).toBe('invalid_client');
    expect(error({ status: 503, error: 'Invalid_request: The client ID was not specified in the request' })).toBe(
      'invalid_client',
    );
    expect(error({ status: 401, error: 'XRequestID: Not provided' })).toBe('invalid_grant');
    expect(error({ status: 503, error: 'Invalid Params: invalid grant_type' })).toBe('invalid_request');
    expect(answer({ status: 601, error: 'Too many request' })).toMatchObject({
      status: 429,
      body: { error: 'temporarily_unavailable' },
    });
    expect(answer({ status: 522 })).toMatchObject({ status: 503, body: { error: 'server_error' } });
  });

  it('leaves an answer that is not the envelope to core (a proxy’s page)', () => {
    expect(answer('<html>502 Bad Gateway</html>', 502)).toBeUndefined();
    expect(answer({ message: 'no status' })).toBeUndefined();
  });
});

describe('isUnauthorized', () => {
  const response = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

  it('is true for HTTP 401 and the "Authentication failed" statuses, not for a missing scope or other errors', async () => {
    expect(await withingsIsUnauthorized(new Response('', { status: 401 }))).toBe(true);
    expect(await withingsIsUnauthorized(response({ status: 401, error: 'invalid_token' }))).toBe(true);
    expect(await withingsIsUnauthorized(response({ status: 100 }))).toBe(true);
    expect(await withingsIsUnauthorized(response({ status: 401, error: 'insufficient_scope' }))).toBe(false);
    expect(await withingsIsUnauthorized(response({ status: 601 }))).toBe(false);
    expect(await withingsIsUnauthorized(response({ status: 0, body: {} }))).toBe(false);
    expect(await withingsIsUnauthorized(new Response('not json'))).toBe(false);
    // The body stays readable for the plugin.
    const kept = response({ status: 401 });
    await withingsIsUnauthorized(kept);
    expect(await kept.json()).toEqual({ status: 401 });
  });
});
