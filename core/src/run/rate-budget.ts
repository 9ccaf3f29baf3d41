/**
 * Shared request budgets: one per plugin entry (or per secrets namespace, for a provider whose
 * quota belongs to the OAuth application), shared by every user of a run, so a provider's per-app
 * quota holds with hundreds of users. `requestsPerMinute` spaces requests evenly at `60 000 / rpm`
 * ms; each of `windows` allows at most `requests` starts in any `perMs`. A window that would make a
 * request wait longer than {@link MAX_WINDOW_WAIT_MS} defers the pair instead of holding the run.
 */
import { DeferPairError } from '../errors.js';
import type { PluginRateLimit, RateWindow } from '../plugins/types.js';
import { sleep } from '../util/sleep.js';

/** The longest a window may hold a request; past it the pair is deferred (`DeferPairError`). */
export const MAX_WINDOW_WAIT_MS = 15 * 60_000;
/** A wait this long is worth a log line (a run that seems to hang is waiting for its budget). */
const NOTICE_WAIT_MS = 5000;

export interface RateBudget {
  /**
   * Resolves when the next request may start.
   * @throws {DeferPairError} when a window is spent for longer than {@link MAX_WINDOW_WAIT_MS}.
   */
  take(signal?: AbortSignal, onWait?: (waitMs: number, reason: string) => void): Promise<void>;
  /**
   * The provider said the budget's shared quota is spent until `error.resumeAt`: until then every
   * `take` rejects with a `DeferPairError` of the same message, so no pair spends a refused request.
   */
  closeUntil(quota: SpentQuota): void;
}

/** A shared quota the provider reported spent: what to tell the pairs, and until when. */
export interface SpentQuota {
  message: string;
  resumeAt: Date;
}

/** Clocks of a budget: `monotonic` for waits, `wall` for the time a deferred pair may resume. */
export interface RateClocks {
  /** @default performance.now */
  monotonic?: () => number;
  /** @default Date.now */
  wall?: () => number;
}

function describeWindow(window: RateWindow): string {
  const minutes = window.perMs / 60_000;
  const per =
    minutes >= 1440 && minutes % 1440 === 0
      ? `${minutes / 1440 === 1 ? '' : `${minutes / 1440} `}day${minutes / 1440 === 1 ? '' : 's'}`
      : minutes >= 1 && Number.isInteger(minutes)
        ? `${minutes} min`
        : `${window.perMs} ms`;
  return `${window.requests} requests per ${per}`;
}

function createRateBudget(limit: PluginRateLimit, label: string, clocks: RateClocks): RateBudget {
  const monotonic = clocks.monotonic ?? (() => performance.now());
  const wall = clocks.wall ?? (() => Date.now());
  const interval = limit.requestsPerMinute ? 60_000 / limit.requestsPerMinute : 0;
  const windows = (limit.windows ?? []).map((w) => ({ ...w, starts: [] as number[] }));
  let next = Number.NEGATIVE_INFINITY;
  let closed: SpentQuota | undefined;
  return {
    closeUntil(quota) {
      if (!closed || quota.resumeAt > closed.resumeAt) closed = { message: quota.message, resumeAt: quota.resumeAt };
    },
    take(signal, onWait) {
      if (closed && wall() < closed.resumeAt.getTime()) {
        return Promise.reject(new DeferPairError(closed.message, { resumeAt: closed.resumeAt, sharedQuota: true }));
      }
      const now = monotonic();
      let at = Math.max(now, next);
      // Each window only adds a lower bound (its oldest counted start + perMs), so the latest wins.
      let binding: RateWindow | undefined;
      for (const w of windows) {
        const oldest = w.starts.length >= w.requests ? w.starts[w.starts.length - w.requests] : undefined;
        if (oldest !== undefined && oldest + w.perMs > at) {
          at = oldest + w.perMs;
          binding = w;
        }
      }
      if (binding && at - now > MAX_WINDOW_WAIT_MS) {
        const resumeAt = new Date(wall() + (at - now));
        return Promise.reject(
          new DeferPairError(
            `[life-stats] [${label}] the request budget of ${describeWindow(binding)} is spent for this run until ${resumeAt.toISOString()}`,
            { resumeAt },
          ),
        );
      }
      for (const w of windows) {
        w.starts.push(at);
        if (w.starts.length > w.requests) w.starts.splice(0, w.starts.length - w.requests);
      }
      next = at + interval;
      if (at - now >= NOTICE_WAIT_MS) {
        onWait?.(at - now, binding ? describeWindow(binding) : `${limit.requestsPerMinute} requests per minute`);
      }
      return sleep(at - now, signal);
    },
  };
}

/** `1 / share` of a limit. */
function shareOf(limit: PluginRateLimit, share: number): PluginRateLimit {
  if (share <= 1) return limit;
  return {
    ...limit,
    ...(limit.requestsPerMinute ? { requestsPerMinute: limit.requestsPerMinute / share } : {}),
    ...(limit.windows
      ? { windows: limit.windows.map((w) => ({ ...w, requests: Math.max(1, Math.floor(w.requests / share)) })) }
      : {}),
  };
}

/** The request budgets of one run, one per key (a plugin entry or a namespace), shared by its pairs. */
export interface RateBudgets {
  /** The budget of `key`, created with `limit` on first use; `label` names it in messages (`plugin:strava`). */
  get(key: string, limit: PluginRateLimit, label?: string): RateBudget;
}

/**
 * @param share Each budget holds `1 / share` of its limit: a fan-out worker is one of at most
 * `share` invocations running at once (the event source's maximum concurrency), so together they
 * stay within it. A window's `requests` share is rounded down, but never below one request.
 * @default 1
 */
export function createRateBudgets(clocks: RateClocks = {}, share = 1): RateBudgets {
  const budgets = new Map<string, RateBudget>();
  return {
    get(key, limit, label = key) {
      let b = budgets.get(key);
      if (!b) {
        b = createRateBudget(shareOf(limit, share), label, clocks);
        budgets.set(key, b);
      }
      return b;
    },
  };
}
