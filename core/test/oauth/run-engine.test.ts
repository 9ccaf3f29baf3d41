import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { acmePlugin, acmeValue, type FakeAcme, startFakeAcme } from '@life-stats/testing/fake-acme';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenCache } from '../../src/oauth/token-cache.js';
import { runPairs } from '../../src/run/run-pairs.js';
import { createEnvSecrets, envSecretName } from '../../src/secrets/env.js';
import type { SecretStore } from '../../src/secrets/types.js';
import type { Storage } from '../../src/storage/types.js';
import { eachDate } from '../../src/util/dates.js';

/**
 * OAuth plugins in core's run engine, against the kit's fake provider on loopback, with a real
 * SQLite store and a real secrets file: refresh, cache, rotation written before the API is called,
 * reconnect, scopes, a store that refuses the rotated token, and two pairs of one grant.
 */
const NOW = '2026-11-25T12:00:00.000Z';
const REFRESH = 'acme-refresh-token-0001';
let provider: FakeAcme;
const open: Storage[] = [];

beforeEach(() => tokenCache.clear());
afterEach(async () => {
  await provider?.close();
  for (const s of open.splice(0)) await s.close();
});

async function setup(
  options: Parameters<typeof startFakeAcme>[0] = {},
  entries: { dataType?: 'steps' | 'sleep'; id?: string }[] = [{}],
) {
  provider = await startFakeAcme({ grants: { [REFRESH]: undefined }, ...options });
  const dir = tempDir('life-stats-oauth-run-');
  const { storage, secrets } = makeStores(dir);
  open.push(storage);
  await secrets.set('acme', 'client_id', provider.clientId);
  await secrets.set('acme', 'client_secret', provider.clientSecret);
  await secrets.set('acme', 'token', REFRESH, 'me');
  const config = makeConfig(
    dir,
    entries.map((e) => ({
      plugin: acmePlugin({}, e.id ?? 'acme'),
      config: {
        apiRootUrl: provider.apiRootUrl,
        authUrl: provider.authUrl,
        tokenUrl: provider.tokenUrl,
        dataType: e.dataType ?? 'steps',
      },
    })),
    { backfillDays: 2 },
  );
  const file = path.join(dir, 'secrets.json');
  const stored = () => JSON.parse(readFileSync(file, 'utf8')).acme.users.me.token as string;
  const run = async (store: SecretStore = secrets) => {
    const log = captureLogger();
    const summary = await runPairs({
      config,
      storage,
      secrets: store,
      logger: log.logger,
      retry: FAST_RETRY,
      now: at(NOW),
    });
    return { summary, log };
  };
  return { dir, storage, secrets, file, stored, run };
}

const secretsOf = (p: FakeAcme) => [REFRESH, p.clientSecret, ...p.accessTokens, ...p.refreshTokens];

describe('OAuth plugins in the run engine', () => {
  it('refreshes once, sends the access token, and reuses it on the next run', async () => {
    const t = await setup();
    const first = await t.run();
    expect(first.summary.runs).toMatchObject([{ status: 'ok', items: 3 }]);
    expect((await t.storage.queryMetrics({ userId: 'me' })).map((r) => [r.date, r.value])).toEqual(
      eachDate('2026-11-23', '2026-11-25').map((d) => [d, acmeValue(d)]),
    );
    await t.run();
    expect(provider.requestsTo('token')).toHaveLength(1);
    expect(provider.requestsTo('token')[0]?.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    });
    expect(provider.apiRequests().map((r) => r.headers.authorization)).toEqual([
      `Bearer ${[...provider.accessTokens][0]}`,
      `Bearer ${[...provider.accessTokens][0]}`,
    ]);
    expectNoSecret(JSON.stringify(first.summary) + first.log.text(), secretsOf(provider));
  });

  it('writes a rotated refresh token to the secrets file before the API sees the new access token', async () => {
    let fileAtApiTime: string | undefined;
    const t = await setup({
      rotate: true,
      onApi: () => {
        fileAtApiTime = readFileSync(path.join(t.dir, 'secrets.json'), 'utf8');
      },
    });
    const { summary, log } = await t.run();
    expect(summary.runs).toMatchObject([{ status: 'ok', items: 3 }]);
    const [rotated] = provider.liveRefreshTokens();
    expect(rotated).not.toBe(REFRESH);
    expect(t.stored()).toBe(rotated);
    expect(JSON.parse(fileAtApiTime ?? '{}').acme.users.me.token).toBe(rotated);
    expect(log.text()).toContain('Acme issued a new refresh token; stored it in place of the old one');
    expectNoSecret(JSON.stringify(summary) + log.text(), secretsOf(provider));

    // The next run uses the stored token: its access token is cached under it, no second refresh.
    expect((await t.run()).summary.runs).toMatchObject([{ status: 'ok' }]);
    expect(provider.requestsTo('token')).toHaveLength(1);
  });

  it('fails the pair when the store refuses the rotated token, sends nothing with it, and stores it first next time', async () => {
    const t = await setup({ rotate: true });
    let refuse = true;
    const flaky: SecretStore = {
      ...t.secrets,
      name: t.secrets.name,
      get: t.secrets.get.bind(t.secrets),
      where: t.secrets.where.bind(t.secrets),
      listUsers: t.secrets.listUsers.bind(t.secrets),
      async set(namespace, name, value, userId) {
        if (refuse && userId !== undefined) throw new Error('disk full (simulated)');
        return t.secrets.set(namespace, name, value, userId);
      },
    };
    const first = await t.run(flaky);
    expect(first.summary.runs[0]?.status).toBe('failed');
    const error = first.summary.runs[0]?.error ?? '';
    expect(error).toContain('Acme issued a new refresh token for user "me", and storing it');
    expect(error).toContain(`${t.file} at acme.users.me.token`);
    expect(error).toContain('disk full (simulated)');
    expect(error).toContain('life-stats auth acme --user me');
    expect(provider.apiRequests()).toHaveLength(0);
    expect(t.stored()).toBe(REFRESH);
    expect(await t.storage.queryMetrics({ userId: 'me' })).toEqual([]);
    expectNoSecret(JSON.stringify(first.summary) + first.log.text(), secretsOf(provider));

    // Fixed: this process still holds the token the provider issued (the old one is dead there),
    // stores it before anything else, and the pair goes on with it.
    refuse = false;
    const second = await t.run(flaky);
    expect(second.summary.runs).toMatchObject([{ status: 'ok', items: 3 }]);
    expect(provider.liveRefreshTokens()).toContain(t.stored());
    expect(t.stored()).not.toBe(REFRESH);
  });

  it('ends the pair `reconnect` with the exact command when the grant is revoked, without retrying', async () => {
    const t = await setup();
    provider.revoke(REFRESH);
    const { summary, log } = await t.run();
    expect(summary.runs[0]).toMatchObject({ status: 'reconnect' });
    expect(summary.runs[0]?.error).toContain('Acme no longer accepts the refresh token of user "me" (invalid_grant');
    expect(summary.runs[0]?.error).toContain('`life-stats auth acme --user me`');
    expect(provider.requestsTo('token')).toHaveLength(1);
    expect(provider.apiRequests()).toHaveLength(0);
    expectNoSecret(JSON.stringify(summary) + log.text(), secretsOf(provider));
  });

  it('refreshes once when the API refuses a cached access token, and leaves a refused fresh one to the plugin', async () => {
    const t = await setup();
    await t.run();
    provider.expireAccessTokens();
    expect((await t.run()).summary.runs).toMatchObject([{ status: 'ok' }]);
    expect(provider.requestsTo('token')).toHaveLength(2);
    expect(provider.apiRequests()).toHaveLength(3);

    // A fresh token refused as well: no loop, the plugin's own reading (reconnect) stands.
    provider.expireAccessTokens();
    provider.inject(
      'token',
      { json: { access_token: 'never-valid-access', token_type: 'Bearer', expires_in: 3600 } },
      5,
    );
    const third = await t.run();
    expect(third.summary.runs[0]?.status).toBe('reconnect');
    expect(provider.requestsTo('token')).toHaveLength(3);
  });

  it('ends `reconnect` naming the scope when the grant the provider reports lacks one the entry needs', async () => {
    const t = await setup({ grants: { [REFRESH]: ['activity:read'] } }, [
      { dataType: 'steps' },
      { dataType: 'sleep', id: 'acme-sleep' },
    ]);
    const { summary } = await t.run();
    const byPlugin = Object.fromEntries(summary.runs.map((r) => [r.plugin, r]));
    expect(byPlugin.acme).toMatchObject({ status: 'ok' });
    expect(byPlugin['acme-sleep']).toMatchObject({ status: 'reconnect' });
    expect(byPlugin['acme-sleep']?.error).toContain('lacks the scope sleep:read this entry needs');
    expect(byPlugin['acme-sleep']?.error).toContain('`life-stats auth acme-sleep --user me`');
    // Both entries share the grant: one refresh served them.
    expect(provider.requestsTo('token')).toHaveLength(1);
  });

  it('refreshes a grant shared by two entries once, even when the provider rotates its tokens', async () => {
    const t = await setup({ rotate: true }, [{}, { id: 'acme-two' }]);
    const { summary } = await t.run();
    expect(summary.runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(provider.requestsTo('token')).toHaveLength(1);
    expect(provider.liveRefreshTokens()).toEqual([t.stored()]);
  });

  it('uses the token a concurrent run rotated when the provider refuses the one this run read', async () => {
    const t = await setup({ rotate: true });
    // Another process refreshed meanwhile: the provider retired REFRESH, the file holds its successor.
    await t.secrets.get('acme', 'token', 'me');
    provider.revoke(REFRESH);
    const successor = 'acme-refresh-from-another-process';
    provider.addGrant(successor);
    const other = makeStores(t.dir);
    open.push(other.storage);
    await other.secrets.set('acme', 'token', successor, 'me');

    const { summary, log } = await t.run();
    expect(summary.runs).toMatchObject([{ status: 'ok', items: 3 }]);
    expect(log.text()).toContain('another process rotated it');
    expect(provider.requestsTo('token').map((r) => r.form?.refresh_token)).toEqual([REFRESH, successor]);
    expect(provider.liveRefreshTokens()).toEqual([t.stored()]);
  });

  it('with the env store (read-only), a rotation fails the pair saying which variable to set', async () => {
    const t = await setup({ rotate: true });
    const env = {
      [envSecretName('acme', 'client_id')]: provider.clientId,
      [envSecretName('acme', 'client_secret')]: provider.clientSecret,
      [envSecretName('acme', 'token', 'me')]: REFRESH,
    };
    const { summary, log } = await t.run(createEnvSecrets({ env }));
    expect(summary.runs[0]?.status).toBe('failed');
    expect(summary.runs[0]?.error).toContain('env LIFE_STATS_SECRET__ACME__ME__TOKEN');
    expect(summary.runs[0]?.error).toContain('the env store only reads environment variables');
    expect(provider.apiRequests()).toHaveLength(0);
    expectNoSecret(JSON.stringify(summary) + log.text(), secretsOf(provider));
  });

  it('skips a user who never connected, with the auth command and where the token will be', async () => {
    const t = await setup();
    const dir = tempDir('life-stats-oauth-skip-');
    const empty = makeStores(dir);
    open.push(empty.storage);
    const { summary } = await t.run(empty.secrets);
    expect(summary.runs).toEqual([
      expect.objectContaining({
        status: 'skipped',
        hint: `run \`life-stats auth acme --user me\` (it stores the refresh token as ${path.join(dir, 'secrets.json')} at acme.users.me.token)`,
      }),
    ]);
  });
});
