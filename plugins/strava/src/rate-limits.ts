import { DeferPairError, RetryableError } from '@life-stats/core/plugin';

/*
 * Strava's rate limits (https://developers.strava.com/docs/rate-limits/): per application, 200
 * requests every 15 minutes and 2,000 a day overall, of which reads (every request here) 100 every
 * 15 minutes and 1,000 a day. The 15-minute windows reset at 0, 15, 30 and 45 minutes past the
 * hour, the day at midnight UTC. Every answer reports them: `X-RateLimit-Limit` / `X-RateLimit-Usage`
 * ("15-minute,daily") for all requests, `X-ReadRateLimit-Limit` / `X-ReadRateLimit-Usage` for reads;
 * a request over a limit gets HTTP 429.
 *
 * A 429 here: the daily limit spent → the pair is deferred to a run after midnight UTC (retrying
 * today cannot work); a 15-minute window spent → retried when it resets, if that is within
 * {@link MAX_RATE_WAIT_MS}, else deferred to then. A deferral is `sharedQuota`: the limit is the
 * app's, so core defers the run's other Strava pairs too instead of sending each a refused request
 * (which Strava counts as well).
 */

/** The longest a 429 waits for its 15-minute window; later, the pair is deferred. */
export const MAX_RATE_WAIT_MS = 5 * 60_000;
/** Waited past a window's reset, for clocks that disagree. */
const RESET_MARGIN_MS = 1000;
const QUARTER_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

/** One pair of Strava's limit headers, read: `undefined` fields where a header is missing or odd. */
export interface StravaLimits {
  /** `read` (X-ReadRateLimit-*) or `overall` (X-RateLimit-*). */
  kind: 'read' | 'overall';
  limit15: number;
  limitDaily: number;
  usage15: number;
  usageDaily: number;
}

function pair(value: string | null): [number, number] | undefined {
  const parts = value?.split(',').map((p) => Number(p.trim()));
  if (parts?.length !== 2 || parts.some((n) => !Number.isFinite(n))) return undefined;
  return [parts[0] as number, parts[1] as number];
}

/** The limits an answer reports (read limits first), each only when both its headers parse. */
export function readLimits(headers: Headers): StravaLimits[] {
  const out: StravaLimits[] = [];
  for (const [kind, prefix] of [
    ['read', 'x-readratelimit'],
    ['overall', 'x-ratelimit'],
  ] as const) {
    const limit = pair(headers.get(`${prefix}-limit`));
    const usage = pair(headers.get(`${prefix}-usage`));
    if (limit && usage)
      out.push({ kind, limit15: limit[0], limitDaily: limit[1], usage15: usage[0], usageDaily: usage[1] });
  }
  return out;
}

/** The end of the 15-minute window `now` is in (:00, :15, :30, :45). */
function quarterEnd(now: number): number {
  return Math.floor(now / QUARTER_MS) * QUARTER_MS + QUARTER_MS;
}

/** The next midnight UTC after `now`. */
function nextUtcMidnight(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
}

const label = (l: StravaLimits) => (l.kind === 'read' ? 'read limit' : 'limit');

function untilText(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 2) return `${Math.ceil(ms / 1000)} s`;
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * The error for a 429: `DeferPairError` when the daily limit is spent or the 15-minute window ends
 * later than {@link MAX_RATE_WAIT_MS}, else `RetryableError` waiting for the window's reset.
 */
export function rateLimitError(prefix: string, headers: Headers, cause: Error, now = Date.now()): Error {
  const limits = readLimits(headers);
  const daily = limits.find((l) => l.usageDaily >= l.limitDaily);
  const app = 'for every user of this Strava app';
  if (daily) {
    const resumeAt = new Date(nextUtcMidnight(now));
    return new DeferPairError(
      `${prefix} Strava's daily ${label(daily)} is spent (${daily.usageDaily} of ${daily.limitDaily} requests today, ${app}); it resets at midnight UTC (${resumeAt.toISOString()}, in ${untilText(resumeAt.getTime() - now)})`,
      { resumeAt, cause, sharedQuota: true },
    );
  }
  const end = quarterEnd(now);
  const waitMs = end - now + RESET_MARGIN_MS;
  const short = limits.find((l) => l.usage15 >= l.limit15) ?? limits[0];
  const spent = short ? ` (${short.usage15} of ${short.limit15} requests, ${app})` : '';
  const what = `${prefix} Strava's 15-minute ${short ? label(short) : 'limit'} is spent${spent}`;
  if (waitMs <= MAX_RATE_WAIT_MS) {
    return new RetryableError(`${what}; retrying when the window resets in ${untilText(waitMs)}`, {
      retryAfterMs: waitMs,
      cause,
    });
  }
  const resumeAt = new Date(end);
  return new DeferPairError(
    `${what}; the window resets at ${resumeAt.toISOString()} (in ${untilText(end - now)}), too long to hold the run`,
    { resumeAt, cause, sharedQuota: true },
  );
}
