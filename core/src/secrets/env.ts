import { SecretsError } from '../errors.js';
import { ENV_SECRET_PREFIX, envSecretName, envSegment, SEPARATOR } from './env-names.js';
import type { SecretStore } from './types.js';

export { ENV_SECRET_PREFIX, type EnvUserCollision, envSecretName, envUserCollisions } from './env-names.js';

const PREFIX = '[life-stats] [secrets:env]';

/** Options of {@link createEnvSecrets}. */
export interface EnvSecretsOptions {
  /**
   * Where to read the variables. Read on every call, so later changes are seen.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * A read-only secret store over environment variables named by {@link envSecretName}; for CI,
 * containers and one-off runs. An empty variable counts as not set.
 *
 * Variable names cannot keep case or punctuation, so different ids share a variable (`alice-x`,
 * `alice_x` and `Alice.X` all read `…__ALICE_X__TOKEN`): such ids are refused rather than read
 * each other's secrets — the config's `users` by validation (exit 2), ids of the runs table when a
 * run plans its pairs ({@link SecretStore.userKey} tells the engine which ids collide). `listUsers`
 * can only return the user part as written in the variable, lower-cased
 * (`LIFE_STATS_SECRET__GOOGLE_FIT__MY_USER__TOKEN` → `my_user`); a user listed in the config or
 * the runs table under an id of the same variable is that user, not a new one. Give env users ids
 * of lower-case letters, digits and `_` to have them discovered under their own id.
 *
 * `set` fails with `E_SECRETS_READONLY`: a process cannot change its parent's environment.
 */
export function createEnvSecrets(options: EnvSecretsOptions = {}): SecretStore {
  const env = (): NodeJS.ProcessEnv => options.env ?? process.env;

  return {
    name: 'env',

    async get(namespace, name, userId) {
      const value = env()[envSecretName(namespace, name, userId)];
      return value === undefined || value === '' ? undefined : value;
    },

    where(namespace, name, userId) {
      return `env ${envSecretName(namespace, name, userId)}`;
    },

    userKey: envSegment,

    async set(namespace, name, _value, userId) {
      throw new SecretsError(
        `${PREFIX} cannot store secret "${name}" of namespace "${namespace}": the env store only reads environment variables.`,
        {
          code: 'E_SECRETS_READONLY',
          hint: `Set ${envSecretName(namespace, name, userId)} in the environment instead, or use the file or SSM store ("secrets": { "type": "file" } in the config, or LIFE_STATS_SECRETS=file).`,
        },
      );
    },

    async listUsers(namespace) {
      const prefix = `${ENV_SECRET_PREFIX}${envSegment(namespace)}${SEPARATOR}`;
      const users = new Set<string>();
      for (const [key, value] of Object.entries(env())) {
        if (!value || !key.startsWith(prefix)) continue;
        // `<USER>__<NAME>` is a user secret; a bare `<NAME>` is a shared one.
        const [user, name, ...rest] = key.slice(prefix.length).split(SEPARATOR);
        if (user && name && rest.length === 0) users.add(user.toLowerCase());
      }
      return [...users];
    },
  };
}
