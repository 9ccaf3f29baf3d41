import { hasErrorCode, isLifeStatsError } from '../errors.js';
import { causeChain as causes, networkErrorCode } from '../util/network-errors.js';

/** How the engine treats a failed fetch. */
export type ErrorKind = 'retry' | 'reconnect' | 'defer' | 'fatal';

/** An HTTP status carried by common client errors (gaxios `status`/`response.status`, `statusCode`). */
function httpStatusOf(error: unknown): number | undefined {
  for (const e of causes(error)) {
    for (const v of [e.status, e.statusCode, (e.response as Record<string, unknown> | undefined)?.status]) {
      if (typeof v === 'number' && v >= 100 && v < 600) return v;
    }
  }
  return undefined;
}

/** Milliseconds to wait before the next attempt: `retryAfterMs`, or a `Retry-After` header. */
export function retryAfterOf(error: unknown): number | undefined {
  for (const e of causes(error)) {
    if (typeof e.retryAfterMs === 'number' && e.retryAfterMs >= 0) return e.retryAfterMs;
    const headers = (e.response as { headers?: unknown } | undefined)?.headers;
    let value: unknown;
    if (headers && typeof (headers as Headers).get === 'function') value = (headers as Headers).get('retry-after');
    else if (headers && typeof headers === 'object') value = (headers as Record<string, unknown>)['retry-after'];
    const parsed = parseRetryAfter(typeof value === 'string' ? value : undefined);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Retry what is transient by nature: `RetryableError`, network failures (by their code, also when
 * wrapped, as `fetch` wraps them in a `TypeError`), the per-fetch timeout, HTTP 429 and 5xx.
 * `ReconnectRequiredError` is never retried, nor is `DeferPairError` (the pair is deferred).
 * Anything else fails the pair at once.
 */
export function classifyError(error: unknown): ErrorKind {
  if (hasErrorCode(error, 'E_RECONNECT_REQUIRED')) return 'reconnect';
  if (hasErrorCode(error, 'E_DEFERRED')) return 'defer';
  if (hasErrorCode(error, 'E_RETRYABLE')) return 'retry';
  // Other deliberate life-stats errors (bad output, secret access…) are not transient.
  if (isLifeStatsError(error) && !hasErrorCode(error, 'E_FETCH_TIMEOUT')) return 'fatal';
  if (networkErrorCode(error) !== undefined) return 'retry';
  for (const e of causes(error)) if (e.code === 'E_FETCH_TIMEOUT') return 'retry';
  const status = httpStatusOf(error);
  if (status !== undefined && (status === 429 || status >= 500)) return 'retry';
  return 'fatal';
}
