import { SecretAccessError } from '../errors.js';
import type { Redactor } from '../log/redact.js';
import type { NormalizedPlugin, PluginSecrets } from '../plugins/types.js';
import type { SecretStore } from './types.js';

/** Options of {@link loadPluginSecrets}. */
export interface LoadPluginSecretsOptions {
  store: SecretStore;
  /** Only `id` (for messages) and the normalized `secrets` declaration are used. */
  plugin: Pick<NormalizedPlugin, 'id' | 'secrets'>;
  /** The user the fetch is for: user secrets are read and written for this user only. */
  userId: string;
  /** Receives every value read or set, so no log line or message can show it. */
  redactor?: Redactor;
}

/**
 * Read every secret a plugin declared, for one user, and return the plugin's `ctx.secrets`.
 *
 * Loading everything up front is what lets `get` be synchronous. The plugin sees its own namespace
 * and declared names only:
 * - `get(name)`: a declared user name gives the user's value, a declared shared name the shared
 *   value; a name declared as both gives the user's value, else the shared one; `undefined` when not
 *   set. An undeclared name throws a {@link SecretAccessError} naming the plugin and the secret.
 * - `set(name, value)`: only for a declared user name; writes through to the store for this user,
 *   and later `get`s return the new value.
 */
export async function loadPluginSecrets(options: LoadPluginSecretsOptions): Promise<PluginSecrets> {
  const { store, plugin, userId, redactor } = options;
  const { namespace, user: userNames, shared: sharedNames } = plugin.secrets;
  const [userValues, sharedValues] = await Promise.all([
    readSecrets(store, namespace, userNames, userId),
    readSecrets(store, namespace, sharedNames),
  ]);
  for (const value of [...userValues.values(), ...sharedValues.values()]) redactor?.add(value);

  const declared = `declared user secrets: ${list(userNames)}; shared secrets: ${list(sharedNames)}`;

  const checkDeclared = (name: string): { isUser: boolean; isShared: boolean } => {
    const isUser = userNames.includes(name);
    const isShared = sharedNames.includes(name);
    if (!isUser && !isShared) {
      throw new SecretAccessError(plugin.id, name, `it is not declared in the plugin's manifest (${declared}).`);
    }
    return { isUser, isShared };
  };

  return Object.freeze({
    get(name: string): string | undefined {
      const { isUser, isShared } = checkDeclared(name);
      return (isUser ? userValues.get(name) : undefined) ?? (isShared ? sharedValues.get(name) : undefined);
    },

    where(name: string): string {
      const { isUser } = checkDeclared(name);
      return store.where(namespace, name, isUser ? userId : undefined);
    },

    async set(name: string, value: string): Promise<void> {
      if (!userNames.includes(name)) {
        const why = sharedNames.includes(name)
          ? 'it is a shared secret, and a plugin may only set its user secrets'
          : 'it is not declared in the plugin manifest';
        throw new SecretAccessError(plugin.id, name, `cannot set it: ${why} (${declared}).`);
      }
      // Known to the redactor before the write, so even an error raised while storing cannot show it.
      redactor?.add(value);
      await store.set(namespace, name, value, userId);
      userValues.set(name, value);
    },
  });
}

/** The values that are set, by name; all read at once. */
async function readSecrets(
  store: SecretStore,
  namespace: string,
  names: readonly string[],
  userId?: string,
): Promise<Map<string, string>> {
  const values = await Promise.all(names.map((name) => store.get(namespace, name, userId)));
  const found = new Map<string, string>();
  names.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined) found.set(name, value);
  });
  return found;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}
