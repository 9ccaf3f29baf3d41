/**
 * The steps of one (plugin entry, user) pair (DESIGN.md "Run semantics"): its secrets (or a skip),
 * its window, a fetch per chunk with retries, validation, the upserts, then the cursor — and, when
 * anything fails, the status and error recorded in its cursor row while the cursor stays.
 */
import { classifyAwsError } from '../aws/errors.js';
import type { LoadedConfig } from '../config/types.js';
import { DeadlineError, formatError, hasErrorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { completeReconnectError } from '../plugins/connect-command.js';
import type { DateWindow, PluginRateLimit, PluginSecrets } from '../plugins/types.js';
import { connectHint } from '../secrets/connect-hint.js';
import { loadPluginSecrets } from '../secrets/plugin-secrets.js';
import type { SecretStore } from '../secrets/types.js';
import type { CursorUpdate, Storage } from '../storage/types.js';
import { chunkWindow } from '../util/dates.js';
import { callWithRetry, type RetryOptions } from './call-plugin.js';
import { classifyError } from './classify-error.js';
import type { Pair } from './plan-pairs.js';
import type { RateBudget, RateBudgets, SpentQuota } from './rate-budget.js';
import type { PairResult, PairStatus, RunMode } from './types.js';
import { validateObservations } from './validate-output.js';
import { computeRunWindow } from './window.js';

/** What every pair of one run shares. */
export interface RunContext {
  config: LoadedConfig;
  storage: Storage;
  secrets: SecretStore;
  mode: RunMode;
  /** The window of a backfill. */
  window: DateWindow | undefined;
  logger: Logger;
  redactor: Redactor;
  /** When the run started: the cursor a successful scheduled pair writes. */
  startedAt: Date;
  now: () => Date;
  budgets: RateBudgets;
  /** Runs a fetch (with its retries) in one of the run's `concurrency` fetch slots. */
  fetchSlot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Is it too late to start a pair? */
  pastDeadline: () => boolean;
  /** Aborts every fetch in flight (shutdown, deadline). */
  signal: AbortSignal | undefined;
  fetchTimeoutMs: number | undefined;
  retry: RetryOptions | undefined;
}

/** How a pair ended, and whether running it again soon may succeed (a fan-out worker redelivers it then). */
export interface PairOutcome {
  result: PairResult;
  /**
   * Deferred by the deadline, or failed in a transient way: a provider's 429/5xx/network failure
   * after its retries, or a store that was throttled or could not be reached. A plugin error, a
   * reconnect, a skip, or a pair deferred by its request budget (the budget is spent for this
   * schedule; the next one collects it) is not: running it again soon gives the same answer.
   */
  retryable: boolean;
}

/** Run one pair. Never throws: every failure ends in its {@link PairResult}. */
export async function runPair(pair: Pair, run: RunContext): Promise<PairOutcome> {
  const { entry, user } = pair;
  const plugin = entry.loaded.plugin;
  const base = { user: user.id, metric: entry.metric, plugin: plugin.id };
  const log = run.logger.child({ plugin: plugin.id, user: user.id, metric: entry.metric });
  let window: DateWindow | undefined;
  let items = 0;
  // The rate budget takes a turn before each fetch attempt, or before each request of `ctx.oauth.fetch`.
  const { budget, perRequest } = pairBudget(pair, run);
  try {
    // The store could not even list this namespace's users: fail here, so the run row records it.
    if (pair.blocked !== undefined) throw pair.blocked;
    const secrets = await loadPluginSecrets({ store: run.secrets, plugin, userId: user.id, redactor: run.redactor });
    if (plugin.secrets.user.length > 0 && !plugin.secrets.user.some((n) => secrets.get(n) !== undefined)) {
      const hint = connectHint(plugin, user.id, run.secrets, run.config.connect !== undefined);
      log.info('skipped: no user secrets', { hint });
      await recordOutcome(run, { user_id: user.id, metric_type: entry.metric, last_status: 'skipped' }, log);
      return { result: { ...base, status: 'skipped', hint }, retryable: false };
    }
    const onWait = (ms: number, reason: string) =>
      log.info(`waiting ${Math.ceil(ms / 1000)} s for the request budget (${reason})`, { waitMs: Math.round(ms) });
    const take = budget ? (signal: AbortSignal) => budget.take(signal, onWait) : undefined;
    // `ctx.oauth` of an OAuth plugin: the access token, refreshed (and a rotated refresh token
    // stored) before the fetch goes on. The OAuth session's modules load only for such a plugin.
    const oauthFor = plugin.oauth
      ? (await import('../oauth/plugin-context.js')).pluginOAuthFor({
          plugin,
          config: entry.config,
          userId: user.id,
          secrets,
          store: run.secrets,
          log,
          redactor: run.redactor,
          ...(take && perRequest ? { beforeRequest: take } : {}),
        })
      : undefined;
    const beforeAttempt = perRequest ? undefined : take;
    window = pairWindow(pair, run);
    for (const [i, chunk] of chunkWindow(window, plugin.maxDaysPerFetch).entries()) {
      items += await fetchAndStore(pair, run, { chunk, secrets, log, first: i === 0, oauthFor, beforeAttempt, budget });
    }
    if (run.mode === 'scheduled') {
      // Only now, after every write succeeded, may the cursor move (and never backwards: storage enforces it).
      await run.storage.putCursor({
        user_id: user.id,
        metric_type: entry.metric,
        last_status: 'ok',
        last_run_time: run.startedAt.toISOString(),
      });
    }
    log.info(`ok: ${items} item${items === 1 ? '' : 's'} for ${window.start}..${window.end}`, { items });
    return { result: { ...base, status: 'ok', window, items }, retryable: false };
  } catch (error) {
    if (error instanceof DeadlineError && !error.started) {
      return { result: { ...base, status: 'deferred', error: error.message }, retryable: true };
    }
    const status = failureStatus(error);
    completeReconnectError(error, plugin, user.id, run.config.connect !== undefined);
    const message = run.redactor.redact(formatError(error));
    if (status === 'deferred') log.warn(`${status}: ${message}`, { status });
    else log.error(`${status}: ${message}`, { status });
    if (run.mode === 'scheduled') {
      await recordOutcome(
        run,
        { user_id: user.id, metric_type: entry.metric, last_status: status, last_error: message },
        log,
      );
    }
    return {
      result: { ...base, status, ...(window ? { window } : {}), items, error: message },
      retryable: isTransient(error),
    };
  }
}

/**
 * Worth delivering again soon: stopped by the deadline, a fetch failure that would be retried
 * (after its own retries ran out), or a store that was throttled or unreachable.
 */
function isTransient(error: unknown): boolean {
  if (hasErrorCode(error, 'E_DEADLINE')) return true;
  if (hasErrorCode(error, 'E_DEFERRED')) return false;
  if (classifyError(error) === 'retry') return true;
  if (!hasErrorCode(error, 'E_STORAGE') && !hasErrorCode(error, 'E_SECRETS')) return false;
  const kind = classifyAwsError((error as { cause?: unknown }).cause).kind;
  return kind === 'throttled' || kind === 'network';
}

/** A `DeferPairError` (from any copy of core) that says the budget's shared quota is spent. */
function sharedQuotaOf(error: unknown): SpentQuota | undefined {
  if (!hasErrorCode(error, 'E_DEFERRED')) return undefined;
  const { sharedQuota, resumeAt, message } = error as { sharedQuota?: unknown; resumeAt?: unknown; message: string };
  return sharedQuota === true && resumeAt instanceof Date ? { message, resumeAt } : undefined;
}

/** A backfill's explicit window, else the scheduled window from the pair's cursor. */
function pairWindow(pair: Pair, run: RunContext): DateWindow {
  if (run.mode === 'backfill') return run.window as DateWindow;
  return computeRunWindow({
    now: run.startedAt,
    timezone: pair.user.timezone,
    lastRunTime: pair.cursor?.last_run_time,
    backfillDays: run.config.backfillDays,
    settleDays: pair.entry.loaded.plugin.settleDays,
  });
}

interface ChunkStep {
  chunk: DateWindow;
  secrets: PluginSecrets;
  log: Logger;
  /** The pair's first fetch: past the deadline, the pair never started. */
  first: boolean;
  /** For an OAuth plugin: its `ctx.oauth` for one fetch's signal. */
  oauthFor: ReturnType<typeof import('../oauth/plugin-context.js').pluginOAuthFor>;
  /** The rate budget, when it counts fetch attempts. */
  beforeAttempt: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** The pair's rate budget, closed when the plugin says its shared quota is spent. */
  budget: RateBudget | undefined;
}

/**
 * The pair's rate budget: the plugin's `rateLimit` (its `requestsPerMinute` overridden by the
 * entry's), kept per entry or, with `sharedBy: 'namespace'`, per secrets namespace (one OAuth app).
 */
function pairBudget(pair: Pair, run: RunContext): { budget?: RateBudget; perRequest: boolean } {
  const plugin = pair.entry.loaded.plugin;
  if (!plugin.rateLimit && !pair.entry.rateLimit) return { perRequest: false };
  const limit: PluginRateLimit = { ...plugin.rateLimit, ...pair.entry.rateLimit };
  const key = limit.sharedBy === 'namespace' ? `namespace:${plugin.secrets.namespace}` : `entry:${pair.entry.index}`;
  return {
    budget: run.budgets.get(key, limit, `plugin:${plugin.id}`),
    perRequest: limit.counts === 'request' && plugin.oauth !== undefined,
  };
}

/** Fetch one chunk in a fetch slot (with retries), validate it whole, upsert it. Returns the rows written. */
async function fetchAndStore(pair: Pair, run: RunContext, step: ChunkStep): Promise<number> {
  const { entry, user } = pair;
  const plugin = entry.loaded.plugin;
  const { chunk, secrets, log, beforeAttempt } = step;
  const raw = await run.fetchSlot(async () => {
    // Waiting for a slot may have taken the run past its deadline: then this pair never started.
    if (step.first && run.pastDeadline()) throw new DeadlineError(false);
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
          ...(step.oauthFor ? { oauth: step.oauthFor(signal) } : {}),
        }),
      {
        ...run.retry,
        timeoutMs: run.fetchTimeoutMs,
        signal: run.signal,
        log,
        ...(beforeAttempt ? { beforeAttempt } : {}),
      },
    ).catch((error: unknown) => {
      // A per-app quota spent: close the budget before this slot goes to the next pair, so the
      // pairs that share it are deferred without asking the provider again.
      const quota = sharedQuotaOf(error);
      if (quota) step.budget?.closeUntil(quota);
      throw error;
    });
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
  return observations.length;
}

/**
 * Stopped by the deadline, or a plugin's (or a rate budget's) `DeferPairError`: `deferred`, like a
 * pair that never started; the cursor stays and the next run collects it.
 */
function failureStatus(error: unknown): Exclude<PairStatus, 'ok' | 'skipped'> {
  if (hasErrorCode(error, 'E_DEADLINE')) return 'deferred';
  const kind = classifyError(error);
  if (kind === 'defer') return 'deferred';
  return kind === 'reconnect' ? 'reconnect' : 'failed';
}

/** Record a pair's outcome in its cursor row; a failure to do so is logged, the pair's result stands. */
async function recordOutcome(run: RunContext, update: CursorUpdate, log: Logger): Promise<void> {
  try {
    await run.storage.putCursor(update);
  } catch (error) {
    log.error(`could not record the run status: ${formatError(error)}`);
  }
}
