import type { OAuthAdapter, OAuthTokenAnswer, PluginOAuth } from '@life-stats/core/plugin';
import { type WithingsDataTypeName, withingsDataType } from './data-types.js';
import { describeStatus, isAuthFailure, statusFamily } from './status.js';

/*
 * Withings' OAuth 2.0, adapted to core's (developer.withings.com/api-reference, "OAuth 2.0 -
 * Authorization URL" and "OAuth 2.0 - Request Access and Refresh Tokens"; developer-guide "Access
 * and refresh tokens"):
 *
 * - consent at `account.withings.com/oauth2_user/authorize2`, scopes comma-separated, no PKCE in the
 *   reference (so none is sent); the code lives 30 seconds (core exchanges it at once);
 * - the token endpoint is `POST <api origin>/v2/oauth2` with `action=requesttoken` and the client in
 *   the form; it answers HTTP 200 `{ status, body: { userid, access_token, refresh_token,
 *   expires_in, scope, token_type } }` — and HTTP 200 `{ status: 503, error: 'Invalid Params:
 *   invalid refresh_token' }` when it refuses, which the adapter below rewrites into RFC 6749's shape;
 * - every refresh returns a new refresh token, and the old one dies once the new access token is
 *   used (or after 8 hours): core stores the new one before handing the access token out;
 * - the API says "token refused" with HTTP 200 and `status: 401` (or another "Authentication
 *   failed" status): `isUnauthorized` lets `ctx.oauth.fetch` get a new token once.
 */

/** The config keys the endpoints depend on. */
export interface WithingsEndpointsConfig {
  /** The API origin, ending in `/`. @default 'https://wbsapi.withings.net/' */
  apiRootUrl?: string;
  /** The consent page. @default 'https://account.withings.com/oauth2_user/authorize2' */
  authUrl?: string;
  dataType?: WithingsDataTypeName;
}

/** The Public API's origin (the EU medical cloud, where Wi-Fi and Bluetooth devices live). */
export const WITHINGS_API_ROOT_URL = 'https://wbsapi.withings.net/';
/** The consent page of the Public API. */
export const WITHINGS_AUTH_URL = 'https://account.withings.com/oauth2_user/authorize2';

/** `<apiRootUrl>v2/oauth2`: Withings' token endpoint lives on its API origin. */
function withingsTokenUrl(config: WithingsEndpointsConfig): string {
  return new URL('v2/oauth2', config.apiRootUrl || WITHINGS_API_ROOT_URL).href;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Withings' wrapper of every answer: `{ status, body?, error? }`. */
export interface WithingsEnvelope {
  status: number;
  body?: unknown;
  error?: string;
}

/** The envelope of a parsed body, or `undefined` when it is not one. */
export function readEnvelope(body: unknown): WithingsEnvelope | undefined {
  if (!isRecord(body) || typeof body.status !== 'number' || !Number.isInteger(body.status)) return undefined;
  return {
    status: body.status,
    ...(body.body === undefined ? {} : { body: body.body }),
    ...(typeof body.error === 'string' ? { error: body.error } : {}),
  };
}

/**
 * The RFC 6749 §5.2 error code a refused token request means. Withings words its refusals in
 * `error` ("Invalid Params: invalid refresh_token", "Invalid Params: invalid code",
 * "Invalid_request: The client ID was not specified…"); the status family is the fallback.
 */
function oauthErrorOf(envelope: WithingsEnvelope): string {
  const text = envelope.error ?? '';
  if (/client[_ ]?(id|secret)|invalid_client|signature/i.test(text)) return 'invalid_client';
  // Not "invalid grant_type": that is a malformed request, which no new consent cures.
  if (/refresh[_ ]?token|invalid[_ ]grant(?!_type)|\bcode\b|redirect_uri/i.test(text)) return 'invalid_grant';
  // "Authentication failed" at the token endpoint: the grant it was asked to use is not accepted.
  if (isAuthFailure(envelope.status)) return 'invalid_grant';
  return 'invalid_request';
}

/** Rewrite a token endpoint answer into RFC 6749's shape (see `OAuthAdapter.tokenResponse`). */
export function withingsTokenResponse(answer: OAuthTokenAnswer): Pick<OAuthTokenAnswer, 'status' | 'body'> | undefined {
  const envelope = readEnvelope(answer.body);
  // Not Withings' envelope (a proxy's error page): core reads it by its HTTP status.
  if (!envelope) return undefined;
  if (envelope.status === 0) {
    if (!isRecord(envelope.body)) {
      return { status: 502, body: { error: 'server_error', error_description: 'status 0 without a body' } };
    }
    return { status: 200, body: { token_type: 'Bearer', ...envelope.body } };
  }
  const description = `status ${describeStatus(envelope.status)}${envelope.error ? `: ${envelope.error}` : ''}`;
  const family = statusFamily(envelope.status);
  if (family === 'too-many-requests') {
    return { status: 429, body: { error: 'temporarily_unavailable', error_description: description } };
  }
  if (family === 'timeout') return { status: 503, body: { error: 'server_error', error_description: description } };
  return { status: 400, body: { error: oauthErrorOf(envelope), error_description: description } };
}

/** Does an API answer say the access token was refused (HTTP 401, or `status` "Authentication failed")? */
export async function withingsIsUnauthorized(response: Response): Promise<boolean> {
  if (response.status === 401) return true;
  if (response.status !== 200) return false;
  const envelope = readEnvelope(
    await response
      .clone()
      .json()
      .catch(() => undefined),
  );
  // A missing scope is not cured by a new access token: the plugin asks to reconnect at once.
  return envelope !== undefined && isAuthFailure(envelope.status) && !/insufficient_scope/i.test(envelope.error ?? '');
}

const adapter: OAuthAdapter = {
  tokenResponse: withingsTokenResponse,
  isUnauthorized: withingsIsUnauthorized,
};

/** The manifest's `oauth` field. */
export const withingsOAuth: PluginOAuth<WithingsEndpointsConfig> = {
  provider: 'Withings',
  authUrl: WITHINGS_AUTH_URL,
  tokenUrl: withingsTokenUrl,
  // No `tokenUrl` config key (DESIGN.md's row): the endpoint follows `apiRootUrl`.
  configKeys: { authUrl: 'authUrl', tokenUrl: false },
  scopes: (config) => [withingsDataType(config.dataType).scope],
  scopeSeparator: ',',
  pkce: false,
  clientAuth: 'client_secret_post',
  tokenParams: { action: 'requesttoken' },
  adapter,
};
