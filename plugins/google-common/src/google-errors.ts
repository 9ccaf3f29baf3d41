import { LifeStatsError, parseRetryAfter, ReconnectRequiredError, RetryableError } from '@life-stats/core';

/** What Google answered to a failed request, parsed from the HTTP error response. */
export interface GoogleErrorResponse {
  status: number;
  /** The OAuth token endpoint, or the API. */
  endpoint: 'token' | 'api';
  /** `invalid_grant` from the token endpoint; the API's `error.status` (`PERMISSION_DENIED`). */
  code: string | undefined;
  /** Every `reason` of the API error: `error.errors[].reason` and `error.details[].reason` (`SERVICE_DISABLED`). */
  reasons: string[];
  /** Google's own words (`error_description` / `error.message`), scrubbed of secrets. */
  message: string;
  /** From the `Retry-After` header, when there is one. */
  retryAfterMs: number | undefined;
}

/** What {@link toGoogleError} needs to word its errors. */
export interface GoogleErrorContext {
  pluginId: string;
  namespace: string;
  userId: string;
  tokenUrl: string;
  signal: AbortSignal;
  /** Masks every secret value in a text. */
  scrub: (text: string) => string;
  /** A plugin's own reading of an API error (Fit: "the API is turned down"); `undefined` to use the generic one. */
  mapApiError?: ((response: GoogleErrorResponse) => Error | undefined) | undefined;
}

/**
 * The cause of a mapped error: the status and Google's words, without the request that gaxios
 * keeps on its own errors (that request carries the refresh token and the client secret).
 */
export class GoogleHttpError extends Error {
  readonly status: number;
  readonly endpoint: 'token' | 'api';
  readonly reasons: readonly string[];
  constructor(response: GoogleErrorResponse) {
    const what = [response.code, ...response.reasons].filter(Boolean).join(' ');
    super(`HTTP ${response.status}${what ? ` ${what}` : ''}${response.message ? `: ${response.message}` : ''}`);
    this.name = 'GoogleHttpError';
    this.status = response.status;
    this.endpoint = response.endpoint;
    this.reasons = response.reasons;
  }
}

/** A text that masks every value added to it: tokens, the client secret. */
export interface Scrubber {
  add(value: string | undefined): void;
  scrub(text: string): string;
}

export function createScrubber(): Scrubber {
  const values = new Set<string>();
  return {
    add(value) {
      // Short values would mangle ordinary words and are not real credentials.
      if (value && value.length >= 4) values.add(value);
    },
    scrub(text) {
      let out = text;
      for (const value of values) if (out.includes(value)) out = out.split(value).join('[redacted]');
      return out;
    },
  };
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  if (isDict(headers)) {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function urlWithoutQuery(url: unknown): string {
  const text = String(url ?? '');
  const q = text.indexOf('?');
  return q === -1 ? text : text.slice(0, q);
}

/** Read a gaxios error response (token endpoint or API) into a {@link GoogleErrorResponse}. */
export function readGoogleErrorResponse(
  response: { status: number; data?: unknown; headers?: unknown; config?: { url?: unknown } },
  tokenUrl: string,
  scrub: (text: string) => string,
): GoogleErrorResponse {
  const body = parseBody(response.data);
  const retryAfterMs = parseRetryAfter(headerOf(response.headers, 'retry-after'));
  const toToken = urlWithoutQuery(response.config?.url) === urlWithoutQuery(tokenUrl);
  // The token endpoint answers `{ error: 'invalid_grant', error_description }` (RFC 6749 §5.2);
  // Google APIs answer `{ error: { code, message, status, errors: [{ reason }], details: [{ reason }] } }`.
  if (isDict(body) && typeof body.error === 'string') {
    const description = typeof body.error_description === 'string' ? body.error_description : '';
    return {
      status: response.status,
      endpoint: 'token',
      code: body.error,
      reasons: [],
      message: scrub(description),
      retryAfterMs,
    };
  }
  const error = isDict(body) && isDict(body.error) ? body.error : undefined;
  const reasons: string[] = [];
  for (const list of [error?.errors, error?.details]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) if (isDict(item) && typeof item.reason === 'string') reasons.push(item.reason);
  }
  let message = typeof error?.message === 'string' ? error.message : '';
  // A proxy or a load balancer may answer with HTML or plain text: keep a short, single-line excerpt.
  if (!message && typeof body === 'string')
    message = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200);
  return {
    status: response.status,
    endpoint: toToken ? 'token' : 'api',
    code: typeof error?.status === 'string' ? error.status : undefined,
    reasons: [...new Set(reasons)],
    message: scrub(message),
    retryAfterMs,
  };
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);
const SCOPE_REASONS = new Set(['ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'insufficientPermissions']);

function describe(response: GoogleErrorResponse): string {
  const what = [response.code, ...response.reasons].filter(Boolean).join(', ');
  return `HTTP ${response.status}${what ? ` (${what})` : ''}${response.message ? `: ${response.message}` : ''}`;
}

function retryable(prefix: string, where: string, response: GoogleErrorResponse): RetryableError {
  const wait =
    response.retryAfterMs === undefined ? '' : `; Google asks to wait ${Math.ceil(response.retryAfterMs / 1000)} s`;
  return new RetryableError(`${prefix} ${where} answered ${describe(response)}${wait}`, {
    ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
    cause: new GoogleHttpError(response),
  });
}

/** The reconnect command, as every message about a broken grant words it. */
export function authCommand(pluginId: string, userId: string): string {
  return `life-stats auth ${pluginId} --user ${userId}`;
}

function fromTokenEndpoint(context: GoogleErrorContext, response: GoogleErrorResponse): Error {
  const { pluginId, userId, namespace } = context;
  const prefix = `[life-stats] [plugin:${pluginId}]`;
  const cause = new GoogleHttpError(response);
  const reconnect = `Run \`${authCommand(pluginId, userId)}\` to connect again.`;
  if (response.code === 'invalid_grant') {
    return new ReconnectRequiredError(
      `${prefix} Google no longer accepts the refresh token of user "${userId}" (invalid_grant${response.message ? `: ${response.message}` : ''}): the access was revoked, expired or the password changed. ${reconnect}`,
      { cause, hint: `Run \`${authCommand(pluginId, userId)}\`.` },
    );
  }
  if (response.code === 'unauthorized_client') {
    return new ReconnectRequiredError(
      `${prefix} the refresh token of user "${userId}" was issued to another OAuth client than the one in "${namespace}/client_id" (unauthorized_client). ${reconnect}`,
      { cause, hint: `Run \`${authCommand(pluginId, userId)}\`.` },
    );
  }
  if (response.code === 'invalid_client') {
    return new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${prefix} Google does not know the OAuth client (invalid_client${response.message ? `: ${response.message}` : ''}): check the shared secrets "client_id" and "client_secret" of namespace "${namespace}".`,
      {
        cause,
        hint: `Store the client of your Google Cloud project: \`life-stats secrets set ${namespace} client_id\` and \`life-stats secrets set ${namespace} client_secret\`.`,
      },
    );
  }
  if (response.status === 429 || response.status >= 500) return retryable(prefix, "Google's token endpoint", response);
  return new LifeStatsError('E_PLUGIN_FAILED', `${prefix} Google's token endpoint answered ${describe(response)}`, {
    cause,
  });
}

function fromApi(context: GoogleErrorContext, response: GoogleErrorResponse): Error {
  const { pluginId, userId } = context;
  const prefix = `[life-stats] [plugin:${pluginId}]`;
  const own = context.mapApiError?.(response);
  if (own) return own;
  const cause = new GoogleHttpError(response);
  const rateLimited =
    response.code === 'RESOURCE_EXHAUSTED' || response.reasons.some((reason) => RATE_LIMIT_REASONS.has(reason));
  if (response.status === 429 || response.status >= 500 || rateLimited)
    return retryable(prefix, 'the Google API', response);
  if (response.status === 401) {
    return new ReconnectRequiredError(
      `${prefix} Google rejected the credentials of user "${userId}" (${describe(response)}). Run \`${authCommand(pluginId, userId)}\` to connect again.`,
      { cause, hint: `Run \`${authCommand(pluginId, userId)}\`.` },
    );
  }
  const missingScope =
    response.reasons.some((reason) => SCOPE_REASONS.has(reason)) ||
    /insufficient authentication scopes/i.test(response.message);
  if (response.status === 403 && missingScope) {
    return new ReconnectRequiredError(
      `${prefix} the Google grant of user "${userId}" lacks the permission this plugin needs (${describe(response)}). Run \`${authCommand(pluginId, userId)}\` and allow every requested access.`,
      { cause, hint: `Run \`${authCommand(pluginId, userId)}\`.` },
    );
  }
  return new LifeStatsError('E_PLUGIN_FAILED', `${prefix} the Google API answered ${describe(response)}`, { cause });
}

/**
 * Turn what a Google request threw into the error core acts on:
 * - the token endpoint's `invalid_grant` → `ReconnectRequiredError` naming `life-stats auth`;
 * - HTTP 429, 5xx (and Google's 403 `rateLimitExceeded`) → `RetryableError` with `retryAfterMs`;
 * - a network failure → an `Error` keeping the system error (`ECONNREFUSED`…) as its cause, which
 *   core retries;
 * - an aborted `signal` → the signal's reason;
 * - anything else that Google answered → a non-retryable `LifeStatsError`.
 *
 * gaxios' own error is never passed on: it keeps the request, refresh token and client secret included.
 */
export function toGoogleError(error: unknown, context: GoogleErrorContext): unknown {
  if (context.signal.aborted) return context.signal.reason;
  if (!isDict(error) || !isDict(error.config)) return error; // not a gaxios error: a bug, or already ours
  const response = error.response;
  if (isDict(response) && typeof response.status === 'number') {
    const parsed = readGoogleErrorResponse(
      response as { status: number; data?: unknown; headers?: unknown; config?: { url?: unknown } },
      context.tokenUrl,
      context.scrub,
    );
    return parsed.endpoint === 'token' ? fromTokenEndpoint(context, parsed) : fromApi(context, parsed);
  }
  const inner = error.cause instanceof Error ? error.cause : undefined;
  const message = inner?.message ?? (typeof error.message === 'string' ? error.message : 'request failed');
  const system = inner?.cause instanceof Error ? inner.cause.message : '';
  const host = (() => {
    try {
      return new URL(String(error.config?.url)).host;
    } catch {
      return 'Google';
    }
  })();
  const wrapped = new Error(
    context.scrub(
      `[life-stats] [plugin:${context.pluginId}] could not reach ${host}: ${message}${system ? ` (${system})` : ''}`,
    ),
    { cause: inner },
  ) as Error & { code?: string };
  // Core retries network failures by their system code; keep it on the error itself too.
  if (typeof error.code === 'string') wrapped.code = error.code;
  return wrapped;
}
