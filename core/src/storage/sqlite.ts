import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { isLifeStatsError, StorageError } from '../errors.js';
import type { MetricQuery, MetricRow, RunRow, RunUpdate, Storage } from './types.js';

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

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[]>;

interface Statements {
  upsertMetric: Statement;
  putRun: Statement;
  getRun: Statement;
  listRuns: Statement;
  listRunsOfMetric: Statement;
}

interface Connection {
  db: Database;
  statements: Statements;
  /** Upserts a batch inside one write transaction: all rows or none. */
  putBatch: (rows: readonly MetricRow[]) => void;
  /** Query statements, one per combination of filters, prepared on first use. */
  queries: Map<string, Statement>;
}

interface StoredRun {
  user_id: string;
  metric_type: string;
  last_run_time: string | null;
  last_status: string;
  last_error: string | null;
}

const SOURCE = '[life-stats] [storage:sqlite]';
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** `PRAGMA user_version` of the schema below; bump it with a migration when the schema changes. */
const SCHEMA_VERSION = 1;

// Same tables, columns and keys as the DynamoDB ones (DESIGN.md "Storage"). WITHOUT ROWID keeps
// each table a single b-tree keyed like DynamoDB's partition + sort key. The index serves a range
// query for one metric (with or without a user) in the order queryMetrics returns.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS metrics (
  user_id     TEXT NOT NULL,
  metric_date TEXT NOT NULL,
  metric_type TEXT NOT NULL,
  date        TEXT NOT NULL,
  value       REAL NOT NULL,
  timestamp   TEXT NOT NULL,
  source      TEXT NOT NULL,
  PRIMARY KEY (user_id, metric_date)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metrics_by_type ON metrics (metric_type, user_id, date);
CREATE TABLE IF NOT EXISTS runs (
  user_id       TEXT NOT NULL,
  metric_type   TEXT NOT NULL,
  last_run_time TEXT,
  last_status   TEXT NOT NULL,
  last_error    TEXT,
  PRIMARY KEY (user_id, metric_type)
) WITHOUT ROWID;
`;

// metric_type and date are spelled out in metric_date, so a conflicting row already has them;
// leaving them out of the SET keeps SQLite from rewriting the index entry on every re-upsert.
const UPSERT_METRIC = `
INSERT INTO metrics (user_id, metric_date, metric_type, date, value, timestamp, source)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (user_id, metric_date) DO UPDATE SET
  value = excluded.value,
  timestamp = excluded.timestamp,
  source = excluded.source`;

// The never-backwards rule lives in SQL so two processes writing the same row cannot undo each
// other: whichever commits last, the later time wins. ISO 8601 strings from toISOString() have a
// fixed width, so comparing them as text compares the instants.
const PUT_RUN = `
INSERT INTO runs (user_id, metric_type, last_run_time, last_status, last_error)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_id, metric_type) DO UPDATE SET
  last_run_time = CASE
    WHEN excluded.last_run_time IS NULL THEN runs.last_run_time
    WHEN runs.last_run_time IS NULL OR excluded.last_run_time > runs.last_run_time THEN excluded.last_run_time
    ELSE runs.last_run_time
  END,
  last_status = excluded.last_status,
  last_error = excluded.last_error`;

const RUN_COLUMNS = 'user_id, metric_type, last_run_time, last_status, last_error';

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

    async getRun(userId, metricType) {
      const conn = await connection('read a run');
      try {
        const row = conn.statements.getRun.get(userId, metricType) as StoredRun | undefined;
        return row && toRunRow(row);
      } catch (error) {
        throw fail('read a run', error);
      }
    },

    async listRuns(query = {}) {
      const conn = await connection('list runs');
      try {
        const rows = (
          query.metricType === undefined
            ? conn.statements.listRuns.all()
            : conn.statements.listRunsOfMetric.all(query.metricType)
        ) as StoredRun[];
        return rows.map(toRunRow);
      } catch (error) {
        throw fail('list runs', error);
      }
    },

    async putRun(update: RunUpdate) {
      const conn = await connection('write a run');
      try {
        conn.statements.putRun.run(
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

async function open(file: string, inMemory: boolean, busyTimeoutMs: number, label: string): Promise<Connection> {
  if (!inMemory) {
    const folder = dirname(file);
    try {
      await mkdir(folder, { recursive: true });
    } catch (error) {
      throw new StorageError(`${SOURCE} cannot create the folder ${folder} for ${file}: ${describe(error)}`, {
        hint: 'Create the folder yourself, or point `storage.path` at a writable place.',
        cause: error,
      });
    }
  }

  let Driver: typeof BetterSqlite3;
  try {
    Driver = (await import('better-sqlite3')).default;
  } catch (error) {
    throw new StorageError(`${SOURCE} cannot load better-sqlite3: ${describe(error)}`, {
      hint: `Run \`npm rebuild better-sqlite3\` so its native module matches Node ${process.versions.node}.`,
      cause: error,
    });
  }

  let db: Database | undefined;
  try {
    db = new Driver(file, { timeout: busyTimeoutMs });
    // The first statement reads the header: a file that is not a database fails here, before
    // anything could write to it.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, label);
    const statements: Statements = {
      upsertMetric: db.prepare(UPSERT_METRIC),
      putRun: db.prepare(PUT_RUN),
      getRun: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE user_id = ? AND metric_type = ?`),
      listRuns: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY user_id, metric_type`),
      listRunsOfMetric: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE metric_type = ? ORDER BY user_id`),
    };
    const upsert = statements.upsertMetric;
    // IMMEDIATE takes the write lock up front (waiting up to the busy timeout) rather than failing
    // halfway through a batch when another process writes.
    const putBatch = db.transaction((rows: readonly MetricRow[]) => {
      for (const row of rows) {
        upsert.run(
          row.user_id,
          `${row.date}#${row.metric_type}`,
          row.metric_type,
          row.date,
          row.value,
          row.timestamp,
          row.source,
        );
      }
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

function migrate(db: Database, label: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new StorageError(
      `${SOURCE} ${label} was written by a newer life-stats (schema version ${version}, this one knows ${SCHEMA_VERSION})`,
      { hint: 'Upgrade @life-stats/core to the version that wrote it.' },
    );
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function buildQuery(query: MetricQuery): { sql: string; params: string[] } {
  const where: string[] = [];
  const params: string[] = [];
  if (query.userId !== undefined) {
    where.push('user_id = ?');
    params.push(query.userId);
  }
  if (query.metricType !== undefined) {
    where.push('metric_type = ?');
    params.push(query.metricType);
  }
  if (query.from !== undefined) {
    where.push('date >= ?');
    params.push(query.from);
  }
  if (query.to !== undefined) {
    where.push('date <= ?');
    params.push(query.to);
  }
  const sql =
    'SELECT user_id, metric_type, date, value, timestamp, source FROM metrics' +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY user_id, metric_type, date';
  return { sql, params };
}

function toRunRow(row: StoredRun): RunRow {
  const run: RunRow = { user_id: row.user_id, metric_type: row.metric_type, last_status: row.last_status };
  if (row.last_run_time !== null) run.last_run_time = row.last_run_time;
  if (row.last_error !== null) run.last_error = row.last_error;
  return run;
}

function closedError(action: string, label: string): StorageError {
  return new StorageError(`${SOURCE} cannot ${action}: the store for ${label} is closed`, {
    hint: 'This is a bug in the caller: the storage was used after close().',
  });
}

/** Turns a driver error into a StorageError that names the file and a next step. */
function toStorageError(action: string, label: string, busyTimeoutMs: number, error: unknown): StorageError {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
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
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
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

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} [${code}]` : error.message;
  }
  return String(error);
}
