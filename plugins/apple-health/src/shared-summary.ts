import { stat } from 'node:fs/promises';
import type { Logger } from '@life-stats/core/plugin';
import type { DailySummary } from './daily-aggregator.js';
import { AppleHealthExportError } from './errors.js';
import { type ParseReport, readExport } from './read-export.js';
import { readCachedSummary, type SummaryKey, writeCachedSummary } from './summary-cache.js';

/** Where a fetch's figures came from. */
export type SummaryOrigin = 'parsed' | 'joined' | 'cache' | 'memory';

interface SharedParse {
  key: SummaryKey;
  promise: Promise<{ summary: DailySummary; origin: 'parsed' | 'cache'; report?: ParseReport }>;
  controller: AbortController;
  waiters: number;
  settled: boolean;
  /** Whether a waiter has already been told how the figures were made (so the parse is logged once). */
  told: boolean;
}

/**
 * One parse per export, shared by every entry (and user with the same zone and sources) of the
 * process: keyed by absolute path, size, mtime, time zone and sources. Concurrent fetches await
 * the same promise; a later fetch of an unchanged file gets the figures from memory. A failed parse
 * is forgotten, so the next fetch tries again. What stays in memory is the summary — days × data
 * types — never samples.
 */
const shared = new Map<string, SharedParse>();

/** The export's identity now. */
export async function summaryKey(path: string, timeZone: string, sources: readonly string[]): Promise<SummaryKey> {
  try {
    const info = await stat(path);
    if (!info.isFile())
      throw new AppleHealthExportError(path, 'is not a file', {
        hint: 'Point `file` at the export.zip or export.xml itself.',
      });
    return { path, size: info.size, mtimeMs: info.mtimeMs, timeZone, sources };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new AppleHealthExportError(path, 'file not found', {
        hint: "Check `file` in the entry's config (a relative path starts at the config file's folder).",
        cause: error,
      });
    }
    throw error;
  }
}

function start(id: string, key: SummaryKey, log: Logger): SharedParse {
  // A newer export of the same path makes the old figures useless: let them go.
  for (const [other, entry] of shared) if (entry.key.path === key.path && other !== id) shared.delete(other);
  const controller = new AbortController();
  const entry: SharedParse = {
    key,
    controller,
    waiters: 0,
    settled: false,
    told: false,
    promise: (async () => {
      const cached = await readCachedSummary(key);
      if (cached) return { summary: cached, origin: 'cache' as const };
      const { summary, report } = await readExport(key.path, { ...key, signal: controller.signal });
      try {
        const file = await writeCachedSummary(key, summary);
        log.debug('wrote the daily figures beside the export, so an unchanged export is not parsed again', {
          cache: file,
        });
      } catch (error) {
        // Read-only folder (a Lambda package, a mounted share): every run parses, and that is all.
        log.debug('could not write the cache beside the export; later runs parse it again', {
          reason: (error as Error).message,
        });
      }
      return { summary, origin: 'parsed' as const, report };
    })(),
  };
  entry.promise.then(
    () => {
      entry.settled = true;
    },
    () => {
      entry.settled = true;
      if (shared.get(id) === entry) shared.delete(id);
    },
  );
  shared.set(id, entry);
  return entry;
}

/** Reject when `signal` aborts, without waiting for `promise`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The per-day figures of the export at `key`, parsing it only when neither memory nor the cache
 * file has them. `signal` aborts this caller's wait; the parse itself stops when its last waiter
 * left — except after a per-fetch timeout, when core's retry will come back for it.
 */
export async function sharedSummary(
  key: SummaryKey,
  options: { signal: AbortSignal; log: Logger },
): Promise<{ summary: DailySummary; origin: SummaryOrigin; report?: ParseReport }> {
  const id = JSON.stringify([key.path, key.size, key.mtimeMs, key.timeZone, key.sources]);
  const existing = shared.get(id);
  const entry = existing ?? start(id, key, options.log);
  const wasSettled = existing?.settled ?? false;
  entry.waiters++;
  try {
    const result = await untilAborted(entry.promise, options.signal);
    // The first waiter to get the figures reports the parse (or the cache read), even when the
    // fetch that started it has given up; the others say they shared it.
    if (!entry.told) {
      entry.told = true;
      return result;
    }
    return { summary: result.summary, origin: wasSettled ? 'memory' : 'joined' };
  } catch (error) {
    if (options.signal.aborted && entry.waiters === 1 && !entry.settled) {
      const reason = options.signal.reason as { code?: unknown } | undefined;
      if (reason?.code !== 'E_FETCH_TIMEOUT') {
        entry.controller.abort(options.signal.reason);
        if (shared.get(id) === entry) shared.delete(id);
      }
    }
    throw error;
  } finally {
    entry.waiters--;
  }
}

/** Forget every shared parse (tests: a fresh process). */
export function clearSharedSummaries(): void {
  for (const entry of shared.values()) if (!entry.settled) entry.controller.abort(new Error('cleared'));
  shared.clear();
}
