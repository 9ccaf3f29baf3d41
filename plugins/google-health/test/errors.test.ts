import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import { type FakeGoogle, googleApiError, serviceDisabled } from '@life-stats/testing/fake-google';
import { accountNotLinked, insufficientScopes, resourcePermissionDenied } from '@life-stats/testing/fake-google-health';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { healthContext, REFRESH, startSampleGoogle } from './support.js';

// The error catalogue of developers.google.com/health/reference/rest/v4/errors and
// developers.google.com/health/troubleshooting, each case as a user meets it.
let google: FakeGoogle | undefined;

afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function fake(): Promise<FakeGoogle> {
  google = await startSampleGoogle();
  return google;
}

describe('google-health: what each Google error tells the user to do', () => {
  it('ACCOUNT_NOT_LINKED (400): fails with a hint that explains linking the account', async () => {
    const g = await fake();
    g.inject('health', accountNotLinked());
    const { ctx, logs } = healthContext(g, 'weight');

    const error = await rejection(plugin.fetch(ctx));

    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toMatch(/^\[life-stats\] \[plugin:google-health\] /);
    expect(error.message).toContain('has no Google Health profile');
    expect(error.message).toContain('ACCOUNT_NOT_LINKED');
    expect(error.hint).toContain('Fitbit app');
    expect(error.hint).toContain('life-stats check --metric weight_kg --user bob');
    expectNoSecret(visibleText(error, logs), [REFRESH, g.clientSecret, ...g.accessTokens]);
  });

  it('RESOURCE_PERMISSION_DENIED (403): reconnect, with the exact auth command', async () => {
    const g = await fake();
    g.inject('health', resourcePermissionDenied());

    const error = await rejection(plugin.fetch(healthContext(g, 'sleep').ctx));

    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('life-stats auth google-health --user bob');
    expect(error.message).toContain('"sleep"');
  });

  it("a grant without the data type's scope (403): reconnect, naming the scope", async () => {
    const g = await fake();
    g.health.denyScope('nutrition');
    const read = (dataType: 'hydration-log' | 'steps') => plugin.fetch(healthContext(g, dataType).ctx);

    const error = await rejection(read('hydration-log'));

    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('googlehealth.nutrition.readonly');
    expect(error.message).toContain('life-stats auth google-health --user bob');
    // The same grant still reads what it covers.
    expect(await read('steps')).toEqual([{ date: '2026-11-20', value: 4321 }]);
  });

  it('insufficient scopes in the legacy shape only (403 insufficientPermissions): reconnect', async () => {
    const g = await fake();
    g.inject(
      'health',
      googleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', {
        legacy: 'insufficientPermissions',
      }),
    );
    const error = await rejection(plugin.fetch(healthContext(g, 'steps').ctx));
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(insufficientScopes().status).toBe(403);
  });

  it('the API not enabled in the Cloud project (403 SERVICE_DISABLED): says to enable it', async () => {
    const g = await fake();
    g.inject('health', serviceDisabled('health.googleapis.com', 'Google Health API'));

    const error = await rejection(plugin.fetch(healthContext(g, 'distance').ctx));

    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toContain('Google Health API is not enabled');
    expect(error.hint).toContain('Enable "Google Health API"');
  });

  it.each([
    [429, 'RESOURCE_EXHAUSTED'],
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
  ])('HTTP %i %s: retryable, carrying Retry-After; the next attempt succeeds', async (status, code) => {
    const g = await fake();
    g.inject('health', { ...googleApiError(status, code, 'Try again later.'), headers: { 'retry-after': '7' } });
    const read = () => plugin.fetch(healthContext(g, 'floors').ctx);

    const error = await rejection(read());

    expect(error.code).toBe('E_RETRYABLE');
    expect(error.retryAfterMs).toBe(7000);
    expect(await read()).toEqual([{ date: '2026-11-21', value: 7 }]);
  });

  it('a revoked refresh token (invalid_grant): reconnect naming `life-stats auth google-health`', async () => {
    const g = await fake();
    g.revoke(REFRESH);
    const { ctx, logs } = healthContext(g, 'heart-rate');

    const error = await rejection(plugin.fetch(ctx));

    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('life-stats auth google-health --user bob');
    expectNoSecret(visibleText(error, logs), [REFRESH, g.clientSecret, ...g.accessTokens]);
  });

  it("a roll-up point that is not a day's value rejects the whole fetch", async () => {
    const g = await fake();
    g.inject('health', {
      json: {
        rollupDataPoints: [
          { civilStartTime: { date: { year: 2026, month: 11, day: 18 } }, distance: { millimetersSum: '-5' } },
        ],
      },
    });
    const error = await rejection(plugin.fetch(healthContext(g, 'distance').ctx));
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toContain('nothing was stored');
  });
});

describe('google-health: check', () => {
  it("refreshes the access token, then reads today of the entry's data type", async () => {
    const g = await fake();
    const { ctx, logs } = healthContext(g, 'sleep', { timezone: 'Asia/Kolkata' });
    const { window: _, ...checkCtx } = ctx;

    await plugin.check?.(checkCtx);

    expect(g.requestsTo('token')).toHaveLength(1);
    expect(g.requestsTo('health').map((r) => r.path)).toEqual(['/v4/users/me/dataTypes/sleep/dataPoints:reconcile']);
    expect(logs.map((l) => l.message).join('\n')).toContain('the Google Health API answered for sleep');
  });
});
