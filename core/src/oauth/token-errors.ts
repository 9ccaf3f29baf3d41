import { LifeStatsError, ReconnectRequiredError, RetryableError } from '../errors.js';
import { authCommand } from '../plugins/connect-command.js';
import { parseRetryAfter } from '../run/classify-error.js';
import { isRecord } from '../util/is-record.js';
import type { OAuthSettings } from './settings.js';

/**
 * What a token endpoint's failure means for the user, worded once for every OAuth plugin: a
 * revoked grant asks to reconnect, a wrong client names its secrets, an overloaded endpoint is
 * retried, and nothing of the request (tokens, client secret) reaches a message or a cause.
 */

/** The grant a token request was for. */
export type TokenGrant = 'refresh' | 'code';

/** What a token error is worded with. */
export interface TokenErrorContext {
  settings: OAuthSettings;
  grant: TokenGrant;
  /** The user whose grant it is (refresh); absent in a consent without one yet. */
  userId?: string | undefined;
  /** Masks every secret value the run knows. */
  redact: (text: string) => string;
}

/** A token endpoint's answer, after the provider's adapter rewrote it. */
export interface TokenEndpointAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * The cause attached to token errors: the status and the OAuth error code, never the request or the
 * body (which may echo tokens).
 */
class OAuthHttpError extends Error {
  readonly status: number;
  readonly error: string | undefined;
  constructor(status: number, error: string | undefined, description: string) {
    super(`HTTP ${status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`);
    this.name = 'OAuthHttpError';
    this.status = status;
    this.error = error;
  }
}

/** The RFC 6749 §5.2 fields of an answer, redacted and cut short. */
function readOAuthError(
  answer: Pick<TokenEndpointAnswer, 'body'>,
  redact: (text: string) => string,
): { error: string | undefined; description: string } {
  const body = answer.body;
  const error = isRecord(body) && typeof body.error === 'string' ? body.error : undefined;
  let description = isRecord(body) && typeof body.error_description === 'string' ? body.error_description : '';
  // A proxy's or load balancer's page: a short single-line excerpt, never the whole of it.
  if (!error && typeof body === 'string')
    description = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  description = redact(description).slice(0, 300);
  return { error, description };
}

function prefixOf(context: TokenErrorContext): string {
  return context.grant === 'code' ? '[life-stats] [auth]' : `[life-stats] [plugin:${context.settings.pluginId}]`;
}

function what(status: number, error: string | undefined, description: string): string {
  return `HTTP ${status}${error || description ? ` (${[error, description].filter(Boolean).join(': ')})` : ''}`;
}

/** The error for a token endpoint answer that is not a token response. */
export function tokenEndpointError(answer: TokenEndpointAnswer, context: TokenErrorContext): LifeStatsError {
  const { settings } = context;
  const { error, description } = readOAuthError(answer, context.redact);
  const cause = new OAuthHttpError(answer.status, error, description);
  const prefix = prefixOf(context);
  const detail = `${error ?? `HTTP ${answer.status}`}${description ? `: ${description}` : ''}`;
  const clientSecrets = `"${settings.secrets.clientId}" and "${settings.secrets.clientSecret}" of namespace "${settings.namespace}"`;
  const clientHint = `Store the client of your ${settings.provider} app: \`life-stats secrets set ${settings.namespace} ${settings.secrets.clientId}\` and \`life-stats secrets set ${settings.namespace} ${settings.secrets.clientSecret}\`.`;
  const transient =
    answer.status === 429 || answer.status >= 500 || error === 'temporarily_unavailable' || error === 'server_error';

  if (context.grant === 'code') {
    if (transient) {
      return new LifeStatsError(
        'E_AUTH',
        `${prefix} ${settings.provider}'s token endpoint failed to exchange the authorization code (${detail})`,
        { hint: 'Run the command again in a moment.', cause },
      );
    }
    return new LifeStatsError('E_AUTH', `${prefix} the token endpoint refused the authorization code (${detail})`, {
      hint:
        error === 'invalid_client' || error === 'unauthorized_client'
          ? `Check the shared secrets ${clientSecrets}: they must be those of the OAuth app registered with ${settings.provider}, whose redirect URIs allow the loopback address printed above.`
          : 'Run the command again; the code can be used only once and expires within minutes.',
      cause,
    });
  }

  const userId = context.userId ?? '<user>';
  const command = authCommand(settings.pluginId, userId);
  if (error === 'invalid_grant') {
    return new ReconnectRequiredError(
      `${prefix} ${settings.provider} no longer accepts the refresh token of user "${userId}" (${detail}): the access was revoked, expired or replaced. Run \`${command}\` to connect again.`,
      { hint: `Run \`${command}\`.`, cause },
    );
  }
  if (error === 'unauthorized_client') {
    return new ReconnectRequiredError(
      `${prefix} the refresh token of user "${userId}" was issued to another OAuth client than the one in "${settings.namespace}/${settings.secrets.clientId}" (${detail}). Run \`${command}\` to connect again.`,
      { hint: `Run \`${command}\`.`, cause },
    );
  }
  if (error === 'invalid_client') {
    return new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${prefix} ${settings.provider} does not know the OAuth client (${detail}): check the shared secrets ${clientSecrets}.`,
      { hint: clientHint, cause },
    );
  }
  if (transient) {
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
    const wait = retryAfterMs === undefined ? '' : `; it asks to wait ${Math.ceil(retryAfterMs / 1000)} s`;
    return new RetryableError(
      `${prefix} ${settings.provider}'s token endpoint answered ${what(answer.status, error, description)}${wait}`,
      { ...(retryAfterMs === undefined ? {} : { retryAfterMs }), cause },
    );
  }
  return new LifeStatsError(
    'E_PLUGIN_FAILED',
    `${prefix} ${settings.provider}'s token endpoint answered ${what(answer.status, error, description)}`,
    { hint: 'Check `tokenUrl` in the entry config, if you set one.', cause },
  );
}

/** The error for a token endpoint that could not be reached at all (connection refused, DNS…). */
export function unreachableError(error: unknown, context: TokenErrorContext): LifeStatsError {
  const host = hostOf(context.settings.tokenUrl);
  const inner = error instanceof Error ? error : new Error(String(error));
  const system = inner.cause instanceof Error ? ` (${inner.cause.message})` : '';
  const message = context.redact(`could not reach ${host}: ${inner.message}${system}`);
  // The system error (ECONNREFUSED…) is kept as the cause: it names no secret, and core retries by it.
  const cause = inner.cause instanceof Error ? inner.cause : inner;
  if (context.grant === 'code') {
    return new LifeStatsError('E_AUTH', `${prefixOf(context)} ${message}`, {
      hint: 'Check the network (and `tokenUrl`, if you set one), then run the command again.',
      cause,
    });
  }
  return new RetryableError(`${prefixOf(context)} ${message}`, { cause });
}

/** A token answer that parsed but is not usable (no access token, a token type we cannot send). */
export function invalidTokenResponseError(reason: string, context: TokenErrorContext): LifeStatsError {
  return new LifeStatsError(
    context.grant === 'code' ? 'E_AUTH' : 'E_PLUGIN_FAILED',
    `${prefixOf(context)} ${context.settings.provider}'s token endpoint answered with a token response life-stats cannot use (${context.redact(reason)})`,
    { hint: 'Check `tokenUrl` in the entry config, if you set one; else report it to the plugin author.' },
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
