/**
 * Shared request budgets: one per plugin entry, shared by every user of a run, so a provider's
 * per-app quota holds with hundreds of users. Attempts are spaced evenly at `60 000 / rpm` ms.
 */
interface RateBudget {
  /** Resolves when the next request may start. */
  take(signal?: AbortSignal): Promise<void>;
}

function createRateBudget(requestsPerMinute: number, clock: () => number = () => performance.now()): RateBudget {
  const interval = 60_000 / requestsPerMinute;
  let next = Number.NEGATIVE_INFINITY;
  return {
    take(signal) {
      const now = clock();
      const at = Math.max(now, next);
      next = at + interval;
      const wait = at - now;
      if (wait <= 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        // One run signal is shared by every pair: remove the listener once the wait is over.
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** The request budgets of one run, one per key (a plugin entry), shared by its pairs. */
export interface RateBudgets {
  get(key: string, requestsPerMinute: number): RateBudget;
}

/**
 * @param share Each budget holds `requestsPerMinute / share`: a fan-out worker is one of at most
 * `share` invocations running at once (the event source's maximum concurrency), so together they
 * stay within the limit. @default 1
 */
export function createRateBudgets(share = 1): RateBudgets {
  const budgets = new Map<string, RateBudget>();
  return {
    get(key: string, requestsPerMinute: number): RateBudget {
      let b = budgets.get(key);
      if (!b) {
        b = createRateBudget(requestsPerMinute / Math.max(1, share));
        budgets.set(key, b);
      }
      return b;
    },
  };
}
