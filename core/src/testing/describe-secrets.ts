import { describe, expect, it } from 'vitest';
import { formatError, hasErrorCode } from '../errors.js';
import type { SecretStore } from '../secrets/types.js';

/** One secret a test needs in the store before it starts. */
export interface SecretSeed {
  namespace: string;
  name: string;
  value: string;
  /** Set for a user secret, absent for a shared one. */
  userId?: string;
}

/**
 * Makes a fresh, empty store for one test. A writable store may ignore `seed`: the suite writes it
 * with `set`. A read-only store must come back already holding every seeded secret.
 */
export type CreateSecretStore = (seed: readonly SecretSeed[]) => SecretStore | Promise<SecretStore>;

/** Options of {@link describeSecrets}. */
export interface DescribeSecretsOptions {
  /**
   * The store cannot write (the env store): the suite hands the test data to `create` instead of
   * calling `set`, and expects `set` to fail with `E_SECRETS_READONLY`.
   * @default false
   */
  readOnly?: boolean;
}

/**
 * The conformance suite of {@link SecretStore}: every secret store runs it in one line.
 *
 * ```ts
 * describeSecrets('file', () => createFileSecrets({ path: freshPath() }));
 * describeSecrets('env', (seed) => createEnvSecrets({ env: envOf(seed) }), { readOnly: true });
 * ```
 *
 * Each test uses namespaces of its own, so stores that share state between `create` calls (one
 * SSM prefix on a local server) still see only their own data.
 */
export function describeSecrets(name: string, create: CreateSecretStore, options: DescribeSecretsOptions = {}): void {
  const readOnly = options.readOnly ?? false;
  const runId = Math.random().toString(36).slice(2, 8);
  let counter = 0;
  /** A namespace no other test (or earlier run against the same backend) uses. */
  const uniqueNamespace = (base: string): string => `${base}-${runId}-${++counter}`;

  /** A fresh store holding `seed`. */
  const given = async (seed: readonly SecretSeed[] = []): Promise<SecretStore> => {
    const store = await create(seed);
    if (!readOnly) for (const s of seed) await store.set(s.namespace, s.name, s.value, s.userId);
    return store;
  };

  describe(`secret store conformance: ${name}`, () => {
    it('has a name for messages', async () => {
      const store = await given();
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it('says where a user secret and a shared secret live, naming them and never a value', async () => {
      const ns = uniqueNamespace('where');
      const store = await given([
        { namespace: ns, name: 'client_secret', value: 'shared-value-7781' },
        { namespace: ns, name: 'token', value: 'user-value-4452', userId: 'me' },
      ]);
      const user = store.where(ns, 'token', 'me');
      const shared = store.where(ns, 'client_secret');
      for (const [where, name] of [
        [user, 'token'],
        [shared, 'client_secret'],
      ] as const) {
        expect(typeof where).toBe('string');
        expect(where.toLowerCase()).toContain(name.toLowerCase());
        expect(where.toLowerCase()).toContain(ns.toLowerCase().replace(/-/g, '_').slice(0, 5));
        for (const value of ['shared-value-7781', 'user-value-4452']) expect(where).not.toContain(value);
      }
      expect(user.toLowerCase()).toContain('me');
      expect(user).not.toBe(shared);
      // Reading past the cache, where a store has one, gives what was stored.
      if (store.reread) await expect(store.reread(ns, 'token', 'me')).resolves.toBe('user-value-4452');
    });

    it('answers undefined for secrets that are not set, and no users for an unknown namespace', async () => {
      const ns = uniqueNamespace('known');
      const store = await given([
        { namespace: ns, name: 'client_id', value: 'client-id-value' },
        { namespace: ns, name: 'token', value: 'me-token-value', userId: 'me' },
      ]);
      await expect(store.get(ns, 'missing')).resolves.toBeUndefined();
      await expect(store.get(ns, 'missing', 'me')).resolves.toBeUndefined();
      await expect(store.get(ns, 'token', 'nobody')).resolves.toBeUndefined();
      await expect(store.get(uniqueNamespace('unknown'), 'client_id')).resolves.toBeUndefined();
      await expect(store.get(uniqueNamespace('unknown'), 'token', 'me')).resolves.toBeUndefined();
      await expect(store.listUsers(uniqueNamespace('unknown'))).resolves.toEqual([]);
    });

    it('reads back shared and user secrets', async () => {
      const ns = uniqueNamespace('google-fit');
      const store = await given([
        { namespace: ns, name: 'client_id', value: 'client-id-value' },
        { namespace: ns, name: 'client_secret', value: 'client-secret-value' },
        { namespace: ns, name: 'token', value: 'me-refresh-token', userId: 'me' },
        { namespace: ns, name: 'token', value: 'alice-refresh-token', userId: 'alice' },
      ]);
      await expect(store.get(ns, 'client_id')).resolves.toBe('client-id-value');
      await expect(store.get(ns, 'client_secret')).resolves.toBe('client-secret-value');
      await expect(store.get(ns, 'token', 'me')).resolves.toBe('me-refresh-token');
      await expect(store.get(ns, 'token', 'alice')).resolves.toBe('alice-refresh-token');
    });

    it('keeps user secrets and shared secrets of the same name apart', async () => {
      const ns = uniqueNamespace('apart');
      const store = await given([
        { namespace: ns, name: 'token', value: 'shared-token-value' },
        { namespace: ns, name: 'token', value: 'me-token-value', userId: 'me' },
        { namespace: ns, name: 'refresh', value: 'me-refresh-value', userId: 'me' },
        { namespace: ns, name: 'client_id', value: 'client-id-value' },
      ]);
      await expect(store.get(ns, 'token')).resolves.toBe('shared-token-value');
      await expect(store.get(ns, 'token', 'me')).resolves.toBe('me-token-value');
      // A user secret does not answer a shared get, a shared one does not answer a user get.
      await expect(store.get(ns, 'refresh')).resolves.toBeUndefined();
      await expect(store.get(ns, 'client_id', 'me')).resolves.toBeUndefined();
      // One user's secret is not another's.
      await expect(store.get(ns, 'refresh', 'alice')).resolves.toBeUndefined();
    });

    it('keeps namespaces apart, also when one name starts with the other', async () => {
      const google = uniqueNamespace('google');
      const googleFit = `${google}-fit`;
      const store = await given([
        { namespace: google, name: 'client_id', value: 'google-client-id' },
        { namespace: googleFit, name: 'client_id', value: 'google-fit-client-id' },
        { namespace: google, name: 'token', value: 'google-me-token', userId: 'me' },
        { namespace: googleFit, name: 'token', value: 'google-fit-bob-token', userId: 'bob' },
      ]);
      await expect(store.get(google, 'client_id')).resolves.toBe('google-client-id');
      await expect(store.get(googleFit, 'client_id')).resolves.toBe('google-fit-client-id');
      await expect(store.get(google, 'token', 'me')).resolves.toBe('google-me-token');
      await expect(store.get(googleFit, 'token', 'me')).resolves.toBeUndefined();
      await expect(store.get(google, 'token', 'bob')).resolves.toBeUndefined();
      await expect(store.listUsers(google)).resolves.toEqual(['me']);
      await expect(store.listUsers(googleFit)).resolves.toEqual(['bob']);
    });

    it('lists exactly the users that have a user secret in the namespace', async () => {
      const ns = uniqueNamespace('many');
      const other = uniqueNamespace('other');
      // More than one page of a paginated backend (SSM returns 10 per page).
      const users = Array.from({ length: 12 }, (_, i) => `user${String(i + 1).padStart(2, '0')}`);
      const store = await given([
        { namespace: ns, name: 'client_id', value: 'client-id-value' },
        ...users.map((userId) => ({ namespace: ns, name: 'token', value: `token-of-${userId}`, userId })),
        // A user with two secrets is listed once.
        { namespace: ns, name: 'refresh', value: 'second-secret-value', userId: 'user01' },
        { namespace: other, name: 'token', value: 'outsider-token', userId: 'outsider' },
      ]);
      const listed = await store.listUsers(ns);
      expect([...listed].sort()).toEqual(users);
      await expect(store.listUsers(other)).resolves.toEqual(['outsider']);
    });

    it('lists no users in a namespace that holds only shared secrets', async () => {
      const ns = uniqueNamespace('shared-only');
      const store = await given([
        { namespace: ns, name: 'client_id', value: 'client-id-value' },
        { namespace: ns, name: 'client_secret', value: 'client-secret-value' },
      ]);
      await expect(store.listUsers(ns)).resolves.toEqual([]);
    });

    it('returns values exactly as stored: unicode, newlines, quotes, backslashes, long values', async () => {
      const ns = uniqueNamespace('values');
      const values = [
        'ünïcødé ✓ 🔑 日本語',
        'line one\nline two\r\nline three\n',
        `"double" 'single' \`back\``,
        'back\\slash and \\n that is not a newline',
        '{"json":"inside","n":1}',
        '  padded with spaces  ',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${…} must survive the store unexpanded
        '$HOME ${PATH} %USERPROFILE% #hash ;semi',
        `${'x'.repeat(2000)}=`,
      ];
      const store = await given([
        ...values.map((value, i) => ({ namespace: ns, name: `value_${i}`, value })),
        { namespace: ns, name: 'token', value: values[1]!, userId: 'me' },
      ]);
      for (const [i, value] of values.entries()) await expect(store.get(ns, `value_${i}`)).resolves.toBe(value);
      await expect(store.get(ns, 'token', 'me')).resolves.toBe(values[1]);
    });

    if (readOnly) {
      it('refuses set with E_SECRETS_READONLY, without echoing the value', async () => {
        const ns = uniqueNamespace('readonly');
        const store = await given();
        const error = await store.set(ns, 'token', 'value-that-must-not-leak', 'me').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(hasErrorCode(error, 'E_SECRETS_READONLY')).toBe(true);
        expect(formatError(error)).not.toContain('value-that-must-not-leak');
      });
      return;
    }

    it('overwrites a secret and keeps the others', async () => {
      const ns = uniqueNamespace('overwrite');
      const store = await given([
        { namespace: ns, name: 'client_id', value: 'old-client-id' },
        { namespace: ns, name: 'client_secret', value: 'client-secret-value' },
        { namespace: ns, name: 'token', value: 'old-token', userId: 'me' },
        { namespace: ns, name: 'token', value: 'alice-token', userId: 'alice' },
      ]);
      await store.set(ns, 'client_id', 'new-client-id');
      await store.set(ns, 'token', 'new-token', 'me');
      await expect(store.get(ns, 'client_id')).resolves.toBe('new-client-id');
      await expect(store.get(ns, 'client_secret')).resolves.toBe('client-secret-value');
      await expect(store.get(ns, 'token', 'me')).resolves.toBe('new-token');
      await expect(store.get(ns, 'token', 'alice')).resolves.toBe('alice-token');
    });

    it('sees its own writes after earlier reads (no stale cache)', async () => {
      const ns = uniqueNamespace('fresh');
      const store = await given([{ namespace: ns, name: 'token', value: 'first-token', userId: 'me' }]);
      await expect(store.get(ns, 'token', 'me')).resolves.toBe('first-token');
      await expect(store.listUsers(ns)).resolves.toEqual(['me']);
      await store.set(ns, 'token', 'rotated-token', 'me');
      await store.set(ns, 'token', 'bob-token', 'bob');
      await expect(store.get(ns, 'token', 'me')).resolves.toBe('rotated-token');
      expect([...(await store.listUsers(ns))].sort()).toEqual(['bob', 'me']);
    });

    it('keeps every write of concurrent sets', async () => {
      const ns = uniqueNamespace('concurrent');
      const store = await given();
      const writes = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? { name: `shared_${i}`, value: `shared-value-${i}`, userId: undefined }
          : { name: 'token', value: `token-value-${i}`, userId: `user${i}` },
      );
      await Promise.all(writes.map((w) => store.set(ns, w.name, w.value, w.userId)));
      for (const w of writes) await expect(store.get(ns, w.name, w.userId)).resolves.toBe(w.value);
      const users = writes.flatMap((w) => (w.userId ? [w.userId] : []));
      expect([...(await store.listUsers(ns))].sort()).toEqual([...users].sort());
    });

    it('setIfAbsent, where the store has it, creates once and then keeps what is there, also when called at once', async (t) => {
      const ns = uniqueNamespace('if-absent');
      const store = await given();
      if (!store.setIfAbsent) return t.skip();
      await expect(store.setIfAbsent(ns, 'token', 'user-token', 'me')).resolves.toBe('user-token');
      await expect(store.setIfAbsent(ns, 'token', 'other-token', 'me')).resolves.toBe('user-token');
      const racing = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.setIfAbsent?.(ns, 'signing_key', `key-${i}`)),
      );
      const winner = racing[0];
      expect(racing).toEqual(Array(6).fill(winner));
      expect(winner).toMatch(/^key-[0-5]$/);
      await expect(store.get(ns, 'signing_key')).resolves.toBe(winner);
      await expect(store.get(ns, 'token', 'me')).resolves.toBe('user-token');
      expect(await store.listUsers(ns)).toEqual(['me']);
    });
  });
}
