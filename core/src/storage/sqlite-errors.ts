/** The SQLite store's errors: a driver error turned into a {@link StorageError} that names the file. */
import { StorageError } from '../errors.js';
import { SOURCE } from './sqlite-schema.js';

export function closedError(action: string, label: string): StorageError {
  return new StorageError(`${SOURCE} cannot ${action}: the store for ${label} is closed`, {
    hint: 'This is a bug in the caller: the storage was used after close().',
  });
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

/** Did the driver give up waiting for another connection's lock (its busy timeout spent)? */
export function isBusyError(error: unknown): boolean {
  const code = codeOf(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Turns a driver error into a StorageError that names the file and a next step. */
export function toStorageError(action: string, label: string, busyTimeoutMs: number, error: unknown): StorageError {
  const code = codeOf(error);
  const prefix = `${SOURCE} cannot ${action}:`;
  const reason = describe(error);
  if (code.startsWith('SQLITE_NOTADB')) {
    return new StorageError(`${prefix} ${label} is not a SQLite database (${reason}); it was left untouched`, {
      hint: 'Point `storage.path` at another file, or move this one away to start a new database.',
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new StorageError(`${prefix} ${label} is corrupt (${reason}); it was left untouched`, {
      hint: `Restore it from a backup or salvage it with \`sqlite3 "${label}" .recover\`, or move it away to start a new database.`,
      cause: error,
    });
  }
  if (isBusyError(error)) {
    return new StorageError(
      `${prefix} ${label} is locked by another life-stats process (gave up after ${busyTimeoutMs} ms)`,
      { hint: 'Wait for the other run to finish, then try again.', cause: error },
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StorageError(`${prefix} cannot open ${label} (${reason})`, {
      hint: 'Check that the path is a file (not a folder) and that its folder is readable and writable.',
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new StorageError(`${prefix} ${label} is read-only (${reason})`, {
      hint: 'Make the file and its folder writable for this user.',
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new StorageError(`${prefix} the disk holding ${label} is full`, {
      hint: 'Free some space, then run again; nothing of this write was stored.',
      cause: error,
    });
  }
  return new StorageError(`${prefix} ${label}: ${reason}`, {
    hint: code.startsWith('SQLITE_IOERR')
      ? 'Check the disk and the file system the database lives on.'
      : 'If this persists, report it with the message above.',
    cause: error,
  });
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} [${code}]` : error.message;
  }
  return String(error);
}
