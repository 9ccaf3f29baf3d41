/**
 * The run engine's test bench: configs built around inline plugins, real stores in a temp folder, a
 * logger that keeps every line, a fixed clock and fast retries.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSinkLogger, type LoadedConfig, type LogRecord, type UserConfig } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { createTestConfig, type TestEntry } from '@life-stats/core/testing';

/** A fresh temp folder for one test. */
export function tempDir(prefix = 'life-stats-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** One inline plugin entry of {@link makeConfig}. */
export type EntrySpec = TestEntry;

/** A LoadedConfig built in memory around inline plugins, as the loader would produce it. */
export function makeConfig(
  dir: string,
  entries: EntrySpec[],
  options: { users?: UserConfig[]; timezone?: string; backfillDays?: number } = {},
): LoadedConfig {
  return createTestConfig(dir, entries, options);
}

/** Real stores in a temp folder. */
export function makeStores(dir: string) {
  return {
    storage: createSqliteStorage({ path: path.join(dir, 'db.sqlite') }),
    secrets: createFileSecrets({ path: path.join(dir, 'secrets.json') }),
  };
}

/** A logger that keeps every line (for "no secret anywhere" assertions). */
export function captureLogger() {
  const records: LogRecord[] = [];
  const logger = createSinkLogger((r) => records.push(r), { level: 'debug' });
  return { logger, records, text: () => records.map((r) => `${r.message} ${JSON.stringify(r.fields)}`).join('\n') };
}

/** A fixed clock. */
export const at = (iso: string) => () => new Date(iso);

/** Fast retries for tests. */
export const FAST_RETRY = { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20 };
