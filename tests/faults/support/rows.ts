import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LocalDynamoDb } from '@life-stats/testing/dynalite';
import type { StoredRow } from './case.js';

const require = createRequire(import.meta.url);

/**
 * Every row of the `metrics` table of a SQLite file, read with a separate read-only connection
 * (past the adapter, so a duplicate or a stray row would show). No file: no rows.
 */
export function sqliteRows(file: string): StoredRow[] {
  if (!existsSync(file)) return [];
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metrics'").get();
    if (!hasTable) return [];
    return db
      .prepare('SELECT user_id, metric_type, date, value FROM metrics ORDER BY user_id, metric_type, date')
      .all() as StoredRow[];
  } finally {
    db.close();
  }
}

/** The cursor (`last_run_time`, `last_status`) of one pair in a SQLite file, read past the adapter. */
export function sqliteRun(
  file: string,
  userId: string,
  metricType: string,
): { last_run_time: string | null; last_status: string; last_error: string | null } | undefined {
  if (!existsSync(file)) return undefined;
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT last_run_time, last_status, last_error FROM runs WHERE user_id = ? AND metric_type = ?')
      .get(userId, metricType) as never;
  } finally {
    db.close();
  }
}

/** Every item of a DynamoDB metrics table, scanned past the adapter and the proxy. */
export async function dynamoRows(local: LocalDynamoDb, table: string): Promise<StoredRow[]> {
  const items = await local.scan(table);
  return items.map((item) => ({
    user_id: item.user_id?.S ?? '',
    metric_type: item.metric_type?.S ?? '',
    date: item.date?.S ?? '',
    value: Number(item.value?.N),
  }));
}
