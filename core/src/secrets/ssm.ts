import type { GetParametersByPathCommandOutput, Parameter, SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { type AwsClientOptions, createAwsClient, defineAwsSdk } from '../aws/client.js';
import { STORE_DEFAULTS } from '../config/defaults.js';
import { SecretsError } from '../errors.js';
import { SOURCE, toSecretsError } from './ssm-errors.js';
import type { SecretStore } from './types.js';

/** Options of {@link createSsmSecrets}. */
export interface SsmSecretsOptions extends AwsClientOptions<SSMClient, SSMClientConfig> {
  /** Parameter path every secret lives under; IAM can be scoped to it. @default '/life-stats' */
  prefix?: string;
  /**
   * How long a value read from SSM is reused. A run reads each secret several times (planning,
   * then every pair); a warm Lambda container keeps the store between invocations, and this bounds
   * how stale a value written by another process (`life-stats auth`) can be. `0` disables the cache.
   * Writes through this store are seen at once.
   * @default 60000
   */
  cacheTtlMs?: number;
  /** KMS key of new SecureString parameters. @default the account's `alias/aws/ssm` */
  keyId?: string;
}

type Sdk = typeof import('./ssm-commands.js');

interface CacheEntry {
  value: Promise<string | undefined>;
  expires: number;
  /** The write of this store that produced it (0: a read), so an older listing cannot replace it. */
  generation: number;
}

/** Characters SSM allows in one level of a parameter name. */
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** AWS's largest `GetParametersByPath` page. */
const PAGE_SIZE = 10;

const ssm = defineAwsSdk<Sdk, SSMClient, SSMClientConfig>({
  packageName: '@aws-sdk/client-ssm',
  importSdk: () => import('./ssm-commands.js'),
  clientClass: 'SSMClient',
  createClient: (sdk, config) => new sdk.SSMClient(config),
});

/**
 * Secrets in SSM Parameter Store (DESIGN.md "Secrets"): `<prefix>/<namespace>/<name>` for shared
 * secrets and `<prefix>/<namespace>/<user_id>/<name>` for user secrets, SecureString, read with
 * decryption. Users are discovered with `GetParametersByPath` under the namespace, following every
 * page; the values that listing returns fill the read cache, so a run of many users costs a few
 * paginated calls rather than one `GetParameter` per user and secret.
 *
 * Errors name the parameter path and the IAM permission that is missing — never a value.
 *
 * @example
 * const secrets = createSsmSecrets({ prefix: '/life-stats' });
 * await secrets.get('google-fit', 'token', 'me'); // reads /life-stats/google-fit/me/token
 */
export function createSsmSecrets(options: SsmSecretsOptions = {}): SecretStore {
  const prefix = normalizePrefix(options.prefix ?? STORE_DEFAULTS.ssmPrefix);
  const ttl = Math.max(0, options.cacheTtlMs ?? 60_000);
  const cache = new Map<string, CacheEntry>();
  /** Namespaces listed whole, until when: a secret of theirs missing from the listing is not set. */
  const listed = new Map<string, number>();
  const aws = createAwsClient(ssm, options, {
    source: SOURCE,
    toError: (message, errorOptions) => new SecretsError(message, errorOptions),
  });
  const connect = () => aws.get();
  let generation = 0;

  function remember(path: string, value: Promise<string | undefined>, writeGeneration = 0): void {
    if (ttl === 0) return;
    cache.set(path, { value, expires: Date.now() + ttl, generation: writeGeneration });
  }

  async function read(path: string): Promise<string | undefined> {
    const { sdk, client } = await connect();
    try {
      const output = await client.send(new sdk.GetParameterCommand({ Name: path, WithDecryption: true }));
      return output.Parameter?.Value;
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'ParameterNotFound') return undefined;
      throw toSecretsError(error, { action: 'read', path, permission: 'ssm:GetParameter', kms: 'kms:Decrypt' });
    }
  }

  return {
    name: 'ssm',

    async get(namespace, name, userId) {
      const path = parameterPath(prefix, namespace, name, userId);
      const cached = cache.get(path);
      if (cached && cached.expires > Date.now()) return cached.value;
      if ((listed.get(`${prefix}/${namespace}`) ?? 0) > Date.now()) return undefined;
      const value = read(path);
      remember(path, value);
      // A failed read is not remembered: the next call asks again.
      value.catch(() => {
        if (cache.get(path)?.value === value) cache.delete(path);
      });
      return value;
    },

    async reread(namespace, name, userId) {
      const path = parameterPath(prefix, namespace, name, userId);
      const value = read(path);
      // What was just read replaces what the cache held (a value another process wrote since).
      remember(path, value, ++generation);
      value.catch(() => {
        if (cache.get(path)?.value === value) cache.delete(path);
      });
      return value;
    },

    where(namespace, name, userId) {
      return `SSM parameter ${parameterPath(prefix, namespace, name, userId)}`;
    },

    async set(namespace, name, value, userId) {
      await put(parameterPath(prefix, namespace, name, userId), value, true);
    },

    async setIfAbsent(namespace, name, value, userId) {
      const path = parameterPath(prefix, namespace, name, userId);
      // PutParameter without Overwrite creates the parameter or fails with ParameterAlreadyExists,
      // atomically on SSM's side: of two processes creating it at once, exactly one wins.
      if (await put(path, value, false)) return value;
      // The winner's value, read past the cache.
      const existing = await read(path);
      remember(path, Promise.resolve(existing), ++generation);
      if (existing === undefined) {
        throw new SecretsError(`${SOURCE} ${path} exists but could not be read back`, {
          hint: 'Another process may have deleted it meanwhile: try again.',
        });
      }
      return existing;
    },

    async listUsers(namespace) {
      const path = namespacePath(namespace);
      const startedAt = generation;
      // The listing counts as whole until its start + ttl: no value cached from it expires sooner,
      // so the mark never outlives them.
      const listedUntil = Date.now() + ttl;
      const users = new Set<string>();
      // Each page is taken in as it comes (a listing of 100,000 users is never held whole); its
      // values fill the read cache, so the run's reads that follow cost no request.
      for await (const parameters of pages(path, true)) {
        for (const parameter of parameters) {
          const name = parameter.Name ?? '';
          const level = levelsUnder(path, name);
          if (level?.user) users.add(level.user);
          if (!level) continue;
          // Do not let a listing that started before a write of this store replace what it wrote.
          const current = cache.get(name);
          if (current && current.generation > startedAt) continue;
          remember(name, Promise.resolve(parameter.Value));
        }
      }
      if (ttl > 0) listed.set(path, listedUntil);
      return [...users].sort();
    },

    async hasUser(namespace, userId) {
      const path = `${namespacePath(namespace)}/${checkSegment('user id', userId)}`;
      // `<user>/<name>` parameters only: one level under the user, as listUsers counts them.
      for await (const parameters of pages(path, false, { recursive: false, action: 'look for the secrets under' })) {
        if (parameters.some((p) => p.Name?.startsWith(`${path}/`))) return true;
      }
      return false;
    },

    async *pageUsers(namespace) {
      const path = namespacePath(namespace);
      // Names only: nothing is decrypted (no kms:Decrypt, no KMS request per parameter) or cached.
      for await (const parameters of pages(path, false)) {
        const users = new Set<string>();
        for (const parameter of parameters) {
          const user = levelsUnder(path, parameter.Name ?? '')?.user;
          if (user) users.add(user);
        }
        yield [...users];
      }
    },
  };

  /**
   * PutParameter of a SecureString; with `overwrite` false, resolves `false` (nothing written) when
   * the parameter exists already.
   */
  async function put(path: string, value: string, overwrite: boolean): Promise<boolean> {
    const { sdk, client } = await connect();
    try {
      await client.send(
        new sdk.PutParameterCommand({
          Name: path,
          Value: value,
          Type: 'SecureString',
          Overwrite: overwrite,
          ...(options.keyId ? { KeyId: options.keyId } : {}),
        }),
      );
    } catch (error) {
      if (!overwrite && (error as { name?: unknown })?.name === 'ParameterAlreadyExists') return false;
      throw toSecretsError(error, {
        action: 'write',
        path,
        permission: 'ssm:PutParameter',
        kms: 'kms:Encrypt',
        value,
      });
    }
    remember(path, Promise.resolve(value), ++generation);
    return true;
  }

  function namespacePath(namespace: string): string {
    return `${prefix}/${checkSegment('namespace', namespace)}`;
  }

  /** Every `GetParametersByPath` page under `path`, following `NextToken`. */
  async function* pages(
    path: string,
    withDecryption: boolean,
    { recursive = true, action = 'list the users under' } = {},
  ): AsyncGenerator<Parameter[]> {
    const { sdk, client } = await connect();
    let nextToken: string | undefined;
    do {
      let page: GetParametersByPathCommandOutput;
      try {
        page = await client.send(
          new sdk.GetParametersByPathCommand({
            Path: path,
            Recursive: recursive,
            WithDecryption: withDecryption,
            MaxResults: PAGE_SIZE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (error) {
        throw toSecretsError(error, {
          action,
          path,
          permission: 'ssm:GetParametersByPath',
          // Without decryption no KMS permission is involved; a denial can only be this one.
          kms: withDecryption ? 'kms:Decrypt' : 'ssm:GetParametersByPath',
        });
      }
      yield page.Parameters ?? [];
      nextToken = page.NextToken;
    } while (nextToken);
  }
}

/**
 * Where a listed parameter sits under its namespace's path: `<user>/<name>` is a user secret (its
 * user returned), a bare `<name>` a shared one; anything deeper, or outside the path, is not ours.
 */
function levelsUnder(path: string, name: string): { user?: string } | undefined {
  if (!name.startsWith(`${path}/`)) return undefined;
  const levels = name.slice(path.length + 1).split('/');
  if (levels.length > 2) return undefined;
  return levels.length === 2 && levels[0] ? { user: levels[0] } : {};
}

/** The full parameter name of a secret, after checking every level is a valid SSM name part. */
export function parameterPath(prefix: string, namespace: string, name: string, userId?: string): string {
  const levels = [checkSegment('namespace', namespace)];
  if (userId !== undefined) levels.push(checkSegment('user id', userId));
  levels.push(checkSegment('secret name', name));
  return `${prefix}/${levels.join('/')}`;
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (
    !prefix.startsWith('/') ||
    !trimmed
      .split('/')
      .slice(1)
      .every((level) => SEGMENT.test(level))
  ) {
    throw new SecretsError(`${SOURCE} the prefix ${JSON.stringify(prefix)} is not a valid parameter path`, {
      hint: 'Use a path such as "/life-stats": it starts with "/" and has levels of letters, digits, ".", "-" and "_".',
    });
  }
  return trimmed;
}

function checkSegment(what: string, value: string): string {
  if (typeof value !== 'string' || !SEGMENT.test(value)) {
    throw new SecretsError(`${SOURCE} the ${what} ${JSON.stringify(value)} cannot be part of an SSM parameter name`, {
      hint:
        'SSM parameter names allow only letters, digits, ".", "-" and "_" in each level: ' +
        (what === 'user id' ? 'use such a user id with the SSM secret store.' : 'rename it.'),
    });
  }
  return value;
}
