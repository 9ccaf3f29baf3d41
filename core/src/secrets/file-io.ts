import { constants, type Stats } from 'node:fs';
import { mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isLifeStatsError, SecretsError } from '../errors.js';
import { nodeCrypto } from '../util/node-crypto.js';
import { FILE_PREFIX, parseSecrets, type SecretsData } from './file-layout.js';

/**
 * The secrets file on disk: read (refusing a file others can read), replace atomically, and the
 * cross-process lock every read-modify-write holds.
 *
 * The lock is `proper-lockfile`'s: a `<file>.lock` folder made with `mkdir` (atomic on every local
 * and network file system), its mtime refreshed while held, and taken over once it is older than
 * `stale` — so a process killed while holding it blocks others for seconds, not forever.
 */

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting for another process's lock after this long. @default 20000 */
  waitMs?: number;
  /** A lock not refreshed for this long belongs to a dead process and is taken over. @default 10000 */
  staleMs?: number;
}

/** Read and parse the file; a missing file is an empty store. */
export async function readSecretsFile(path: string): Promise<SecretsData> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer, forever.
    handle = await open(path, constants.O_RDONLY | (process.platform === 'win32' ? 0 : constants.O_NONBLOCK));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return new Map();
    throw readError(path, error);
  }
  let text: string;
  try {
    // Check the open handle, not the path, so what is checked is what is read.
    const stats = await handle.stat();
    if (stats.isDirectory()) throw readError(path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    if (!stats.isFile()) throw notAFileError(path, stats);
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) throw tooOpenError(path, stats.mode);
    text = await handle.readFile('utf8');
  } catch (error) {
    if (isLifeStatsError(error)) throw error;
    throw readError(path, error);
  } finally {
    await handle.close();
  }
  return parseSecrets(path, text);
}

/** The file a write lands in: the target of a symlink (e.g. into a dotfiles folder), else `path`. */
async function writeTarget(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/**
 * Run `task` holding the cross-process lock of `path` (its real target, so two paths to one file
 * share a lock). The folder is created first (mode 0700) since the lock lives beside the file.
 *
 * @throws {SecretsError} when another process holds the lock for longer than `waitMs`, or the lock
 *   cannot be taken (a read-only folder), or it was lost while held (nothing was written then).
 */
export async function withFileLock<T>(
  path: string,
  task: (target: string) => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const target = await writeTarget(path);
  const dir = dirname(target);
  const lockPath = `${target}.lock`;
  try {
    // Only folders created here get 0700; an existing folder (maybe the project itself) is left as is.
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw writeError(path, dir, error);
  }
  const { lock } = (await import('proper-lockfile')).default;
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  let lost: Error | undefined;
  let release: () => Promise<void>;
  for (let attempt = 0; ; attempt++) {
    try {
      release = await lock(target, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 4)),
        // Without a handler proper-lockfile throws from a timer, which would crash the process.
        onCompromised: (error) => {
          lost = error;
        },
      });
      break;
    } catch (error) {
      if (errorCode(error) !== 'ELOCKED') throw writeError(path, dir, error);
      if (Date.now() >= deadline) {
        throw new SecretsError(
          `${FILE_PREFIX} cannot write ${path}: another process has held its lock ${lockPath} for too long.`,
          {
            hint: `If no life-stats command is running, remove the folder ${lockPath} and try again.`,
            cause: error,
          },
        );
      }
      // Jittered backoff: a lock is held for milliseconds, so start short.
      const wait = Math.min(250, 5 * 1.5 ** Math.min(attempt, 12)) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  try {
    const result = await task(target);
    if (lost) throw lostLockError(path, lockPath, lost);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}

function lostLockError(path: string, lockPath: string, cause: Error): SecretsError {
  return new SecretsError(
    `${FILE_PREFIX} lost the lock ${lockPath} of ${path} while writing (${errorCode(cause) ?? cause.message}); another process may have written meanwhile.`,
    {
      hint: 'Run the command again. If it keeps happening, the folder is on a file system that does not keep folder mtimes.',
      cause,
    },
  );
}

/**
 * Replace `path` (already resolved by {@link writeTarget}) with `text` so a reader sees either the
 * old or the new file, never half of one: temp file in the same folder (`wx`, mode 0600), fsync,
 * rename, fsync of the folder.
 */
export async function writeAtomically(target: string, text: string, shownPath = target): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
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
    throw writeError(shownPath, dir, error);
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

function writeError(path: string, dir: string, error: unknown): SecretsError {
  return new SecretsError(`${FILE_PREFIX} cannot write ${path} (${errorCode(error) ?? 'error'}).`, {
    hint: `Check that ${dir} exists or can be created, and is writable by the user running life-stats.`,
    cause: error,
  });
}

/** A FIFO, socket or device where the secrets file should be: reading it could hang or never end. */
function notAFileError(path: string, stats: Stats): SecretsError {
  const kind = stats.isFIFO()
    ? 'a FIFO (named pipe)'
    : stats.isSocket()
      ? 'a socket'
      : stats.isCharacterDevice() || stats.isBlockDevice()
        ? 'a device'
        : 'not a regular file';
  return new SecretsError(`${FILE_PREFIX} refusing to read ${path}: it is ${kind}, not a regular file.`, {
    hint: 'Point `secrets.path` in the config at a JSON file (life-stats secrets set creates it).',
  });
}

function tooOpenError(path: string, mode: number): SecretsError {
  const bits = (mode & 0o777).toString(8).padStart(4, '0');
  const access = (mode & 0o044) !== 0 ? 'readable' : 'accessible';
  return new SecretsError(
    `${FILE_PREFIX} refusing to read ${path}: it is ${access} by other users (mode ${bits}); run: chmod 600 ${shellQuote(path)}`,
  );
}

function readError(path: string, error: unknown): SecretsError {
  const code = errorCode(error);
  if (code === 'EACCES' || code === 'EPERM') {
    return new SecretsError(`${FILE_PREFIX} cannot read ${path}: permission denied.`, {
      hint: `Make the file owned by the user running life-stats, then run: chmod 600 ${shellQuote(path)}`,
      cause: error,
    });
  }
  if (code === 'EISDIR') {
    return new SecretsError(`${FILE_PREFIX} cannot read ${path}: it is a folder, not a file.`, {
      hint: 'Point `secrets.path` in the config at a JSON file.',
      cause: error,
    });
  }
  return new SecretsError(`${FILE_PREFIX} cannot read ${path} (${code ?? 'error'}).`, {
    hint: 'Check that the file exists and is readable by the user running life-stats.',
    cause: error,
  });
}

function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
