import { mkdir, open as openFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isLifeStatsError, StorageError } from '../errors.js';
import { loadSqliteDriver, type SqliteDriver } from './sqlite-driver.js';
import { closedError, describe, toStorageError } from './sqlite-errors.js';
import {
  buildQuery,
  type Database,
  prepareSchema,
  SOURCE,
  type Statement,
  type Statements,
  type StoredCursor,
  toCursorRow,
  upsertMetric,
} from './sqlite-schema.js';
import { openInWalMode } from './sqlite-wal.js';
import type { CursorKey, CursorUpdate, MetricQuery, MetricRow, Storage } from './types.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** Keys per page of {@link Storage.pageCursorKeys}. */
const CURSOR_PAGE = 1000;

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * The database file. Missing parent folders are created on first use; `':memory:'` keeps
   * everything in memory (tests).
   */
  path: string;
  /**
   * How long a write waits for another process holding the database before it fails.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

interface Connection {
  db: Database;
  statements: Statements;
  /** Upserts a batch inside one write transaction: all rows or none. */
  putBatch: (rows: readonly MetricRow[]) => void;
  /** Query statements, one per combination of filters, prepared on first use. */
  queries: Map<string, Statement>;
}

/**
 * The embedded default store: one SQLite file (better-sqlite3) with the tables `metrics` and `runs`.
 *
 * Creating the store is cheap and touches nothing; the driver is imported and the file opened
 * (WAL mode, `synchronous=NORMAL`) on the first call. A file that is not a SQLite database is
 * reported and never overwritten.
 *
 * @example
 * const storage = createSqliteStorage({ path: '.life-stats/life-stats.db' });
 * await storage.putMetrics([{ user_id: 'me', metric_type: 'steps', date: '2026-11-24', value: 8042,
 *   timestamp: new Date().toISOString(), source: 'google-fit-steps' }]);
 * await storage.close();
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new StorageError(`${SOURCE} no database path given`, {
      hint: 'Set `storage.path` in the config, e.g. ".life-stats/life-stats.db".',
    });
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new StorageError(`${SOURCE} busyTimeoutMs must be a whole number of milliseconds ≥ 0, got ${busyTimeoutMs}`);
  }
  const inMemory = options.path === ':memory:';
  const file = inMemory ? ':memory:' : resolve(options.path);
  const label = inMemory ? 'the in-memory database' : file;

  let opening: Promise<Connection> | undefined;
  let closed = false;

  const fail = (action: string, error: unknown): StorageError => toStorageError(action, label, busyTimeoutMs, error);

  async function connection(action: string): Promise<Connection> {
    if (closed) throw closedError(action, label);
    opening ??= open(file, inMemory, busyTimeoutMs, label).catch((error: unknown) => {
      // Forget the failed attempt so a later call can try again (e.g. once a lock is released).
      opening = undefined;
      throw error;
    });
    const conn = await opening;
    if (closed) throw closedError(action, label);
    return conn;
  }

  return {
    name: 'sqlite',

    async putMetrics(rows) {
      if (closed) throw closedError('write metrics', label);
      if (rows.length === 0) return;
      const conn = await connection('write metrics');
      try {
        conn.putBatch(rows);
      } catch (error) {
        throw fail('write metrics', error);
      }
    },

    async queryMetrics(query: MetricQuery = {}) {
      const conn = await connection('query metrics');
      try {
        const { sql, params } = buildQuery(query);
        let statement = conn.queries.get(sql);
        if (!statement) {
          statement = conn.db.prepare(sql);
          conn.queries.set(sql, statement);
        }
        return statement.all(...params) as MetricRow[];
      } catch (error) {
        throw fail('query metrics', error);
      }
    },

    async getCursor(userId, metricType) {
      const conn = await connection('read a run');
      try {
        const row = conn.statements.getCursor.get(userId, metricType) as StoredCursor | undefined;
        return row && toCursorRow(row);
      } catch (error) {
        throw fail('read a run', error);
      }
    },

    async *pageCursorKeys() {
      // Keyset pages: each read is a short statement, so the connection is never held between
      // pages (a write of another caller may come in between; a key it adds may be missed or seen,
      // as with any listing taken while runs go on).
      let after = { user_id: '', metric_type: '' };
      for (;;) {
        const conn = await connection('list runs');
        let keys: CursorKey[];
        try {
          keys = conn.statements.pageCursorKeys.all(after.user_id, after.metric_type, CURSOR_PAGE) as CursorKey[];
        } catch (error) {
          throw fail('list runs', error);
        }
        if (keys.length > 0) yield keys;
        const last = keys.at(-1);
        if (!last || keys.length < CURSOR_PAGE) return;
        after = last;
      }
    },

    async listCursors(query = {}) {
      const conn = await connection('list runs');
      try {
        const rows = (
          query.metricType === undefined
            ? conn.statements.listCursors.all()
            : conn.statements.listCursorsOfMetric.all(query.metricType)
        ) as StoredCursor[];
        return rows.map(toCursorRow);
      } catch (error) {
        throw fail('list runs', error);
      }
    },

    async putCursor(update: CursorUpdate) {
      const conn = await connection('write a run');
      try {
        conn.statements.putCursor.run(
          update.user_id,
          update.metric_type,
          update.last_run_time ?? null,
          update.last_status,
          update.last_error ?? null,
        );
      } catch (error) {
        throw fail('write a run', error);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      const pending = opening;
      opening = undefined;
      if (!pending) return;
      // An open that failed has nothing to close; its error already reached its caller.
      const conn = await pending.catch(() => undefined);
      try {
        conn?.db.close();
      } catch (error) {
        throw fail('close', error);
      }
    },
  };
}

/**
 * Create `file` empty with mode 0600 unless it exists (SQLite takes an empty file as a new
 * database). Exclusive, so a file another process creates meanwhile is left alone.
 */
async function createPrivateFile(file: string): Promise<void> {
  try {
    const handle = await openFile(file, 'wx', 0o600);
    await handle.close();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  }
}

async function open(file: string, inMemory: boolean, busyTimeoutMs: number, label: string): Promise<Connection> {
  if (!inMemory) {
    const folder = dirname(file);
    try {
      // Health data: only the owner may list the folder (0700) and read the file (0600). Only what
      // is created here gets these modes; an existing folder or file is left as its owner set it.
      // SQLite gives its -wal and -shm files the database file's mode.
      await mkdir(folder, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StorageError(`${SOURCE} cannot create the folder ${folder} for ${file}: ${describe(error)}`, {
        hint: 'Create the folder yourself, or point `storage.path` at a writable place.',
        cause: error,
      });
    }
    try {
      await createPrivateFile(file);
    } catch (error) {
      throw new StorageError(`${SOURCE} cannot create ${file}: ${describe(error)}`, {
        hint: `Check that ${folder} is writable by the user running life-stats, or point \`storage.path\` elsewhere.`,
        cause: error,
      });
    }
  }

  let driver: SqliteDriver;
  try {
    driver = loadSqliteDriver();
  } catch (error) {
    throw new StorageError(`${SOURCE} cannot load better-sqlite3: ${describe(error)}`, {
      hint: `Run \`npm rebuild better-sqlite3\` so its native module matches Node ${process.versions.node}.`,
      cause: error,
    });
  }

  let db: Database | undefined;
  try {
    db = await openInWalMode(
      () => new driver.Driver(file, { timeout: busyTimeoutMs, ...driver.binding }),
      busyTimeoutMs,
    );
    db.pragma('synchronous = NORMAL');
    const statements = prepareSchema(db, label);
    const upsert = statements.upsertMetric;
    // IMMEDIATE takes the write lock up front (waiting up to the busy timeout) rather than failing
    // halfway through a batch when another process writes.
    const putBatch = db.transaction((rows: readonly MetricRow[]) => {
      for (const row of rows) upsertMetric(upsert, row);
    }).immediate;
    return { db, statements, putBatch, queries: new Map() };
  } catch (error) {
    try {
      db?.close();
    } catch {
      // The open error is the one worth reporting.
    }
    if (isLifeStatsError(error)) throw error;
    throw toStorageError('open', label, busyTimeoutMs, error);
  }
}
