import type { DateWindow } from '../plugins/types.js';

/**
 * What a run does: `scheduled` computes each pair's window from its cursor and moves the cursor;
 * `backfill` fetches an explicit window and never moves it.
 */
export type RunMode = 'scheduled' | 'backfill';

/** How one (plugin entry, user) pair ended. */
export type PairStatus = 'ok' | 'failed' | 'skipped' | 'reconnect' | 'deferred';

/** One pair in the run summary (DESIGN.md "Run semantics"). */
export interface PairResult {
  user: string;
  metric: string;
  plugin: string;
  status: PairStatus;
  window?: DateWindow;
  /** Observations written. */
  items?: number;
  /** Why a pair is not ok (no secret in it). */
  error?: string;
  /** A next step, for `skipped` pairs. */
  hint?: string;
}

/** What `life-stats run --json` prints and the Lambda returns. */
export interface RunSummary {
  runs: PairResult[];
}

/** Did any pair fail or need reconnecting? (CLI exit status 1.) */
export function summaryNeedsAttention(summary: RunSummary): boolean {
  return summary.runs.some((r) => r.status === 'failed' || r.status === 'reconnect');
}
