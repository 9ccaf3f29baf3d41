import { resolve } from 'node:path';
import { userIdProblem } from '../config/user-id.js';
import { SecretsError } from '../errors.js';
import { type FileLockOptions, readSecretsFile, withFileLock, writeAtomically } from './file-io.js';
import {
  FILE_PREFIX,
  putSecret,
  type SecretsData,
  secretPath,
  serializeSecrets,
  typeOf,
  USERS_KEY,
} from './file-layout.js';
import type { SecretStore } from './types.js';

/** Options of {@link createFileSecrets}. */
export interface FileSecretsOptions {
  /**
   * The JSON file holding the secrets. A relative path resolves from the working directory (the
   * config loader already resolves it from the config file's folder).
   */
  path: string;
  /** How long a `set` waits for another process's lock, and when a lock counts as abandoned. */
  lock?: FileLockOptions;
}

/**
 * Pending writes per file, shared by every store of this process: first in, first out, so one
 * process never contends with itself for the file's lock, and the last write to finish holds every
 * earlier one.
 */
const writeQueues = new Map<string, Promise<void>>();

/**
 * A secret store in one JSON file, laid out as
 * `{ "<namespace>": { "<name>": "…", "users": { "<user>": { "<name>": "…" } } } }`.
 *
 * - A missing file is an empty store; the first `set` creates its folder (mode 0700) and the file
 *   (mode 0600).
 * - Every `set` is a read-modify-write under a cross-process lock (`<file>.lock`): it reads the
 *   file's current content, changes one secret and replaces the file atomically (temp file in the
 *   same folder, fsync, rename). Writers in several processes at once (two runs rotating tokens,
 *   `secrets set` in parallel) lose nothing: every `set` that resolved is in the file.
 * - A symlink is written through (its target is replaced, and locked), never replaced itself.
 * - On POSIX a file that group or others can access is refused, with the `chmod` that fixes it.
 *   Windows has no such mode bits, so the check is skipped there.
 * - The file is read once per store and cached: a run reads many secrets. A `set` refreshes the
 *   cache; `reread` reads the file again (a token another process rotated meanwhile).
 * - `users` is reserved by the layout and cannot be the name of a shared secret.
 *
 * Errors are {@link SecretsError}s (`E_SECRETS`) naming the file and the fix; none contains a value.
 */
export function createFileSecrets(options: FileSecretsOptions): SecretStore {
  const path = resolve(options.path);
  let cache: Promise<SecretsData> | undefined;

  const load = (fresh = false): Promise<SecretsData> => {
    if (cache && !fresh) return cache;
    const loading: Promise<SecretsData> = readSecretsFile(path).catch((error: unknown) => {
      // Do not cache a failure: the user may fix the file (chmod, edit) and retry with this store.
      if (cache === loading) cache = undefined;
      throw error;
    });
    cache = loading;
    return loading;
  };
  const lookup = (data: SecretsData, namespace: string, name: string, userId?: string) => {
    const entry = data.get(namespace);
    return userId === undefined ? entry?.shared.get(name) : entry?.users.get(userId)?.get(name);
  };

  /** Write under the file lock, from the file as it is now; `onlyIfAbsent` keeps a value already there. */
  async function write(
    namespace: string,
    name: string,
    value: string,
    userId: string | undefined,
    onlyIfAbsent: boolean,
  ): Promise<string> {
    checkKey('namespace', namespace);
    checkKey('secret name', name);
    if (userId !== undefined) checkUserId(userId);
    if (userId === undefined && name === USERS_KEY) {
      throw new SecretsError(
        `${FILE_PREFIX} cannot store a shared secret named "${USERS_KEY}" in ${path}: the file layout reserves that key for user secrets.`,
        { hint: 'Use another secret name.' },
      );
    }
    if (typeof value !== 'string') {
      throw new SecretsError(`${FILE_PREFIX} the value of secret "${name}" must be a string (got ${typeOf(value)}).`);
    }
    let stored = value;
    const written = await enqueue(path, () =>
      withFileLock(
        path,
        async (target) => {
          // Read the file again rather than the cache: another process may have written since.
          const data = await readSecretsFile(path);
          const existing = onlyIfAbsent ? lookup(data, namespace, name, userId) : undefined;
          if (existing !== undefined) {
            stored = existing;
            return data;
          }
          putSecret(data, namespace, name, value, userId);
          await writeAtomically(target, serializeSecrets(data), path);
          return data;
        },
        options.lock,
      ),
    );
    cache = Promise.resolve(written);
    return stored;
  }

  return {
    name: 'file',

    async get(namespace, name, userId) {
      return lookup(await load(), namespace, name, userId);
    },

    async reread(namespace, name, userId) {
      return lookup(await load(true), namespace, name, userId);
    },

    where(namespace, name, userId) {
      return `${path} at ${secretPath(namespace, name, userId)}`;
    },

    async set(namespace, name, value, userId) {
      await write(namespace, name, value, userId, false);
    },

    async setIfAbsent(namespace, name, value, userId) {
      return write(namespace, name, value, userId, true);
    },

    async listUsers(namespace) {
      const entry = (await load()).get(namespace);
      if (!entry) return [];
      return [...entry.users].filter(([, secrets]) => secrets.size > 0).map(([user]) => user);
    },
  };
}

function enqueue(key: string, task: () => Promise<SecretsData>): Promise<SecretsData> {
  const previous = writeQueues.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  writeQueues.set(key, settled);
  void settled.then(() => {
    if (writeQueues.get(key) === settled) writeQueues.delete(key);
  });
  return run;
}

function checkUserId(userId: string): void {
  const problem = userIdProblem(userId);
  if (problem) throw new SecretsError(`${FILE_PREFIX} cannot store a secret for that user: the user id ${problem}.`);
}

function checkKey(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new SecretsError(`${FILE_PREFIX} the ${what} must be a non-empty string (got ${JSON.stringify(value)}).`);
  }
}
