import { rejection } from '@life-stats/testing/assertions';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError, hasErrorCode } from '../../src/errors.js';
import { createSsmSecrets } from '../../src/secrets/ssm.js';
import { describeSecrets } from '../../src/testing/describe-secrets.js';

let fake: SsmFake;
let smallPages: SsmFake;

beforeAll(async () => {
  fake = await startSsmFake();
  smallPages = await startSsmFake({ pageSize: 3 });
});

afterAll(async () => {
  await fake?.stop();
  await smallPages?.stop();
});

describeSecrets('ssm (local SSM fake)', () => createSsmSecrets({ clientConfig: fake.clientConfig }));
describeSecrets('ssm (local SSM fake, 3 parameters per page)', () =>
  createSsmSecrets({ prefix: '/other/prefix', clientConfig: smallPages.clientConfig }),
);

let counter = 0;
const unique = (base: string) => `${base}-${++counter}`;

describe('ssm secrets against the SSM protocol', () => {
  it('writes SecureString parameters at <prefix>/<namespace>[/<user>]/<name>', async () => {
    const ns = unique('google-fit');
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    await store.set(ns, 'client_id', 'the-client-id');
    await store.set(ns, 'token', 'the-refresh-token', 'me');
    expect(fake.parameters.get(`/life-stats/${ns}/client_id`)).toEqual({
      value: 'the-client-id',
      type: 'SecureString',
      version: 1,
    });
    expect(fake.parameters.get(`/life-stats/${ns}/me/token`)).toMatchObject({
      value: 'the-refresh-token',
      type: 'SecureString',
    });
    await store.set(ns, 'token', 'rotated-token', 'me');
    expect(fake.parameters.get(`/life-stats/${ns}/me/token`)).toMatchObject({ value: 'rotated-token', version: 2 });
  });

  it('reads parameters written by others with decryption, under a custom prefix', async () => {
    const ns = unique('acme');
    fake.parameters.set(`/team/prod/${ns}/me/api_key`, {
      value: 'decrypted-api-key',
      type: 'SecureString',
      version: 1,
    });
    const store = createSsmSecrets({ prefix: '/team/prod/', clientConfig: fake.clientConfig });
    await expect(store.get(ns, 'api_key', 'me')).resolves.toBe('decrypted-api-key');
    const read = fake.requests.find(
      (r) => r.operation === 'GetParameter' && r.input.Name === `/team/prod/${ns}/me/api_key`,
    );
    expect(read?.input.WithDecryption).toBe(true);
  });

  it('finds all 12 users across pages of at most 10 and reuses the listed values', async () => {
    const ns = unique('many');
    for (let i = 1; i <= 12; i++) {
      fake.parameters.set(`/life-stats/${ns}/user${i}/token`, {
        value: `token-${i}`,
        type: 'SecureString',
        version: 1,
      });
    }
    fake.parameters.set(`/life-stats/${ns}/client_id`, { value: 'client-id', type: 'SecureString', version: 1 });
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    fake.resetRequests();
    const users = await store.listUsers(ns);
    expect(users).toEqual(Array.from({ length: 12 }, (_, i) => `user${i + 1}`).sort());
    const pages = fake.requests.filter((r) => r.operation === 'GetParametersByPath');
    expect(pages).toHaveLength(2);
    expect(pages.every((p) => p.input.MaxResults === 10 && p.input.Recursive === true)).toBe(true);
    expect(pages[1]?.input.NextToken).toBeTypeOf('string');
    // The run that follows reads every user's token: the listing already holds them.
    for (let i = 1; i <= 12; i++) await expect(store.get(ns, 'token', `user${i}`)).resolves.toBe(`token-${i}`);
    await expect(store.get(ns, 'client_id')).resolves.toBe('client-id');
    // A user the listing did not show (one in the config only) has no secret: no need to ask.
    await expect(store.get(ns, 'token', 'config-only-user')).resolves.toBeUndefined();
    expect(fake.count('GetParameter')).toBe(0);
    await store.set(ns, 'token', 'new-token', 'config-only-user');
    await expect(store.get(ns, 'token', 'config-only-user')).resolves.toBe('new-token');
  });

  it('pages users for the fan-out planner by name only: nothing decrypted, nothing cached', async () => {
    const ns = unique('paged');
    for (let i = 1; i <= 7; i++) {
      for (const name of ['refresh_token', 'access_token']) {
        smallPages.parameters.set(`/life-stats/${ns}/user${i}/${name}`, {
          value: `${name}-${i}`,
          type: 'SecureString',
          version: 1,
        });
      }
    }
    smallPages.parameters.set(`/life-stats/${ns}/client_secret`, { value: 'shh', type: 'SecureString', version: 1 });
    smallPages.parameters.set(`/life-stats/${ns}/archive/old/token`, { value: 'x', type: 'SecureString', version: 1 });
    const store = createSsmSecrets({ clientConfig: smallPages.clientConfig });
    smallPages.resetRequests();
    const pages: string[][] = [];
    for await (const page of store.pageUsers?.(ns) ?? []) pages.push(page);
    // 16 parameters, 3 per page: 6 pages, each giving the users it named (a user may span two).
    expect(pages).toHaveLength(6);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(3);
    expect([...new Set(pages.flat())].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `user${i + 1}`));
    const requests = smallPages.requests.filter((r) => r.operation === 'GetParametersByPath');
    expect(requests.every((r) => r.input.WithDecryption === false)).toBe(true);
    // No value was kept: reading a token asks SSM (with decryption) for it.
    await expect(store.get(ns, 'refresh_token', 'user3')).resolves.toBe('refresh_token-3');
    expect(smallPages.count('GetParameter')).toBe(1);
  });

  it('hasUser asks about one user alone: a user secret counts; a shared secret of that name, or deeper parameters, do not', async () => {
    const ns = unique('has-user');
    const put = (name: string) =>
      fake.parameters.set(`/life-stats/${ns}/${name}`, { value: 'v', type: 'SecureString', version: 1 });
    put('alice/token');
    put('bob');
    put('carol/archive/token');
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    fake.resetRequests();
    await expect(store.hasUser?.(ns, 'alice')).resolves.toBe(true);
    await expect(store.hasUser?.(ns, 'bob')).resolves.toBe(false);
    await expect(store.hasUser?.(ns, 'carol')).resolves.toBe(false);
    await expect(store.hasUser?.(ns, 'dave')).resolves.toBe(false);
    expect(fake.requests.map((r) => [r.operation, r.input.Path, r.input.WithDecryption])).toEqual(
      ['alice', 'bob', 'carol', 'dave'].map((u) => ['GetParametersByPath', `/life-stats/${ns}/${u}`, false]),
    );
    // As listUsers sees them.
    await expect(store.listUsers(ns)).resolves.toEqual(['alice']);
  });

  it('names the one missing permission when paging users is denied (no KMS permission is involved)', async () => {
    const ns = unique('paged-denied');
    fake.parameters.set(`/life-stats/${ns}/me/token`, { value: 'a-token', type: 'SecureString', version: 1 });
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    fake.denyAccess((operation) => operation === 'GetParametersByPath');
    try {
      const error = await rejection(
        (async () => {
          for await (const _ of store.pageUsers?.(ns) ?? []) void _;
        })(),
      );
      expect(hasErrorCode(error, 'E_SECRETS')).toBe(true);
      expect(formatError(error)).toMatch(/ssm:GetParametersByPath is missing/);
      expect(formatError(error)).not.toMatch(/kms/i);
      expect(formatError(error)).toContain(`/life-stats/${ns}`);
    } finally {
      fake.denyAccess();
    }
  });

  it('setIfAbsent: of two stores (two processes) creating one parameter at once, one value wins and both return it', async () => {
    const ns = unique('if-absent');
    const stores = [
      createSsmSecrets({ clientConfig: fake.clientConfig }),
      createSsmSecrets({ clientConfig: fake.clientConfig }),
    ];
    // Both read the key first and find nothing, as two first `connect-link` runs would.
    for (const store of stores) await expect(store.get(ns, 'signing_key')).resolves.toBeUndefined();
    const results = await Promise.all(stores.map((store, i) => store.setIfAbsent?.(ns, 'signing_key', `key-${i}`)));
    expect(results[0]).toBe(results[1]);
    expect(fake.parameters.get(`/life-stats/${ns}/signing_key`)?.value).toBe(results[0]);
    // The loser's cache holds the winner's value, not its own.
    for (const store of stores) await expect(store.get(ns, 'signing_key')).resolves.toBe(results[0]);
  });

  it('caches reads for cacheTtlMs, and reads again after it', async () => {
    const ns = unique('cache');
    const name = `/life-stats/${ns}/client_id`;
    fake.parameters.set(name, { value: 'first-value', type: 'SecureString', version: 1 });
    const store = createSsmSecrets({ clientConfig: fake.clientConfig, cacheTtlMs: 100 });
    fake.resetRequests();
    await expect(store.get(ns, 'client_id')).resolves.toBe('first-value');
    await expect(store.get(ns, 'client_id')).resolves.toBe('first-value');
    await expect(store.get(ns, 'missing')).resolves.toBeUndefined();
    await expect(store.get(ns, 'missing')).resolves.toBeUndefined();
    expect(fake.count('GetParameter')).toBe(2);
    // Another process (`life-stats auth` on a laptop) rotates it.
    fake.parameters.set(name, { value: 'second-value', type: 'SecureString', version: 2 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(store.get(ns, 'client_id')).resolves.toBe('second-value');

    const uncached = createSsmSecrets({ clientConfig: fake.clientConfig, cacheTtlMs: 0 });
    fake.resetRequests();
    await uncached.get(ns, 'client_id');
    await uncached.get(ns, 'client_id');
    expect(fake.count('GetParameter')).toBe(2);
  });

  it('reports access denied with the parameter path and the missing permission, never the value', async () => {
    const ns = unique('denied');
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    fake.denyAccess((operation) => operation === 'GetParameter');
    try {
      const error = await rejection(store.get(ns, 'token', 'me'));
      expect(hasErrorCode(error, 'E_SECRETS')).toBe(true);
      expect(formatError(error)).toContain(
        `cannot read /life-stats/${ns}/me/token: access denied (ssm:GetParameter is missing)`,
      );
      expect(formatError(error)).toContain(
        'Allow ssm:GetParameter on arn:aws:ssm:<region>:<account>:parameter/life-stats/',
      );
    } finally {
      fake.denyAccess();
    }
    // A failed read is not cached.
    fake.parameters.set(`/life-stats/${ns}/me/token`, { value: 'now-readable', type: 'SecureString', version: 1 });
    await expect(store.get(ns, 'token', 'me')).resolves.toBe('now-readable');

    fake.denyAccess((operation) => operation === 'PutParameter');
    try {
      const error = await rejection(store.set(ns, 'token', 'value-that-must-not-leak', 'me'));
      expect(formatError(error)).toContain(
        `cannot write /life-stats/${ns}/me/token: access denied (ssm:PutParameter is missing)`,
      );
      expect(formatError(error)).not.toContain('value-that-must-not-leak');
    } finally {
      fake.denyAccess();
    }

    fake.denyAccess((operation) => operation === 'GetParametersByPath');
    try {
      const error = await rejection(store.listUsers(ns));
      expect(formatError(error)).toContain(
        `cannot list the users under /life-stats/${ns}: access denied (ssm:GetParametersByPath is missing)`,
      );
    } finally {
      fake.denyAccess();
    }
  });

  it('keeps a value that AWS quotes in a validation error out of the message and the cause', async () => {
    const ns = unique('too-long');
    const secret = `secret-${'y'.repeat(9000)}`;
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    const error = await rejection(store.set(ns, 'token', secret, 'me'));
    expect(hasErrorCode(error, 'E_SECRETS')).toBe(true);
    expect(formatError(error)).toContain('ValidationException');
    expect(formatError(error)).not.toContain(secret);
    expect(String((error as { cause?: Error }).cause?.message)).not.toContain(secret);
  });

  it('refuses names SSM cannot hold before sending anything', async () => {
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    fake.resetRequests();
    const error = await rejection(store.get('google-fit', 'token', 'user@example.com'));
    expect(formatError(error)).toContain('the user id "user@example.com" cannot be part of an SSM parameter name');
    await expect(store.set('bad namespace', 'token', 'value')).rejects.toThrow(/namespace "bad namespace"/);
    expect(fake.requests).toEqual([]);
    expect(() => createSsmSecrets({ prefix: 'life-stats' })).toThrow(
      /prefix "life-stats" is not a valid parameter path/,
    );
  });

  it('ignores parameters nested deeper than <user>/<name> when listing users', async () => {
    const ns = unique('deep');
    fake.parameters.set(`/life-stats/${ns}/me/token`, { value: 'a-token', type: 'SecureString', version: 1 });
    fake.parameters.set(`/life-stats/${ns}/archive/old/token`, {
      value: 'old-token',
      type: 'SecureString',
      version: 1,
    });
    fake.parameters.set(`/life-stats/${ns}-fit/bob/token`, { value: 'b-token', type: 'SecureString', version: 1 });
    const store = createSsmSecrets({ clientConfig: fake.clientConfig });
    await expect(store.listUsers(ns)).resolves.toEqual(['me']);
  });
});
