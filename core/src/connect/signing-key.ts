import { randomBytes } from 'node:crypto';
import { LifeStatsError } from '../errors.js';
import type { SecretStore } from '../secrets/types.js';

/**
 * The deployment's connect signing key: the shared secret `connect/signing_key` of the configured
 * secret store (`<prefix>/connect/signing_key` in SSM). It signs every link and, through a key
 * derived from it, seals the state of every consent in flight. Rotating it invalidates both.
 */
export const SIGNING_KEY = { namespace: 'connect', name: 'signing_key' } as const;

/** A key set by hand shorter than this is refused: HMAC-SHA256 wants at least 256 bits. */
const MIN_KEY_LENGTH = 32;

/** The command that replaces the key, for hints and docs. */
const ROTATE_KEY_COMMAND = 'life-stats connect-link --rotate-key';

function keyError(message: string, hint: string): LifeStatsError {
  return new LifeStatsError('E_CONNECT_KEY', `[life-stats] [connect] ${message}`, { hint });
}

/** A fresh key: 32 random bytes, base64url (43 characters). */
function newKey(): string {
  return randomBytes(32).toString('base64url');
}

function checked(key: string, where: string): string {
  if (key.length < MIN_KEY_LENGTH) {
    throw keyError(
      `the connect signing key (${where}) is shorter than ${MIN_KEY_LENGTH} characters`,
      `Replace it with a random one: \`${ROTATE_KEY_COMMAND}\`.`,
    );
  }
  return key;
}

/**
 * The key, read past any cache of the store (a rotation is seen at once); `undefined` when no link
 * was ever made. The connect function only reads it: it never creates one.
 *
 * @throws {LifeStatsError} `E_CONNECT_KEY` when the stored key is too short to be safe.
 */
export async function readSigningKey(store: SecretStore): Promise<string | undefined> {
  const { namespace, name } = SIGNING_KEY;
  const key = store.reread ? await store.reread(namespace, name) : await store.get(namespace, name);
  return key === undefined ? undefined : checked(key, store.where(namespace, name));
}

/**
 * The key, created in the store on first use. Two first uses at once (two operators, two scripts)
 * agree on one key where the store can create atomically ({@link SecretStore.setIfAbsent}: SSM,
 * the file store), so no link is signed with a key that another write then replaced.
 */
export async function ensureSigningKey(store: SecretStore): Promise<{ key: string; created: boolean }> {
  const existing = await readSigningKey(store);
  if (existing !== undefined) return { key: existing, created: false };
  const key = newKey();
  const { namespace, name } = SIGNING_KEY;
  if (store.setIfAbsent) {
    const stored = await store.setIfAbsent(namespace, name, key);
    return stored === key
      ? { key, created: true }
      : { key: checked(stored, store.where(namespace, name)), created: false };
  }
  await store.set(namespace, name, key);
  return { key, created: true };
}

/** Replace the key with a fresh one: every link and every consent in flight made before stops working. */
export async function rotateSigningKey(store: SecretStore): Promise<string> {
  const key = newKey();
  await store.set(SIGNING_KEY.namespace, SIGNING_KEY.name, key);
  return key;
}
