import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DailySummary } from './daily-aggregator.js';
import { DATA_TYPE_NAMES } from './data-types.js';

/**
 * `node:crypto` when a summary is looked up or written, not with the plugin: `validate` and a
 * run's planning import the plugin too (docs/performance.md).
 */
const nodeCrypto = () => process.getBuiltinModule('node:crypto');

/**
 * Bumped whenever parsing or the daily rules change, so a cache written by an older plugin is
 * never believed.
 */
const RULES_VERSION = 1;

/** What a summary was computed from. */
export interface SummaryKey {
  /** Absolute path of the export. */
  path: string;
  size: number;
  mtimeMs: number;
  timeZone: string;
  sources: readonly string[];
}

interface CacheFile {
  format: 'life-stats/apple-health-days';
  rulesVersion: number;
  size: number;
  mtimeMs: number;
  timeZone: string;
  sources: readonly string[];
  summary: DailySummary;
  writtenAt: string;
}

/**
 * The cache file beside the export: hidden, one per time zone and source list (their hash in the
 * name), e.g. `.export.zip.life-stats-3f9a1c07b2d4.json`.
 */
export function cachePath(key: SummaryKey): string {
  const hash = nodeCrypto()
    .createHash('sha256')
    .update(JSON.stringify([RULES_VERSION, key.timeZone, key.sources]))
    .digest('hex')
    .slice(0, 12);
  return join(dirname(key.path), `.${basename(key.path)}.life-stats-${hash}.json`);
}

function isSummary(value: unknown): value is DailySummary {
  const s = value as DailySummary | undefined;
  if (!s || typeof s !== 'object' || typeof s.days !== 'object' || !Array.isArray(s.sources)) return false;
  return DATA_TYPE_NAMES.every((name) => {
    const days = s.days[name];
    return (
      days && typeof days === 'object' && Object.values(days).every((v) => typeof v === 'number' && Number.isFinite(v))
    );
  });
}

/** The cached summary of an unchanged export, or undefined (no cache, another export, another plugin version, unreadable). */
export async function readCachedSummary(key: SummaryKey): Promise<DailySummary | undefined> {
  let parsed: CacheFile;
  try {
    parsed = JSON.parse(await readFile(cachePath(key), 'utf8')) as CacheFile;
  } catch {
    return undefined;
  }
  const same =
    parsed?.format === 'life-stats/apple-health-days' &&
    parsed.rulesVersion === RULES_VERSION &&
    parsed.size === key.size &&
    parsed.mtimeMs === key.mtimeMs &&
    parsed.timeZone === key.timeZone &&
    JSON.stringify(parsed.sources) === JSON.stringify(key.sources);
  return same && isSummary(parsed.summary) ? parsed.summary : undefined;
}

/**
 * Write the cache atomically (a temp file renamed over it, so a reader never sees half a file).
 * Throws when the folder is not writable; the caller carries on without a cache.
 */
export async function writeCachedSummary(key: SummaryKey, summary: DailySummary): Promise<string> {
  const file = cachePath(key);
  const content: CacheFile = {
    format: 'life-stats/apple-health-days',
    rulesVersion: RULES_VERSION,
    size: key.size,
    mtimeMs: key.mtimeMs,
    timeZone: key.timeZone,
    sources: key.sources,
    summary,
    writtenAt: new Date().toISOString(),
  };
  const temp = `${file}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(content)}\n`, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  return file;
}
