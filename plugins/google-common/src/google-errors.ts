import { LifeStatsError, parseRetryAfter, ReconnectRequiredError, RetryableError } from '@life-stats/core/plugin';

/**
 * Google API errors (AIP-193: `{ error: { code, message, status, errors: [{ reason }], details:
 * [{ reason }] } }`) turned into what core acts on. Token endpoint errors are core's (every OAuth
 * plugin shares them); these are the API's own.
 */

/** What Google answered to a failed API request. */
export interface GoogleErrorResponse {
  status: number;
  /** Always `'api'`: the token endpoint is core's. Kept for plugins that read it. */
  endpoint: 'token' | 'api';
  /** The API's `error.status` (`PERMISSION_DENIED`). */
  code: string | undefined;
  /** Every `reason` of the API error: `error.errors[].reason` and `error.details[].reason` (`SERVICE_DISABLED`). */
  reasons: string[];
  /** Google's own words (`error.message`), with every known secret masked. */
  message: string;
  /** From the `Retry-After` header, when there is one. */
  retryAfterMs: number | undefined;
}

/** What {@link googleApiError} needs to word its errors. */
export interface GoogleErrorContext {
  pluginId: string;
  userId: string;
  /** Masks every secret value in a text (core's redactor). */
  redact: (text: string) => string;
  /** A plugin's own reading of an API error (Fit: "the API is turned down"); `undefined` to use the generic one. */
  mapApiError?: ((response: GoogleErrorResponse) => Error | undefined) | undefined;
}

/**
 * The cause of a mapped error: the status and Google's words, without the request (which carries
 * the access token).
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

/** Read an API error answer (a gaxios error's `response`, or a fetch answer's status, body and headers). */
export function readGoogleErrorResponse(
  response: { status: number; data?: unknown; headers?: unknown },
  redact: (text: string) => string,
): GoogleErrorResponse {
  const body = parseBody(response.data);
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
    endpoint: 'api',
    code: typeof error?.status === 'string' ? error.status : undefined,
    reasons: [...new Set(reasons)],
    message: redact(message),
    retryAfterMs: parseRetryAfter(headerOf(response.headers, 'retry-after')),
  };
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);
const SCOPE_REASONS = new Set(['ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'insufficientPermissions']);

function describe(response: GoogleErrorResponse): string {
  const what = [response.code, ...response.reasons].filter(Boolean).join(', ');
  return `HTTP ${response.status}${what ? ` (${what})` : ''}${response.message ? `: ${response.message}` : ''}`;
}

/** The reconnect command, as every message about a broken grant words it. */
export function authCommand(pluginId: string, userId: string): string {
  return `life-stats auth ${pluginId} --user ${userId}`;
}

/**
 * The error core acts on for a failed Google API answer:
 * - HTTP 429, 5xx (and Google's 403 `rateLimitExceeded`) → `RetryableError` with `retryAfterMs`;
 * - 401 (a token refused even after core's one refresh) → `ReconnectRequiredError`;
 * - 403 for a missing scope → `ReconnectRequiredError` asking to allow every access;
 * - the plugin's own reading (`mapApiError`), else a non-retryable `LifeStatsError`.
 */
export function googleApiError(response: GoogleErrorResponse, context: GoogleErrorContext): Error {
  const { pluginId, userId } = context;
  const prefix = `[life-stats] [plugin:${pluginId}]`;
  const own = context.mapApiError?.(response);
  if (own) return own;
  const cause = new GoogleHttpError(response);
  const rateLimited =
    response.code === 'RESOURCE_EXHAUSTED' || response.reasons.some((reason) => RATE_LIMIT_REASONS.has(reason));
  if (response.status === 429 || response.status >= 500 || rateLimited) {
    const wait =
      response.retryAfterMs === undefined ? '' : `; Google asks to wait ${Math.ceil(response.retryAfterMs / 1000)} s`;
    return new RetryableError(`${prefix} the Google API answered ${describe(response)}${wait}`, {
      ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
      cause,
    });
  }
  const command = authCommand(pluginId, userId);
  if (response.status === 401) {
    return new ReconnectRequiredError(
      `${prefix} Google rejected the credentials of user "${userId}" (${describe(response)}). Run \`${command}\` to connect again.`,
      { cause, hint: `Run \`${command}\`.` },
    );
  }
  const missingScope =
    response.reasons.some((reason) => SCOPE_REASONS.has(reason)) ||
    /insufficient authentication scopes/i.test(response.message);
  if (response.status === 403 && missingScope) {
    return new ReconnectRequiredError(
      `${prefix} the Google grant of user "${userId}" lacks the permission this plugin needs (${describe(response)}). Run \`${command}\` and allow every requested access.`,
      { cause, hint: `Run \`${command}\`.` },
    );
  }
  return new LifeStatsError('E_PLUGIN_FAILED', `${prefix} the Google API answered ${describe(response)}`, { cause });
}

function hostOf(url: unknown): string {
  try {
    return new URL(String(url)).host;
  } catch {
    return 'Google';
  }
}

/** A network failure (connection refused, DNS…) as an error core retries, keeping the system code. */
export function unreachableGoogleError(error: unknown, url: unknown, context: GoogleErrorContext): Error {
  const inner = error instanceof Error ? error : new Error(String(error));
  const system = inner.cause instanceof Error ? inner.cause : undefined;
  const wrapped = new Error(
    context.redact(
      `[life-stats] [plugin:${context.pluginId}] could not reach ${hostOf(url)}: ${inner.message}${system ? ` (${system.message})` : ''}`,
    ),
    { cause: system ?? inner },
  ) as Error & { code?: string };
  // Core retries network failures by their system code; keep it on the error itself too.
  const code = (system as { code?: unknown } | undefined)?.code ?? (inner as { code?: unknown }).code;
  if (typeof code === 'string') wrapped.code = code;
  return wrapped;
}

/**
 * Turn what a googleapis (gaxios) call threw into the error core acts on (see {@link googleApiError});
 * an aborted `signal` gives its reason. gaxios' own error is never passed on: it keeps the request,
 * access token included.
 */
export function toGoogleError(error: unknown, context: GoogleErrorContext & { signal: AbortSignal }): unknown {
  if (context.signal.aborted) return context.signal.reason;
  if (!isDict(error) || !isDict(error.config)) return error; // not a gaxios error: a bug, or already ours
  const response = error.response;
  if (isDict(response) && typeof response.status === 'number') {
    return googleApiError(
      readGoogleErrorResponse(response as { status: number; data?: unknown; headers?: unknown }, context.redact),
      context,
    );
  }
  const inner = error.cause instanceof Error ? error.cause : new Error(String(error.message ?? 'request failed'));
  const wrapped = unreachableGoogleError(inner, error.config.url, context) as Error & { code?: string };
  if (typeof error.code === 'string') wrapped.code = error.code;
  return wrapped;
}
