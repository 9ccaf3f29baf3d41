/**
 * The SQLite store's schema and statements: the same tables, columns and keys as the DynamoDB ones
 * (DESIGN.md "Storage"), the migration that creates them, and the SQL of every read and write.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors.js';
import type { CursorRow, MetricQuery, MetricRow } from './types.js';

export type Database = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement<unknown[]>;

export const SOURCE = '[life-stats] [storage:sqlite]';

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
const PUT_CURSOR = `
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

const CURSOR_COLUMNS = 'user_id, metric_type, last_run_time, last_status, last_error';

/** The prepared statements of one connection. */
export interface Statements {
  upsertMetric: Statement;
  putCursor: Statement;
  getCursor: Statement;
  listCursors: Statement;
  listCursorsOfMetric: Statement;
  /** Up to `limit` keys after (`user_id`, `metric_type`), in key order (keyset paging). */
  pageCursorKeys: Statement;
}

/** A row of `runs` as SQLite returns it. */
export interface StoredCursor {
  user_id: string;
  metric_type: string;
  last_run_time: string | null;
  last_status: string;
  last_error: string | null;
}

/** Create or check the schema, then prepare the statements every call uses. */
export function prepareSchema(db: Database, label: string): Statements {
  migrate(db, label);
  return {
    upsertMetric: db.prepare(UPSERT_METRIC),
    putCursor: db.prepare(PUT_CURSOR),
    getCursor: db.prepare(`SELECT ${CURSOR_COLUMNS} FROM runs WHERE user_id = ? AND metric_type = ?`),
    listCursors: db.prepare(`SELECT ${CURSOR_COLUMNS} FROM runs ORDER BY user_id, metric_type`),
    listCursorsOfMetric: db.prepare(`SELECT ${CURSOR_COLUMNS} FROM runs WHERE metric_type = ? ORDER BY user_id`),
    pageCursorKeys: db.prepare(
      'SELECT user_id, metric_type FROM runs WHERE (user_id, metric_type) > (?, ?) ORDER BY user_id, metric_type LIMIT ?',
    ),
  };
}

/** Upsert one metric row with the prepared `upsertMetric`. */
export function upsertMetric(statement: Statement, row: MetricRow): void {
  statement.run(
    row.user_id,
    `${row.date}#${row.metric_type}`,
    row.metric_type,
    row.date,
    row.value,
    row.timestamp,
    row.source,
  );
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

/** The SQL of a metrics query: one statement per combination of filters, cached by its text. */
export function buildQuery(query: MetricQuery): { sql: string; params: string[] } {
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

/** A stored cursor row without its SQL `NULL`s. */
export function toCursorRow(row: StoredCursor): CursorRow {
  const cursor: CursorRow = { user_id: row.user_id, metric_type: row.metric_type, last_status: row.last_status };
  if (row.last_run_time !== null) cursor.last_run_time = row.last_run_time;
  if (row.last_error !== null) cursor.last_error = row.last_error;
  return cursor;
}
