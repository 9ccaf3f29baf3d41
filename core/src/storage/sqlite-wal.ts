import { isBusyError } from './sqlite-errors.js';
import type { Database } from './sqlite-schema.js';

/** The busy timeout of one try at switching a new database to WAL mode. */
const SWITCH_WAIT_MS = 50;

/**
 * A connection whose database is in WAL mode, opened by `connect`.
 *
 * Two processes that open a new (empty) database file at once can both find it in rollback mode.
 * The first converts it, and from then on holds a shared lock on the file, as every WAL
 * connection does for as long as it is open. So the second's conversion can never get the
 * exclusive lock it asks for: it would wait out its busy timeout and fail, although the database
 * is in WAL mode by then (seen with two `life-stats run`s on a new store). The second connection
 * is the stale one: a new connection reads the header, finds WAL mode and converts nothing. So
 * the switch is tried with a short busy timeout and, when that is spent, again on a new
 * connection, until `busyTimeoutMs` has passed; then the last error is thrown.
 *
 * A database already in WAL mode (every open but the first) is only read. `:memory:` stays in
 * its own mode.
 */
export async function openInWalMode(connect: () => Database, busyTimeoutMs: number): Promise<Database> {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    const db = connect();
    try {
      // The first statement reads the header: a file that is not a database fails here, before
      // anything could write to it.
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') {
        db.pragma(`busy_timeout = ${Math.min(SWITCH_WAIT_MS, busyTimeoutMs)}`);
        db.pragma('journal_mode = WAL');
        db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
      return db;
    } catch (error) {
      try {
        db.close();
      } catch {
        // The open error is the one worth reporting.
      }
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, SWITCH_WAIT_MS));
    }
  }
}
