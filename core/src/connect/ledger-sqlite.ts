import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors.js';
import { toStorageError } from '../storage/sqlite-errors.js';
import { SOURCE } from '../storage/sqlite-schema.js';
import type { ConnectLedger } from './ledger.js';

/** Options of {@link createSqliteLedger}. */
export interface SqliteLedgerOptions {
  /** The SQLite file of the store (`':memory:'` for tests). */
  path: string;
}

const BUSY_TIMEOUT_MS = 5000;

// A table of its own: the `runs` table keeps the seed's columns, and nothing that lists cursors
// sees a claim.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS connect_claims (
  claim      TEXT NOT NULL PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * The {@link ConnectLedger} in the SQLite file of the store: a claim is an `INSERT` that replaces
 * only an expired row, in one statement, so two processes racing get one `true`.
 */
export function createSqliteLedger(options: SqliteLedgerOptions): ConnectLedger {
  const file = options.path === ':memory:' ? ':memory:' : resolve(options.path);
  let opening: Promise<BetterSqlite3.Database> | undefined;
  const fail = (action: string, error: unknown) => toStorageError(action, file, BUSY_TIMEOUT_MS, error);

  const db = (): Promise<BetterSqlite3.Database> => {
    opening ??= (async () => {
      if (file !== ':memory:') await mkdir(dirname(file), { recursive: true });
      let Driver: typeof BetterSqlite3;
      try {
        Driver = (await import('better-sqlite3')).default;
      } catch (error) {
        throw new StorageError(`${SOURCE} cannot load better-sqlite3 for the connect claims`, {
          hint: `Run \`npm rebuild better-sqlite3\` so its native module matches Node ${process.versions.node}.`,
          cause: error,
        });
      }
      try {
        const opened = new Driver(file, { timeout: BUSY_TIMEOUT_MS });
        opened.pragma('journal_mode = WAL');
        opened.exec(SCHEMA);
        return opened;
      } catch (error) {
        throw fail('open the connect claims', error);
      }
    })().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };

  return {
    async isClaimed(claim, now) {
      const conn = await db();
      try {
        const row = conn.prepare('SELECT expires_at FROM connect_claims WHERE claim = ?').get(claim) as
          | { expires_at: number }
          | undefined;
        return row !== undefined && row.expires_at > now;
      } catch (error) {
        throw fail('read a connect claim', error);
      }
    },

    async claim(claim, expiresAt, now) {
      const conn = await db();
      try {
        const result = conn
          .prepare(
            `INSERT INTO connect_claims (claim, expires_at) VALUES (?, ?)
             ON CONFLICT (claim) DO UPDATE SET expires_at = excluded.expires_at WHERE connect_claims.expires_at <= ?`,
          )
          .run(claim, expiresAt, now);
        return result.changes === 1;
      } catch (error) {
        throw fail('write a connect claim', error);
      }
    },

    async release(claim) {
      const conn = await db();
      try {
        conn.prepare('DELETE FROM connect_claims WHERE claim = ?').run(claim);
      } catch (error) {
        throw fail('delete a connect claim', error);
      }
    },

    async close() {
      const pending = opening;
      opening = undefined;
      (await pending?.catch(() => undefined))?.close();
    },
  };
}
