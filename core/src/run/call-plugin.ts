import pRetry, { AbortError } from 'p-retry';
import { FetchTimeoutError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { renderValue } from '../util/render-value.js';
import { sleep } from '../util/sleep.js';
import { classifyError, retryAfterOf } from './classify-error.js';

export interface RetryOptions {
  /** Attempts after the first. @default 4 */
  retries?: number;
  /** First backoff. @default 1000 */
  minTimeoutMs?: number;
  /** Longest backoff. @default 30000 */
  maxTimeoutMs?: number;
}

export interface CallOptions extends RetryOptions {
  /** Each attempt is aborted after this long. @default 120000 */
  timeoutMs?: number;
  /** The run's own signal (shutdown, deadline). */
  signal?: AbortSignal;
  log: Logger;
  /** Runs before every attempt (e.g. a shared rate budget). */
  beforeAttempt?: (signal: AbortSignal) => Promise<void>;
}

/**
 * One attempt with its own deadline. The plugin gets a signal that aborts at the timeout; a plugin that
 * ignores it still loses the race, so a hung fetch can never hold a run.
 */
async function attempt<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const timeout = new FetchTimeoutError(timeoutMs);
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  try {
    return await new Promise<T>((resolve, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      Promise.resolve()
        .then(() => fn(controller.signal))
        .then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}

/** What a plugin threw, as an `Error`: a string as its message, anything else (a bigint, a circular object) rendered safely. */
function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `non-error thrown: ${renderValue(value)}`);
}

/**
 * Call a plugin function with a per-attempt timeout and retries: exponential backoff with jitter,
 * waiting at least the error's `retryAfterMs` / `Retry-After`. Non-transient errors fail at once.
 */
export async function callWithRetry<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return pRetry(
    async () => {
      if (options.beforeAttempt) await options.beforeAttempt(options.signal ?? new AbortController().signal);
      try {
        return await attempt(fn, timeoutMs, options.signal);
      } catch (raw) {
        const error = asError(raw);
        if (options.signal?.aborted) throw new AbortError(error);
        if (classifyError(error) !== 'retry') throw new AbortError(error);
        throw error;
      }
    },
    {
      retries: options.retries ?? 4,
      minTimeout: options.minTimeoutMs ?? 1000,
      maxTimeout: options.maxTimeoutMs ?? 30_000,
      factor: 2,
      randomize: true,
      signal: options.signal,
      shouldRetry: ({ error }) => classifyError(error) === 'retry',
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0 || classifyError(error) !== 'retry') return;
        const waitMs = retryAfterOf(error);
        options.log.warn(`attempt ${attemptNumber} failed, retrying: ${error.message}`, {
          attempt: attemptNumber,
          retriesLeft,
          ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
        });
        if (waitMs) await sleep(waitMs, options.signal);
      },
    },
  ).catch((error: unknown) => {
    // p-retry rethrows AbortError's original error; keep ours as thrown.
    throw error instanceof AbortError ? error.originalError : error;
  });
}
