import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, afterEach } from 'vitest';
import type { MetricRow, Storage } from '../../../src/storage/types.js';

/** A metric row of `me`'s steps on 2026-11-24, with `fields` changed. */
export const row = (fields: Partial<MetricRow> = {}): MetricRow => ({
  user_id: 'me',
  metric_type: 'steps',
  date: '2026-11-24',
  value: 8042,
  timestamp: '2026-11-24T05:30:00.000Z',
  source: 'google-fit-steps',
  ...fields,
});

/**
 * The SQLite tests' rig: a temporary root removed after the file, fresh paths under it, and the
 * stores and raw handles a test opens, closed after each test.
 */
export interface SqliteRig {
  /** A path under the root, unique to this call: `unique('race')` → `<root>/race-7`. */
  unique(name: string): string;
  /** A path in a folder of its own that does not exist yet. */
  freshPath(): string;
  /** Closes `storage` after the test. */
  track(storage: Storage): Storage;
  /** Raw better-sqlite3 handles, closed after the test. */
  handles: Database.Database[];
}

export function useSqliteRig(): SqliteRig {
  const root = mkdtempSync(join(tmpdir(), 'life-stats-sqlite-'));
  let counter = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const stores: Storage[] = [];
  const handles: Database.Database[] = [];
  afterEach(async () => {
    for (const handle of handles.splice(0)) handle.close();
    for (const storage of stores.splice(0)) await storage.close();
  });

  return {
    unique: (name: string): string => join(root, `${name}-${++counter}`),
    freshPath: (): string => join(root, `db-${++counter}`, 'life-stats.db'),
    track: (storage: Storage): Storage => {
      stores.push(storage);
      return storage;
    },
    handles,
  };
}
