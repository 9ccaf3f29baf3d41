import pLimit from 'p-limit';
import type { LoadedConfig } from '../config/types.js';
import { formatError, hasErrorCode, LifeStatsError } from '../errors.js';
import { createSilentLogger, type Logger } from '../log/logger.js';
import { createRedactingLogger, createRedactor, type Redactor } from '../log/redact.js';
import { pluginOAuthFor } from '../oauth/plugin-context.js';
import type { DateWindow } from '../plugins/types.js';
import { connectHint } from '../secrets/connect-hint.js';
import { loadPluginSecrets } from '../secrets/plugin-secrets.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import { chunkWindow } from '../util/dates.js';
import { callWithRetry, type RetryOptions } from './call-plugin.js';
import { classifyError } from './classify-error.js';
import { type Pair, planPairs } from './plan-pairs.js';
import { createRateBudgets } from './rate-budget.js';
import type { PairResult, RunSummary } from './types.js';
import { validateObservations } from './validate-output.js';
import { computeRunWindow } from './window.js';

/** Options of {@link runPairs}. */
export interface RunOptions {
  config: LoadedConfig;
  storage: Storage;
  secrets: SecretStore;
  logger?: Logger;
  /** Masks every secret read during the run in logs, errors and the summary. */
  redactor?: Redactor;
  /** `run` (scheduled, moves the cursor) or `backfill` (an explicit window, never moves it). @default 'run' */
  mode?: 'run' | 'backfill';
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
  const now = options.now ?? (() => new Date());
  const mode = options.mode ?? 'run';
  if (mode === 'backfill' && !options.window) throw new TypeError('runPairs: a backfill needs a window');
  const startedAt = now();
  const pairs = await planPairs(
    options.config,
    { storage: options.storage, secrets: options.secrets },
    { metric: options.metric, user: options.user },
  );
  options.onPlanned?.(pairs.length);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  // `concurrency` bounds the fetches in flight: what a provider sees, and what the run's wall time
  // is made of. A pair writing its results has given its fetch slot back, so storage round trips
  // (and a store's wait to fill a shared batch) overlap other pairs' fetches instead of adding to
  // them; at most four times as many pairs are in flight in all, which bounds memory and the load
  // on the store.
  const pairLimit = pLimit(concurrency * 4);
  const fetchLimit = pLimit(concurrency);
  const budgets = createRateBudgets();
  const margin = options.deadlineMarginMs ?? 30_000;
  const deadline = deadlineSignal(options.remainingTimeMs, margin, options.signal);
  const signal = deadline?.signal ?? options.signal;
  const pastDeadline = () =>
    Boolean(signal?.aborted || (options.remainingTimeMs && options.remainingTimeMs() < margin));
  let done = 0;

  const results = await Promise.all(
    pairs.map((pair) =>
      pairLimit(async (): Promise<PairResult> => {
        const base = { user: pair.user.id, metric: pair.entry.metric, plugin: pair.entry.loaded.plugin.id };
        let result: PairResult;
        if (pastDeadline()) {
          result = { ...base, status: 'deferred', error: NOT_STARTED };
        } else {
          result = await runPair(pair, {
            ...options,
            signal,
            mode,
            logger,
            redactor,
            startedAt,
            now,
            budgets,
            fetchSlot: fetchLimit,
            pastDeadline,
          });
        }
        result = redactor.redactValue(result);
        done++;
        options.onPairDone?.(result, done, pairs.length);
        return result;
      }),
    ),
  );
  deadline?.dispose();
  return { runs: results };
}

const NOT_STARTED = 'the run reached its deadline before this pair started';

/** A pair whose first fetch would start past the deadline: reported like one that never started. */
class NotStartedError extends LifeStatsError {
  constructor() {
    super('E_DEADLINE', NOT_STARTED);
    this.name = 'NotStartedError';
  }
}

/** Why fetches still running near the end of the run's time were stopped. */
class DeadlineError extends LifeStatsError {
  constructor() {
    super(
      'E_DEADLINE',
      'the run reached its deadline while this pair was running; what its unfinished fetch returned was not stored and its cursor did not move',
      { hint: 'The next run collects it. If this keeps happening, raise the function timeout or lower `concurrency`.' },
    );
    this.name = 'DeadlineError';
  }
}

/**
 * With a deadline (Lambda), pairs already running must stop in time too: a fetch may take up to the
 * fetch timeout and its retries, longer than the time left. A third of the margin before the end,
 * every fetch and backoff still in flight is aborted, leaving time to record the pairs and return
 * the summary before the runtime kills the invocation.
 */
function deadlineSignal(
  remainingTimeMs: (() => number) | undefined,
  marginMs: number,
  parent: AbortSignal | undefined,
): { signal: AbortSignal; dispose(): void } | undefined {
  if (!remainingTimeMs) return undefined;
  const controller = new AbortController();
  const stopInMs = Math.max(0, remainingTimeMs() - Math.floor(marginMs / 3));
  const timer = setTimeout(() => controller.abort(new DeadlineError()), stopInMs);
  timer.unref?.();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

interface PairContext extends RunOptions {
  mode: 'run' | 'backfill';
  logger: Logger;
  redactor: Redactor;
  startedAt: Date;
  now: () => Date;
  budgets: ReturnType<typeof createRateBudgets>;
  /** Runs a fetch (with its retries) in one of the run's `concurrency` fetch slots. */
  fetchSlot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Is it too late to start a pair? */
  pastDeadline: () => boolean;
}

async function runPair(pair: Pair, run: PairContext): Promise<PairResult> {
  const { entry, user } = pair;
  const plugin = entry.loaded.plugin;
  const base = { user: user.id, metric: entry.metric, plugin: plugin.id };
  const log = run.logger.child({ plugin: plugin.id, user: user.id, metric: entry.metric });
  let window: DateWindow | undefined;
  let items = 0;
  try {
    const secrets = await loadPluginSecrets({
      store: run.secrets,
      plugin,
      userId: user.id,
      redactor: run.redactor,
    });
    if (plugin.secrets.user.length > 0 && !plugin.secrets.user.some((n) => secrets.get(n) !== undefined)) {
      const hint = connectHint(plugin, user.id, run.secrets);
      log.info('skipped: no user secrets', { hint });
      await recordRun(run, { user_id: user.id, metric_type: entry.metric, last_status: 'skipped' }, log);
      return { ...base, status: 'skipped', hint };
    }
    const oauthFor = pluginOAuthFor({
      plugin,
      config: entry.config,
      userId: user.id,
      secrets,
      store: run.secrets,
      log,
      redactor: run.redactor,
    });
    if (run.mode === 'backfill') {
      window = run.window as DateWindow;
    } else {
      window = computeRunWindow({
        now: run.startedAt,
        timezone: user.timezone,
        lastRunTime: pair.run?.last_run_time,
        backfillDays: run.config.backfillDays,
        settleDays: plugin.settleDays,
      });
    }
    const rate = entry.rateLimit ?? plugin.rateLimit;
    const budget = rate ? run.budgets.get(`${entry.index}`, rate.requestsPerMinute) : undefined;
    let fetched = false;
    for (const chunk of chunkWindow(window, plugin.maxDaysPerFetch)) {
      const raw = await run.fetchSlot(async () => {
        // Waiting for a slot may have taken the run past its deadline: then this pair never started.
        if (!fetched && run.pastDeadline()) throw new NotStartedError();
        fetched = true;
        log.debug(`fetching ${chunk.start}..${chunk.end}`);
        return callWithRetry(
          (signal) =>
            plugin.fetch({
              user: { ...user },
              window: { ...chunk },
              config: structuredClone(entry.config),
              secrets,
              log,
              signal,
              metric: entry.metric,
              ...(oauthFor ? { oauth: oauthFor(signal) } : {}),
            }),
          {
            ...run.retry,
            timeoutMs: run.fetchTimeoutMs,
            signal: run.signal,
            log,
            ...(budget ? { beforeAttempt: (signal: AbortSignal) => budget.take(signal) } : {}),
          },
        );
      });
      const observations = validateObservations(plugin.id, raw, chunk, run.redactor.redact);
      const timestamp = run.now().toISOString();
      await run.storage.putMetrics(
        observations.map((o) => ({
          user_id: user.id,
          metric_type: entry.metric,
          date: o.date,
          value: o.value,
          timestamp,
          source: plugin.id,
        })),
      );
      items += observations.length;
    }
    if (run.mode === 'run') {
      // Only now, after every write succeeded, may the cursor move (and never backwards: storage enforces it).
      await run.storage.putRun({
        user_id: user.id,
        metric_type: entry.metric,
        last_status: 'ok',
        last_run_time: run.startedAt.toISOString(),
      });
    }
    log.info(`ok: ${items} item${items === 1 ? '' : 's'} for ${window.start}..${window.end}`, { items });
    return { ...base, status: 'ok', window, items };
  } catch (error) {
    if (error instanceof NotStartedError) return { ...base, status: 'deferred', error: NOT_STARTED };
    // Stopped by the deadline: like a pair that never started, the next run collects it.
    const status = hasErrorCode(error, 'E_DEADLINE')
      ? 'deferred'
      : classifyError(error) === 'reconnect'
        ? 'reconnect'
        : 'failed';
    const message = run.redactor.redact(describeFailure(error, plugin.id, user.id));
    if (status === 'deferred') log.warn(`${status}: ${message}`, { status });
    else log.error(`${status}: ${message}`, { status });
    if (run.mode === 'run') {
      await recordRun(
        run,
        { user_id: user.id, metric_type: entry.metric, last_status: status, last_error: message },
        log,
      );
    }
    return { ...base, status, ...(window ? { window } : {}), items, error: message };
  }
}

function describeFailure(error: unknown, pluginId: string, userId: string): string {
  const text = formatError(error);
  const command = `life-stats auth ${pluginId} --user ${userId}`;
  // Plugins that already name the command (the Google ones, in the message and the hint) need no third copy.
  if (hasErrorCode(error, 'E_RECONNECT_REQUIRED') && !text.includes(command)) {
    return `${text} — run \`${command}\` to reconnect`;
  }
  return text;
}

async function recordRun(run: PairContext, update: Parameters<Storage['putRun']>[0], log: Logger): Promise<void> {
  try {
    await run.storage.putRun(update);
  } catch (error) {
    log.error(`could not record the run status: ${formatError(error)}`);
  }
}
