import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isLifeStatsError, SecretsError } from '../errors.js';
import type { SecretStore } from './types.js';

/** Options of {@link createFileSecrets}. */
export interface FileSecretsOptions {
  /**
   * The JSON file holding the secrets. A relative path resolves from the working directory (the
   * config loader already resolves it from the config file's folder).
   */
  path: string;
}

const PREFIX = '[life-stats] [secrets:file]';
/** The key under a namespace that holds per-user secrets; it cannot name a shared secret. */
const USERS_KEY = 'users';
const LAYOUT = '{ "<namespace>": { "<name>": "…", "users": { "<user>": { "<name>": "…" } } } }';
const RESET_HINT = 'Fix the file by hand, or delete it and store the secrets again with `life-stats secrets set`.';
/** Report at most this many layout problems; the rest are counted. */
const MAX_PROBLEMS = 10;

interface NamespaceSecrets {
  shared: Map<string, string>;
  users: Map<string, Map<string, string>>;
}

/** Parsed file. Maps rather than objects, so names like `__proto__` are plain keys. */
type SecretsData = Map<string, NamespaceSecrets>;

/**
 * Pending writes per file, shared by every store of this process: two stores (or two `set`s of one
 * store) on the same file would otherwise read the same old content and the last rename would win.
 */
const writeQueues = new Map<string, Promise<void>>();

/**
 * A secret store in one JSON file, laid out as
 * `{ "<namespace>": { "<name>": "…", "users": { "<user>": { "<name>": "…" } } } }`.
 *
 * - A missing file is an empty store; the first `set` creates its folder (mode 0700) and the file
 *   (mode 0600).
 * - Every `set` rewrites the file atomically (temp file in the same folder, fsync, rename) from its
 *   current content, so entries written meanwhile by another process or by hand are kept.
 * - On POSIX a file that group or others can access is refused, with the `chmod` that fixes it.
 *   Windows has no such mode bits, so the check is skipped there.
 * - The file is read once per store and cached: a run reads many secrets. A `set` refreshes the
 *   cache; changes made by others after the first read are seen by the next store.
 * - `users` is reserved by the layout and cannot be the name of a shared secret.
 *
 * Errors are {@link SecretsError}s (`E_SECRETS`) naming the file and the fix; none contains a value.
 */
export function createFileSecrets(options: FileSecretsOptions): SecretStore {
  const path = resolve(options.path);
  let cache: Promise<SecretsData> | undefined;

  const load = (): Promise<SecretsData> => {
    if (cache) return cache;
    const loading: Promise<SecretsData> = readSecretsFile(path).catch((error: unknown) => {
      // Do not cache a failure: the user may fix the file (chmod, edit) and retry with this store.
      if (cache === loading) cache = undefined;
      throw error;
    });
    cache = loading;
    return loading;
  };

  return {
    name: 'file',

    async get(namespace, name, userId) {
      const entry = (await load()).get(namespace);
      return userId === undefined ? entry?.shared.get(name) : entry?.users.get(userId)?.get(name);
    },

    async set(namespace, name, value, userId) {
      checkKey('namespace', namespace);
      checkKey('secret name', name);
      if (userId !== undefined) checkKey('user id', userId);
      if (userId === undefined && name === USERS_KEY) {
        throw new SecretsError(
          `${PREFIX} cannot store a shared secret named "${USERS_KEY}" in ${path}: the file layout reserves that key for user secrets.`,
          { hint: 'Use another secret name.' },
        );
      }
      if (typeof value !== 'string') {
        throw new SecretsError(`${PREFIX} the value of secret "${name}" must be a string (got ${typeOf(value)}).`);
      }
      const written = await enqueue(path, async () => {
        // Read the file again rather than the cache: another process may have written since.
        const data = await readSecretsFile(path);
        putSecret(data, namespace, name, value, userId);
        await writeAtomically(path, serialize(data));
        return data;
      });
      // The queue is first in, first out, so the last write to finish holds every earlier one.
      cache = Promise.resolve(written);
    },

    async listUsers(namespace) {
      const entry = (await load()).get(namespace);
      if (!entry) return [];
      return [...entry.users].filter(([, secrets]) => secrets.size > 0).map(([user]) => user);
    },
  };
}

function putSecret(data: SecretsData, namespace: string, name: string, value: string, userId?: string): void {
  let entry = data.get(namespace);
  if (!entry) {
    entry = { shared: new Map(), users: new Map() };
    data.set(namespace, entry);
  }
  if (userId === undefined) {
    entry.shared.set(name, value);
    return;
  }
  let user = entry.users.get(userId);
  if (!user) {
    user = new Map();
    entry.users.set(userId, user);
  }
  user.set(name, value);
}

async function readSecretsFile(path: string): Promise<SecretsData> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return new Map();
    throw readError(path, error);
  }
  let text: string;
  try {
    // Check the mode of the open handle, not of the path, so what is checked is what is read.
    if (process.platform !== 'win32') {
      const { mode } = await handle.stat();
      if ((mode & 0o077) !== 0) throw tooOpenError(path, mode);
    }
    text = await handle.readFile('utf8');
  } catch (error) {
    if (isLifeStatsError(error)) throw error;
    throw readError(path, error);
  } finally {
    await handle.close();
  }
  return parseSecrets(path, text);
}

function parseSecrets(path: string, text: string): SecretsData {
  // An empty file (e.g. made with `touch` + `chmod 600` before the first `set`) is an empty store.
  if (text.trim() === '') return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // V8's message may quote the text around the error, i.e. a secret: keep only the position, and
    // do not attach the SyntaxError as `cause` either.
    throw new SecretsError(`${PREFIX} ${path} is not valid JSON${syntaxErrorLocation(text, error)}.`, {
      hint: RESET_HINT,
    });
  }

  const problems: string[] = [];
  const data: SecretsData = new Map();
  if (!isPlainObject(raw)) {
    problems.push(`the file must hold a JSON object (found ${typeOf(raw)})`);
  } else {
    for (const [namespace, nsValue] of Object.entries(raw)) {
      const nsPath = jsonPath([namespace]);
      if (!isPlainObject(nsValue)) {
        problems.push(`${nsPath}: must be an object (found ${typeOf(nsValue)})`);
        continue;
      }
      const entry: NamespaceSecrets = { shared: new Map(), users: new Map() };
      data.set(namespace, entry);
      for (const [name, value] of Object.entries(nsValue)) {
        if (name !== USERS_KEY) {
          if (typeof value === 'string') entry.shared.set(name, value);
          else problems.push(`${jsonPath([namespace, name])}: must be a string (found ${typeOf(value)})`);
          continue;
        }
        if (!isPlainObject(value)) {
          problems.push(`${jsonPath([namespace, USERS_KEY])}: must be an object of users (found ${typeOf(value)})`);
          continue;
        }
        for (const [userId, userValue] of Object.entries(value)) {
          if (!isPlainObject(userValue)) {
            problems.push(
              `${jsonPath([namespace, USERS_KEY, userId])}: must be an object (found ${typeOf(userValue)})`,
            );
            continue;
          }
          const user = new Map<string, string>();
          entry.users.set(userId, user);
          for (const [name, secret] of Object.entries(userValue)) {
            if (typeof secret === 'string') user.set(name, secret);
            else
              problems.push(
                `${jsonPath([namespace, USERS_KEY, userId, name])}: must be a string (found ${typeOf(secret)})`,
              );
          }
        }
      }
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) => `  - ${p}`);
    if (problems.length > MAX_PROBLEMS) shown.push(`  - … and ${problems.length - MAX_PROBLEMS} more`);
    throw new SecretsError(`${PREFIX} ${path} does not have the expected layout ${LAYOUT}:\n${shown.join('\n')}`, {
      hint: RESET_HINT,
    });
  }
  return data;
}

function serialize(data: SecretsData): string {
  // Object.fromEntries defines own properties, so a key such as `__proto__` survives as data.
  const root = Object.fromEntries(
    [...data].map(([namespace, entry]) => {
      const users = [...entry.users].map(([userId, secrets]) => [userId, Object.fromEntries(secrets)] as const);
      const fields: [string, unknown][] = [...entry.shared];
      if (users.length > 0) fields.push([USERS_KEY, Object.fromEntries(users)]);
      return [namespace, Object.fromEntries(fields)] as const;
    }),
  );
  return `${JSON.stringify(root, null, 2)}\n`;
}

/** Replace `path` with `text` so a reader sees either the old or the new file, never half of one. */
async function writeAtomically(path: string, text: string): Promise<void> {
  // Write through a symlink (e.g. into a dotfiles folder) instead of replacing the link itself.
  const target = await realpath(path).catch(() => path);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // Only folders created here get 0700; an existing folder (maybe the project itself) is left as is.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // `wx` + 0600: the secret is never readable by others, not even for the moment before a chmod.
    handle = await open(temp, 'wx', 0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new SecretsError(`${PREFIX} cannot write ${path} (${errorCode(error) ?? 'error'}).`, {
      hint: `Check that ${dir} exists or can be created, and is writable by the user running life-stats.`,
      cause: error,
    });
  }
  await syncFolder(dir);
}

/** Make the rename itself durable. Best effort: some platforms (Windows) cannot open a folder. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already written and renamed; a folder that cannot be synced is not an error.
  }
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

function tooOpenError(path: string, mode: number): SecretsError {
  const bits = (mode & 0o777).toString(8).padStart(4, '0');
  const access = (mode & 0o044) !== 0 ? 'readable' : 'accessible';
  return new SecretsError(
    `${PREFIX} refusing to read ${path}: it is ${access} by other users (mode ${bits}); run: chmod 600 ${shellQuote(path)}`,
  );
}

function readError(path: string, error: unknown): SecretsError {
  const code = errorCode(error);
  if (code === 'EACCES' || code === 'EPERM') {
    return new SecretsError(`${PREFIX} cannot read ${path}: permission denied.`, {
      hint: `Make the file owned by the user running life-stats, then run: chmod 600 ${shellQuote(path)}`,
      cause: error,
    });
  }
  if (code === 'EISDIR') {
    return new SecretsError(`${PREFIX} cannot read ${path}: it is a folder, not a file.`, {
      hint: 'Point `secrets.path` in the config at a JSON file.',
      cause: error,
    });
  }
  return new SecretsError(`${PREFIX} cannot read ${path} (${code ?? 'error'}).`, {
    hint: 'Check that the file exists and is readable by the user running life-stats.',
    cause: error,
  });
}

function checkKey(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new SecretsError(`${PREFIX} the ${what} must be a non-empty string (got ${JSON.stringify(value)}).`);
  }
}

/** ` at line 3, column 14` when the parser said where, else nothing. */
function syntaxErrorLocation(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match?.[1]) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}

/** `google-fit.users.me.token`, with brackets for keys that are not plain identifiers. */
function jsonPath(keys: readonly string[]): string {
  return keys
    .map((key, i) => (/^[A-Za-z_$][\w$-]*$/.test(key) ? `${i === 0 ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`))
    .join('');
}

function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
