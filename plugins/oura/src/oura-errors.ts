import { LifeStatsError, parseRetryAfter, ReconnectRequiredError, RetryableError } from '@life-stats/core/plugin';

/*
 * What the Oura API answers when it refuses a list request, read into what the user should do.
 * The catalogue is the reference's (https://cloud.ouraring.com/v2/docs, "Oura HTTP Response Codes"
 * and "Rate Limits"; https://cloud.ouraring.com/docs/error-handling for the RFC 7807 body):
 *
 * | answer                                            | here                                               |
 * | ------------------------------------------------- | -------------------------------------------------- |
 * | 401 invalid, expired or revoked token              | reconnect (after core's one retry with a new token) |
 * | 401 / 403 "Missing Scopes"                         | reconnect, naming the scope the data type needs     |
 * | 403 otherwise (the user's Oura Membership lapsed)  | failed, hint: renew the membership                  |
 * | 429 (per token or per application)                 | retried, waiting `Retry-After` (else until `X-RateLimit-Reset`) |
 * | 5xx                                                | retried                                             |
 * | 400, 422 `{ detail: [{ loc, msg }] }`, others      | failed, with Oura's words                           |
 */

/** Who and what a failed request was for, to word the next step. */
export interface OuraErrorContext {
  pluginId: string;
  userId: string;
  dataType: string;
  /** The scope the data type's endpoint needs. */
  scope: string;
  /** The metric the entry writes (for the `check` command in a hint). */
  metric: string;
  /** `v2/usercollection/<collection>`, for messages. */
  path: string;
}

/** The HTTP answer behind an error, as its `cause` (status and Oura's words, never the request). */
class OuraHttpError extends Error {
  readonly status: number;
  constructor(status: number, text: string) {
    super(`HTTP ${status}${text ? `: ${text}` : ''}`);
    this.name = 'OuraHttpError';
    this.status = status;
  }
}

/** Oura's words from an error body: RFC 7807 `title`/`detail`, or FastAPI's `detail: [{ loc, msg }]`. */
export function ouraErrorText(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, 300);
  if (typeof body !== 'object' || body === null) return '';
  const { title, detail } = body as { title?: unknown; detail?: unknown };
  const parts: string[] = [];
  if (typeof title === 'string') parts.push(title);
  if (typeof detail === 'string') parts.push(detail);
  if (Array.isArray(detail)) {
    for (const item of detail) {
      const { loc, msg } = (item ?? {}) as { loc?: unknown; msg?: unknown };
      if (typeof msg !== 'string') continue;
      parts.push(Array.isArray(loc) ? `${loc.join('.')}: ${msg}` : msg);
    }
  }
  return parts.join(': ').slice(0, 500);
}

/** Milliseconds to wait from a 429: `Retry-After`, else `X-RateLimit-Reset` (epoch seconds). */
export function rateLimitWait(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

/** The error for a refused list request (`response` not ok), its body read as `body`. */
export function ouraApiError(context: OuraErrorContext, response: Response, body: unknown): Error {
  const prefix = `[life-stats] [plugin:${context.pluginId}]`;
  const text = ouraErrorText(body);
  const cause = new OuraHttpError(response.status, text);
  const what = `HTTP ${response.status}${text ? ` ${text}` : ''}`;
  const user = `user "${context.userId}"`;

  if ((response.status === 401 || response.status === 403) && /scope/i.test(text)) {
    return new ReconnectRequiredError(
      `${prefix} the Oura grant of ${user} does not include the "${context.scope}" scope, which "${context.dataType}" needs (${what}). Connect again and leave "${context.scope}" ticked on Oura's consent page.`,
      { cause },
    );
  }
  if (response.status === 401) {
    return new ReconnectRequiredError(
      `${prefix} Oura refused the access token of ${user} for ${context.path} (${what}): the access was withdrawn in the Oura account, or the grant is no longer valid.`,
      { cause },
    );
  }
  if (response.status === 403) {
    return new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${prefix} Oura refused ${user} their "${context.dataType}" data (${what}): Oura serves data through its API only while the user's Oura Membership is active.`,
      {
        cause,
        hint: `Renew the Oura Membership in the Oura app (or have ${context.userId} do it), then run \`life-stats check --metric ${context.metric} --user ${context.userId}\`.`,
      },
    );
  }
  if (response.status === 429) {
    const retryAfterMs = rateLimitWait(response.headers);
    const tier = response.headers.get('x-ratelimit-tier');
    const limit = response.headers.get('x-ratelimit-limit');
    const window = response.headers.get('x-ratelimit-window');
    const quota = limit ? ` (${limit} requests per ${window ?? '?'} s${tier ? `, ${tier} limit` : ''})` : '';
    return new RetryableError(
      `${prefix} Oura is rate-limiting requests${quota}${retryAfterMs === undefined ? '' : `; retrying in ${Math.ceil(retryAfterMs / 1000)} s`}`,
      { cause, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  }
  if (response.status >= 500) {
    return new RetryableError(`${prefix} Oura answered ${what} for ${context.path}`, { cause });
  }
  return new LifeStatsError('E_PLUGIN_FAILED', `${prefix} Oura refused the request for ${context.path} (${what})`, {
    cause,
    hint: 'life-stats sent a request Oura does not accept: update @life-stats/plugin-oura, and report it with this message if that does not help.',
  });
}
