import { createServer } from 'node:net';
import { classifyError } from '@life-stats/core';
import { createTestContext } from '@life-stats/core/testing';
import { rejection } from '@life-stats/testing/assertions';
import { type FakeGoogle, startFakeGoogle } from '@life-stats/testing/fake-google';
import { afterEach, describe, expect, it } from 'vitest';
import { createGoogleSession, type GoogleSessionOptions, parseRetryAfter } from '../src/index.js';

const REFRESH = '1//fake-refresh-token';
let google: FakeGoogle | undefined;

afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function fake(): Promise<FakeGoogle> {
  google = await startFakeGoogle();
  return google;
}

function context(g: { clientId: string; clientSecret: string }, secrets: Record<string, string> = {}) {
  return createTestContext({
    user: { id: 'carol', timezone: 'UTC' },
    secrets: { client_id: g.clientId, client_secret: g.clientSecret, token: REFRESH, ...secrets },
  });
}

const options = (tokenUrl: string): GoogleSessionOptions => ({
  pluginId: 'google-test',
  namespace: 'google-test',
  tokenUrl,
});

const rollUp = (g: FakeGoogle) => ({
  url: `${g.apiRootUrl}v4/users/me/dataTypes/steps/dataPoints:dailyRollUp`,
  method: 'POST' as const,
  data: {
    range: { start: { date: { year: 2026, month: 11, day: 1 } }, end: { date: { year: 2026, month: 11, day: 2 } } },
  },
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('createGoogleSession', () => {
  it('passes a network failure on as one core retries, without gaxios’ request (it holds the secrets)', async () => {
    const port = await closedPort();
    const { ctx } = context({ clientId: 'id.apps.googleusercontent.com', clientSecret: 'client-secret-value' });
    const session = await createGoogleSession(ctx, options(`http://127.0.0.1:${port}/token`));

    const error = await rejection(session.authorize());

    expect(classifyError(error)).toBe('retry');
    expect(error.message).toContain(`could not reach 127.0.0.1:${port}`);
    expect(error).not.toHaveProperty('config');
    expect(`${error.message} ${String((error.cause as Error | undefined)?.message)}`).not.toContain(REFRESH);
  });

  it('says which secrets to fix when Google does not know the OAuth client', async () => {
    const g = await fake();
    const { ctx } = context({ clientId: g.clientId, clientSecret: 'a-wrong-client-secret' });
    const session = await createGoogleSession(ctx, options(g.tokenUrl));

    const error = await rejection(session.request(rollUp(g)));

    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(classifyError(error)).toBe('fatal');
    expect(error.message).toContain('invalid_client');
    expect(error.message).toContain('"client_id" and "client_secret" of namespace "google-test"');
    expect(error.message).not.toContain('a-wrong-client-secret');
  });

  it('asks to connect when the user has no refresh token', async () => {
    const g = await fake();
    const { ctx } = createTestContext({
      user: { id: 'carol', timezone: 'UTC' },
      secrets: { client_id: g.clientId, client_secret: g.clientSecret },
    });
    const error = await rejection(createGoogleSession(ctx, options(g.tokenUrl)));
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('life-stats auth google-test --user carol');
  });

  it('reuses an access token across sessions, and refreshes once when Google no longer takes it', async () => {
    const g = await fake();
    await (await createGoogleSession(context(g).ctx, options(g.tokenUrl))).request(rollUp(g));
    await (await createGoogleSession(context(g).ctx, options(g.tokenUrl))).request(rollUp(g));
    expect(g.requestsTo('token')).toHaveLength(1);

    // Google forgets every access token (revoked, or its clock disagrees with ours).
    (g.accessTokens as Set<string>).clear();
    await (await createGoogleSession(context(g).ctx, options(g.tokenUrl))).request(rollUp(g));
    expect(g.requestsTo('token')).toHaveLength(2);
    expect(g.requestsTo('health').map((r) => r.headers.authorization === undefined)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('proves the refresh token on every forced refresh', async () => {
    const g = await fake();
    await (await createGoogleSession(context(g).ctx, options(g.tokenUrl))).authorize();
    await (await createGoogleSession(context(g).ctx, { ...options(g.tokenUrl), forceRefresh: true })).authorize();
    expect(g.requestsTo('token')).toHaveLength(2);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2026-11-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Nov 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 31 Oct 2026 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
