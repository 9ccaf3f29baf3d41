import {
  LifeStatsError,
  type PluginOAuthContext,
  parseRetryAfter,
  ReconnectRequiredError,
  RetryableError,
} from '@life-stats/core/plugin';
import { readEnvelope, type WithingsEnvelope } from './oauth.js';
import { describeStatus, statusFamily } from './status.js';

/*
 * One Withings API call: a form POST through `ctx.oauth.fetch` (Bearer token, `ctx.signal`, one new
 * token when the answer says the token was refused), Withings' envelope unwrapped, and every
 * non-zero `status` turned into what the user should do (status.ts has the table). Withings answers
 * HTTP 200 for its own errors; anything else is a proxy or an outage, read by its HTTP status.
 */

export const PLUGIN_ID = 'withings';
const PREFIX = `[life-stats] [plugin:${PLUGIN_ID}]`;
/** Withings' own words are kept, cut short (they name parameters, never tokens). */
const MAX_DETAIL = 200;

/** A failed Withings call, as the cause of the error the plugin throws: status and words, no request. */
class WithingsStatusError extends Error {
  /** Withings' `status` (not an HTTP status: kept out of `status` so core never reads it as one). */
  readonly withingsStatus: number;
  constructor(withingsStatus: number, detail: string | undefined) {
    super(`Withings status ${describeStatus(withingsStatus)}${detail ? `: ${detail}` : ''}`);
    this.name = 'WithingsStatusError';
    this.withingsStatus = withingsStatus;
  }
}

/** What a call is for, to word its errors. */
export interface CallContext {
  oauth: PluginOAuthContext;
  userId: string;
  /** The scope the call needs, named when the grant lacks it. */
  scope: string;
  signal: AbortSignal;
}

/** A service and its parameters. */
interface WithingsCall {
  /** `measure` or `v2/measure`, relative to `apiRootUrl`. */
  service: string;
  params: Record<string, string>;
}

function detailOf(envelope: WithingsEnvelope): string | undefined {
  const text = envelope.error?.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, MAX_DETAIL) : undefined;
}

/** The error for a non-zero `status` of a call. */
function statusError(envelope: WithingsEnvelope, call: WithingsCall, context: CallContext): Error {
  const detail = detailOf(envelope);
  const cause = new WithingsStatusError(envelope.status, detail);
  const what = `Withings answered ${call.params.action ?? call.service} with status ${describeStatus(envelope.status)}${detail ? `: ${detail}` : ''}`;
  const user = `user "${context.userId}"`;
  if (/insufficient_scope/i.test(envelope.error ?? '')) {
    return new ReconnectRequiredError(
      `${PREFIX} the Withings grant of ${user} lacks the scope ${context.scope} (${what}); connect again and allow that access`,
      { cause },
    );
  }
  switch (statusFamily(envelope.status)) {
    case 'authentication-failed':
      return new ReconnectRequiredError(
        `${PREFIX} Withings refused the access token of ${user} although it was just refreshed (${what}): the access was revoked`,
        { cause },
      );
    case 'too-many-requests':
      return new RetryableError(`${PREFIX} ${what}; the app's request budget (120 a minute) is spent for now`, {
        cause,
      });
    case 'timeout':
      return new RetryableError(`${PREFIX} ${what}; Withings asks to retry`, { cause });
    case 'invalid-params':
      return new LifeStatsError('E_PLUGIN_FAILED', `${PREFIX} ${what}`, {
        cause,
        hint: 'Withings refused the parameters life-stats sent. Check `apiRootUrl` if you set one; else report it to the plugin authors with this message.',
      });
    case 'unauthorized':
      return new LifeStatsError('E_PLUGIN_FAILED', `${PREFIX} ${what}: Withings does not allow this app to call it`, {
        cause,
        hint: 'Check the application in the Withings developer dashboard (developer.withings.com/dashboard): it must be a Public API application in the same cloud as `apiRootUrl`.',
      });
    case 'not-implemented':
      return new LifeStatsError('E_PLUGIN_FAILED', `${PREFIX} ${what}: the service does not exist there`, {
        cause,
        hint: 'Check `apiRootUrl` in the entry config: it must be the Withings API origin (default https://wbsapi.withings.net/).',
      });
    default:
      return new LifeStatsError('E_PLUGIN_FAILED', `${PREFIX} ${what}`, {
        cause,
        hint: 'Run again later; if it persists, check the Withings status page and the application in the developer dashboard.',
      });
  }
}

/** The error for an answer that is not Withings' envelope in HTTP 200. */
async function httpError(response: Response, call: WithingsCall): Promise<Error> {
  const what = `Withings answered ${call.params.action ?? call.service} with HTTP ${response.status}`;
  await response.body?.cancel().catch(() => undefined);
  const cause = Object.assign(new Error(`HTTP ${response.status}`), { name: 'WithingsHttpError' });
  if (response.status === 429 || response.status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return new RetryableError(`${PREFIX} ${what}`, { cause, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (response.status === 401) {
    return new ReconnectRequiredError(`${PREFIX} ${what}: the access token was refused`, { cause });
  }
  return new LifeStatsError('E_PLUGIN_FAILED', `${PREFIX} ${what}`, {
    cause,
    hint: 'Check `apiRootUrl` in the entry config: it must be the Withings API origin (default https://wbsapi.withings.net/).',
  });
}

/**
 * Call a Withings service and return its `body`.
 *
 * @throws {ReconnectRequiredError} the token is refused, or the grant lacks the scope.
 * @throws {RetryableError} status 601 (too many requests) or 522 (timeout), HTTP 429 or 5xx.
 * @throws {LifeStatsError} `E_PLUGIN_FAILED` for any other status, with its documented meaning.
 */
async function callWithings(
  apiRootUrl: string,
  call: WithingsCall,
  context: CallContext,
): Promise<Record<string, unknown>> {
  const url = new URL(call.service, apiRootUrl);
  // A form body: replayable (ctx.oauth.fetch may send it twice), and what Withings' samples send.
  const response = await context.oauth.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(call.params).toString(),
    signal: context.signal,
  });
  if (response.status !== 200) throw await httpError(response, call);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const envelope = readEnvelope(parsed);
  if (!envelope) {
    throw new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${PREFIX} Withings answered ${call.params.action ?? call.service} with something that is not its JSON envelope { status, body }`,
      {
        hint: 'Check `apiRootUrl` in the entry config: it must be the Withings API origin (default https://wbsapi.withings.net/).',
      },
    );
  }
  if (envelope.status !== 0) throw statusError(envelope, call, context);
  const body = envelope.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${PREFIX} Withings answered ${call.params.action} with status 0 but no body`,
      {
        hint: 'Run again later; if it persists, report it to the plugin authors.',
      },
    );
  }
  return body as Record<string, unknown>;
}

/** Pages followed at most per request, against a server that always says `more`. */
const MAX_PAGES = 1000;

/** `more` as Getmeas (`1`/`0`) and Getactivity (`true`/`false`) send it. */
function hasMore(body: Record<string, unknown>): boolean {
  return body.more === true || body.more === 1 || body.more === '1';
}

/**
 * Every page of a call that pages with `more` / `offset`: the next request carries the `offset` the
 * last answer gave, until `more` is false.
 */
export async function callAllPages(
  apiRootUrl: string,
  call: WithingsCall,
  context: CallContext,
): Promise<Record<string, unknown>[]> {
  const pages: Record<string, unknown>[] = [];
  let offset: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = { ...call.params, ...(offset === undefined ? {} : { offset }) };
    const body = await callWithings(apiRootUrl, { service: call.service, params }, context);
    pages.push(body);
    if (!hasMore(body)) return pages;
    const next = typeof body.offset === 'number' || typeof body.offset === 'string' ? String(body.offset) : undefined;
    if (next === undefined || next === offset) {
      throw new LifeStatsError(
        'E_PLUGIN_FAILED',
        `${PREFIX} Withings said there is more ${call.params.action} data but gave no new offset (${next ?? 'none'})`,
        { hint: 'Run again later; if it persists, report it to the plugin authors.' },
      );
    }
    offset = next;
  }
  throw new LifeStatsError(
    'E_PLUGIN_FAILED',
    `${PREFIX} Withings kept paging ${call.params.action} past ${MAX_PAGES} pages`,
    {
      hint: 'Run again later; if it persists, report it to the plugin authors.',
    },
  );
}
