import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { formatError, type LifeStatsError } from '../../src/errors.js';
import { createRedactor } from '../../src/log/redact.js';
import type { NormalizedPlugin } from '../../src/plugins/types.js';
import { createFileSecrets } from '../../src/secrets/file.js';
import { loadPluginSecrets } from '../../src/secrets/plugin-secrets.js';
import type { SecretStore } from '../../src/secrets/types.js';

type SecretsOf = Pick<NormalizedPlugin, 'id' | 'secrets'>;

const googleFitSteps: SecretsOf = {
  id: 'google-fit-steps',
  secrets: { namespace: 'google-fit', user: ['token'], shared: ['client_id', 'client_secret'] },
};

const seed = {
  'google-fit': {
    client_id: 'fit-client-id',
    client_secret: 'fit-client-secret',
    undeclared: 'fit-undeclared-value',
    users: { me: { token: 'fit-me-token' }, alice: { token: 'fit-alice-token' } },
  },
  'google-health': {
    client_id: 'health-client-id',
    users: { me: { token: 'health-me-token' }, bob: { token: 'health-bob-token' } },
  },
};

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

let path: string;
let store: SecretStore;
beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'life-stats-plugin-secrets-'));
  dirs.push(dir);
  path = join(dir, 'secrets.json');
  await writeFile(path, JSON.stringify(seed), { mode: 0o600 });
  store = createFileSecrets({ path });
});

function accessError(fn: () => unknown): LifeStatsError {
  try {
    fn();
  } catch (error) {
    return error as LifeStatsError;
  }
  return expect.fail('expected an error');
}

describe('loadPluginSecrets', () => {
  it("gives the user's secrets and the shared ones of the plugin's namespace", async () => {
    const secrets = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'me' });
    expect(secrets.get('token')).toBe('fit-me-token');
    expect(secrets.get('client_id')).toBe('fit-client-id');
    expect(secrets.get('client_secret')).toBe('fit-client-secret');
    const alice = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'alice' });
    expect(alice.get('token')).toBe('fit-alice-token');
  });

  it('refuses an undeclared name, naming the plugin and the secret', async () => {
    const secrets = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'me' });
    const error = accessError(() => secrets.get('undeclared'));
    expect(error.code).toBe('E_SECRET_ACCESS');
    expect(error.message).toContain('[plugin:google-fit-steps]');
    expect(error.message).toContain('"undeclared"');
    expect(error.message).toContain('declared user secrets: token; shared secrets: client_id, client_secret');
    expect(formatError(error)).not.toContain('fit-undeclared-value');
  });

  it("never sees another namespace's secrets, even with the same names", async () => {
    // bob has a token in google-health only.
    const bob = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'bob' });
    expect(bob.get('token')).toBeUndefined();
    expect(bob.get('client_id')).toBe('fit-client-id');
    const acme: SecretsOf = {
      id: 'acme-water',
      secrets: { namespace: 'acme', user: ['token'], shared: ['client_id'] },
    };
    const me = await loadPluginSecrets({ store, plugin: acme, userId: 'me' });
    expect(me.get('token')).toBeUndefined();
    expect(me.get('client_id')).toBeUndefined();
  });

  it("prefers the user's value for a name declared both ways, else the shared one", async () => {
    await store.set('acme', 'api_key', 'shared-api-key');
    await store.set('acme', 'api_key', 'me-api-key', 'me');
    const plugin: SecretsOf = {
      id: 'acme-water',
      secrets: { namespace: 'acme', user: ['api_key'], shared: ['api_key'] },
    };
    expect((await loadPluginSecrets({ store, plugin, userId: 'me' })).get('api_key')).toBe('me-api-key');
    expect((await loadPluginSecrets({ store, plugin, userId: 'alice' })).get('api_key')).toBe('shared-api-key');
  });

  it('refuses every name to a plugin that declares no secrets', async () => {
    const plugin: SecretsOf = { id: 'csv', secrets: { namespace: 'csv', user: [], shared: [] } };
    const secrets = await loadPluginSecrets({ store, plugin, userId: 'me' });
    expect(accessError(() => secrets.get('token')).message).toContain('[plugin:csv] may not use secret "token"');
  });

  it('writes a declared user secret through to the store, for this user only', async () => {
    const secrets = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'me' });
    await secrets.set('token', 'rotated-me-token');
    expect(secrets.get('token')).toBe('rotated-me-token');
    const fresh = createFileSecrets({ path });
    await expect(fresh.get('google-fit', 'token', 'me')).resolves.toBe('rotated-me-token');
    await expect(fresh.get('google-fit', 'token', 'alice')).resolves.toBe('fit-alice-token');
    await expect(fresh.get('google-health', 'token', 'me')).resolves.toBe('health-me-token');
    await expect(fresh.get('google-fit', 'token')).resolves.toBeUndefined();
  });

  it('refuses to set a shared or an undeclared name, and writes nothing', async () => {
    const secrets = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'me' });
    const shared = await secrets.set('client_id', 'hijacked-client-id').then(
      () => expect.fail('expected a rejection'),
      (e: LifeStatsError) => e,
    );
    expect(shared.code).toBe('E_SECRET_ACCESS');
    expect(shared.message).toContain('[plugin:google-fit-steps] may not use secret "client_id"');
    expect(shared.message).toContain('shared secret');
    expect(formatError(shared)).not.toContain('hijacked-client-id');
    const undeclared = await secrets.set('refresh', 'sneaky-value').then(
      () => expect.fail('expected a rejection'),
      (e: LifeStatsError) => e,
    );
    expect(undeclared.code).toBe('E_SECRET_ACCESS');
    expect(undeclared.message).toContain('"refresh"');
    const fresh = createFileSecrets({ path });
    await expect(fresh.get('google-fit', 'client_id')).resolves.toBe('fit-client-id');
    await expect(fresh.get('google-fit', 'client_id', 'me')).resolves.toBeUndefined();
    await expect(fresh.get('google-fit', 'refresh', 'me')).resolves.toBeUndefined();
  });

  it('gives every value it reads or sets to the redactor, and none of other namespaces', async () => {
    const redactor = createRedactor();
    const secrets = await loadPluginSecrets({ store, plugin: googleFitSteps, userId: 'me', redactor });
    expect(redactor.redact('token=fit-me-token id=fit-client-id secret=fit-client-secret')).toBe(
      'token=[redacted] id=[redacted] secret=[redacted]',
    );
    expect(redactor.redact('health-me-token fit-alice-token')).toBe('health-me-token fit-alice-token');
    await secrets.set('token', 'rotated-me-token');
    expect(redactor.redact('new token rotated-me-token')).toBe('new token [redacted]');
  });
});
