import pLimit from 'p-limit';
import type { LoadedConfig } from '../config/types.js';
import { DeadlineError } from '../errors.js';
import { createSilentLogger, type Logger } from '../log/logger.js';
import { createRedactingLogger, createRedactor, type Redactor } from '../log/redact.js';
import type { DateWindow } from '../plugins/types.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import type { RetryOptions } from './call-plugin.js';
import { createRunDeadline } from './deadline.js';
import { type Pair, planPairs } from './plan-pairs.js';
import { createRateBudgets, type RateBudgets } from './rate-budget.js';
import { type PairOutcome, type RunContext, runPair } from './run-pair.js';
import type { PairResult, RunMode, RunSummary } from './types.js';

/** Options of {@link runPairs}. */
export interface RunOptions {
  config: LoadedConfig;
  storage: Storage;
  secrets: SecretStore;
  logger?: Logger;
  /** Masks every secret read during the run in logs, errors and the summary. */
  redactor?: Redactor;
  /** `scheduled` (windows from the cursors, moves them) or `backfill` (an explicit window, never moves them). @default 'scheduled' */
  mode?: RunMode;
  /** The window of a backfill. */
  window?: DateWindow;
  metric?: string | undefined;
  user?: string | undefined;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /**
   * Fetches in flight at once (with their retries). A pair writing its results has given its slot to
   * the next fetch; at most four times this many pairs are in flight in all. @default 8
   */
  concurrency?: number;
  /** Per-fetch timeout. @default 120000 */
  fetchTimeoutMs?: number;
  retry?: RetryOptions;
  /** Milliseconds left before the run must end (Lambda: `context.getRemainingTimeInMillis`). */
  remainingTimeMs?: () => number;
  /** No pair starts with less than this left. @default 30000 */
  deadlineMarginMs?: number;
  /** Aborts every fetch in flight (SIGINT). */
  signal?: AbortSignal;
  /** Called as each pair ends. */
  onPairDone?: (result: PairResult, done: number, total: number) => void;
  /** Called once the pairs are planned. */
  onPlanned?: (total: number) => void;
}

/**
 * Run every selected (plugin entry, user) pair (DESIGN.md "Run semantics"): compute the window in the
 * user's calendar, fetch in chunks with retries, validate, upsert, then move the cursor. Pairs run
 * concurrently and fail alone. Never throws for a pair's failure; throws `UsageError` for a selection
 * that matches nothing.
 */
export async function runPairs(options: RunOptions): Promise<RunSummary> {
  const redactor = options.redactor ?? createRedactor();
  const logger = createRedactingLogger(options.logger ?? createSilentLogger(), redactor);
  const pairs = await planPairs(
    options.config,
    { storage: options.storage, secrets: options.secrets, logger },
    { metric: options.metric, user: options.user },
  );
  options.onPlanned?.(pairs.length);
  const outcomes = await runPlannedPairs(pairs, { ...options, redactor, logger });
  return { runs: outcomes.map((o) => o.result) };
}

/** Options of {@link runPlannedPairs}: a run's, without the selection (the pairs are given). */
export interface PlannedRunOptions extends Omit<RunOptions, 'metric' | 'user' | 'onPlanned'> {
  /**
   * The rate budgets to draw from. @default one per run, each entry's `rateLimit` whole. A fan-out
   * worker passes its container's, holding its share of each limit.
   */
  budgets?: RateBudgets;
}

/**
 * Run pairs already planned (a run's, or the records of a fan-out worker's batch): the engine of
 * {@link runPairs} after planning. Never throws for a pair's failure.
 */
export async function runPlannedPairs(pairs: readonly Pair[], options: PlannedRunOptions): Promise<PairOutcome[]> {
  const redactor = options.redactor ?? createRedactor();
  const logger = createRedactingLogger(options.logger ?? createSilentLogger(), redactor);
  const now = options.now ?? (() => new Date());
  const mode = options.mode ?? 'scheduled';
  if (mode === 'backfill' && !options.window) throw new TypeError('runPairs: a backfill needs a window');
  const startedAt = now();
  const concurrency = Math.max(1, options.concurrency ?? 8);
  // `concurrency` bounds the fetches in flight: what a provider sees, and what the run's wall time
  // is made of. A pair writing its results has given its fetch slot back, so storage round trips
  // (and a store's wait to fill a shared batch) overlap other pairs' fetches instead of adding to
  // them; at most four times as many pairs are in flight in all, which bounds memory and the load
  // on the store.
  const pairLimit = pLimit(concurrency * 4);
  const deadline = createRunDeadline(options.remainingTimeMs, options.deadlineMarginMs ?? 30_000, options.signal);
  const run: RunContext = {
    config: options.config,
    storage: options.storage,
    secrets: options.secrets,
    mode,
    window: options.window,
    logger,
    redactor,
    startedAt,
    now,
    budgets: options.budgets ?? createRateBudgets(),
    fetchSlot: pLimit(concurrency),
    pastDeadline: deadline.passed,
    signal: deadline.signal,
    fetchTimeoutMs: options.fetchTimeoutMs,
    retry: options.retry,
  };
  let done = 0;

  const outcomes = await Promise.all(
    pairs.map((pair) =>
      pairLimit(async (): Promise<PairOutcome> => {
        const base = { user: pair.user.id, metric: pair.entry.metric, plugin: pair.entry.loaded.plugin.id };
        const outcome: PairOutcome = run.pastDeadline()
          ? { result: { ...base, status: 'deferred', error: new DeadlineError(false).message }, retryable: true }
          : await runPair(pair, run);
        const result = redactor.redactValue(outcome.result);
        done++;
        options.onPairDone?.(result, done, pairs.length);
        return { result, retryable: outcome.retryable };
      }),
    ),
  );
  deadline.dispose();
  return outcomes;
}
