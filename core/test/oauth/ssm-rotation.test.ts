import { expectNoSecret } from '@life-stats/testing/assertions';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { acmePlugin, type FakeAcme, startFakeAcme } from '@life-stats/testing/fake-acme';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenCache } from '../../src/oauth/token-cache.js';
import { runPairs } from '../../src/run/run-pairs.js';
import { createSsmSecrets } from '../../src/secrets/ssm.js';

/**
 * An OAuth plugin on the SSM secret store (the Lambda's), with the real SDK client against the local
 * SSM fake: the rotated refresh token is a `PutParameter` of the user's SecureString before the API
 * is called, and a refused `PutParameter` fails the pair naming the parameter.
 */
const PREFIX = '/life-stats-oauth';
const REFRESH = 'ssm-refresh-token-0001';
let ssm: SsmFake;
let provider: FakeAcme | undefined;

beforeAll(async () => {
  ssm = await startSsmFake();
});
afterAll(() => ssm.stop());
beforeEach(() => tokenCache.clear());
afterEach(async () => {
  ssm.denyAccess();
  ssm.parameters.clear();
  await provider?.close();
});

async function setup() {
  const puts: string[] = [];
  provider = await startFakeAcme({
    grants: { [REFRESH]: undefined },
    rotate: true,
    onApi: () => puts.push(ssm.parameters.get(`${PREFIX}/acme/me/token`)?.value ?? ''),
  });
  const p = provider;
  const dir = tempDir('life-stats-oauth-ssm-');
  const { storage } = makeStores(dir);
  const secrets = createSsmSecrets({ prefix: PREFIX, clientConfig: ssm.clientConfig });
  await secrets.set('acme', 'client_id', p.clientId);
  await secrets.set('acme', 'client_secret', p.clientSecret);
  await secrets.set('acme', 'token', REFRESH, 'me');
  const config = makeConfig(
    dir,
    [{ plugin: acmePlugin(), config: { apiRootUrl: p.apiRootUrl, tokenUrl: p.tokenUrl, authUrl: p.authUrl } }],
    { backfillDays: 1 },
  );
  const run = async () => {
    const log = captureLogger();
    const summary = await runPairs({
      config,
      storage,
      secrets,
      logger: log.logger,
      retry: FAST_RETRY,
      now: at('2026-11-25T12:00:00Z'),
    });
    return { summary, log };
  };
  return { p, storage, run, apiSawStored: puts };
}

describe('OAuth rotation on the SSM secret store', () => {
  it('puts the rotated token before the API sees the new access token', async () => {
    const t = await setup();
    const { summary, log } = await t.run();
    expect(summary.runs).toMatchObject([{ status: 'ok', items: 2 }]);
    const [live] = t.p.liveRefreshTokens();
    expect(ssm.parameters.get(`${PREFIX}/acme/me/token`)).toMatchObject({ value: live, type: 'SecureString' });
    expect(t.apiSawStored).toEqual([live]);
    expect(log.text()).toContain(`stored it in place of the old one (SSM parameter ${PREFIX}/acme/me/token)`);
    expectNoSecret(JSON.stringify(summary) + log.text(), [
      REFRESH,
      t.p.clientSecret,
      ...t.p.accessTokens,
      ...t.p.refreshTokens,
    ]);
    await t.storage.close();
  });

  it('a refused PutParameter fails the pair naming the parameter and the IAM action; nothing is fetched', async () => {
    const t = await setup();
    ssm.denyAccess((operation) => operation === 'PutParameter');
    const { summary, log } = await t.run();
    expect(summary.runs[0]?.status).toBe('failed');
    expect(summary.runs[0]?.error).toContain(`storing it (SSM parameter ${PREFIX}/acme/me/token) failed`);
    expect(summary.runs[0]?.error).toContain('ssm:PutParameter is missing');
    expect(t.apiSawStored).toEqual([]);
    expect(ssm.parameters.get(`${PREFIX}/acme/me/token`)?.value).toBe(REFRESH);
    expectNoSecret(JSON.stringify(summary) + log.text(), [
      REFRESH,
      t.p.clientSecret,
      ...t.p.accessTokens,
      ...t.p.refreshTokens,
    ]);

    ssm.denyAccess();
    expect((await t.run()).summary.runs).toMatchObject([{ status: 'ok' }]);
    expect(t.p.liveRefreshTokens()).toEqual([ssm.parameters.get(`${PREFIX}/acme/me/token`)?.value]);
    await t.storage.close();
  });
});
