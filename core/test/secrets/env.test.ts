import { afterEach, describe, expect, it } from 'vitest';
import { formatError, type LifeStatsError } from '../../src/errors.js';
import { createEnvSecrets, envSecretName } from '../../src/secrets/env.js';
import { describeSecrets } from '../../src/testing/describe-secrets.js';

describeSecrets(
  'env',
  (seed) =>
    createEnvSecrets({
      env: Object.fromEntries(seed.map((s) => [envSecretName(s.namespace, s.name, s.userId), s.value])),
    }),
  { readOnly: true },
);

describe('createEnvSecrets', () => {
  const touched: string[] = [];
  afterEach(() => {
    for (const key of touched.splice(0)) delete process.env[key];
  });

  it('names variables LIFE_STATS_SECRET__<NAMESPACE>[__<USER>]__<NAME>, upper-cased, with - as _', async () => {
    expect(envSecretName('google-fit', 'token', 'my-user')).toBe('LIFE_STATS_SECRET__GOOGLE_FIT__MY_USER__TOKEN');
    expect(envSecretName('google-fit', 'client_id')).toBe('LIFE_STATS_SECRET__GOOGLE_FIT__CLIENT_ID');

    const store = createEnvSecrets({
      env: {
        LIFE_STATS_SECRET__GOOGLE_FIT__MY_USER__TOKEN: 'my-user-token',
        LIFE_STATS_SECRET__GOOGLE_FIT__CLIENT_ID: 'the-client-id',
      },
    });
    await expect(store.get('google-fit', 'token', 'my-user')).resolves.toBe('my-user-token');
    await expect(store.get('google-fit', 'client_id')).resolves.toBe('the-client-id');
    await expect(store.get('google-fit', 'client_id', 'my-user')).resolves.toBeUndefined();
    await expect(store.get('google-fit', 'token')).resolves.toBeUndefined();
  });

  it('lists the users of one namespace, lower-cased, ignoring shared secrets and look-alike namespaces', async () => {
    const store = createEnvSecrets({
      env: {
        LIFE_STATS_SECRET__GOOGLE_FIT__ALICE__TOKEN: 'alice-token',
        LIFE_STATS_SECRET__GOOGLE_FIT__MY_USER__TOKEN: 'my-user-token',
        LIFE_STATS_SECRET__GOOGLE_FIT__MY_USER__OTHER: 'my-user-other',
        LIFE_STATS_SECRET__GOOGLE_FIT__CLIENT_ID: 'the-client-id',
        LIFE_STATS_SECRET__GOOGLE__BOB__TOKEN: 'bob-token',
        LIFE_STATS_SECRET__GOOGLE_FIT_X__CAROL__TOKEN: 'carol-token',
        LIFE_STATS_SECRET__GOOGLE_FIT__DAVE__TOKEN: '',
        PATH: '/usr/bin',
      },
    });
    expect((await store.listUsers('google-fit')).sort()).toEqual(['alice', 'my_user']);
    await expect(store.listUsers('google')).resolves.toEqual(['bob']);
    // The listed id maps back to the same variable.
    await expect(store.get('google-fit', 'token', 'my_user')).resolves.toBe('my-user-token');
  });

  it('treats an empty variable as not set', async () => {
    const store = createEnvSecrets({ env: { LIFE_STATS_SECRET__CSV__API_KEY: '' } });
    await expect(store.get('csv', 'api_key')).resolves.toBeUndefined();
  });

  it('reads process.env by default, at the time of each call', async () => {
    const store = createEnvSecrets();
    const key = envSecretName('env-test', 'token', `u${process.pid}`);
    await expect(store.get('env-test', 'token', `u${process.pid}`)).resolves.toBeUndefined();
    touched.push(key);
    process.env[key] = 'from-process-env';
    await expect(store.get('env-test', 'token', `u${process.pid}`)).resolves.toBe('from-process-env');
    await expect(store.listUsers('env-test')).resolves.toEqual([`u${process.pid}`]);
  });

  it('refuses set with E_SECRETS_READONLY, naming the variable to set instead', async () => {
    const error = await createEnvSecrets({ env: {} })
      .set('google-fit', 'token', 'rotated-secret-token', 'me')
      .then(
        () => expect.fail('expected a rejection'),
        (e: LifeStatsError) => e,
      );
    expect(error.code).toBe('E_SECRETS_READONLY');
    expect(error.message).toContain('[life-stats] [secrets:env]');
    expect(error.hint).toContain('LIFE_STATS_SECRET__GOOGLE_FIT__ME__TOKEN');
    expect(error.hint).toContain('file or SSM store');
    expect(formatError(error)).not.toContain('rotated-secret-token');
  });
});
