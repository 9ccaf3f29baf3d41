import type { OAuthAdapter, OAuthTokenAnswer, PluginOAuth } from '@life-stats/core/plugin';

/*
 * Strava's OAuth 2.0 (https://developers.strava.com/docs/authentication/): consent at
 * `www.strava.com/oauth/authorize` with `approval_prompt` and comma-separated scopes, which the
 * redirect reports back as `scope`; the token endpoint `POST www.strava.com/oauth/token` with the
 * client in the form; answers `{ token_type, access_token, expires_at, expires_in, refresh_token }`
 * (no `scope`), access tokens for six hours, and a refresh that may return a new refresh token —
 * "the most recent refresh token must always be used", so core stores it before the fetch goes on.
 *
 * Departures, adapted here:
 * - Errors are Strava's `Fault` (`{ message, errors: [{ resource, field, code }] }`), not RFC 6749's:
 *   a refresh token Strava no longer accepts is HTTP 400
 *   `{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}`,
 *   read here as `invalid_grant` (so `reconnect`); a wrong client (`resource: "Application"`) as
 *   `invalid_client`.
 * - An API 401 for a missing permission (`field: "activity:read_permission", code: "missing"`) is
 *   not cured by a new access token: `isUnauthorized` says no, and the plugin asks to reconnect.
 *
 * PKCE is not in Strava's documentation, so no challenge is sent (as for Withings); `state` is.
 */

/** Strava's consent page. */
export const STRAVA_AUTH_URL = 'https://www.strava.com/oauth/authorize';
/** Strava's token endpoint. */
export const STRAVA_TOKEN_URL = 'https://www.strava.com/oauth/token';
/** Every activity of the athlete, "Only You" ones included; without it private activities are missing. */
export const STRAVA_SCOPE = 'activity:read_all';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One item of a Strava `Fault`. */
export interface StravaFaultError {
  resource: string;
  field: string;
  code: string;
}

/** A Strava `Fault` body: `{ message, errors }`, or `undefined` when the body is not one. */
export function readFault(body: unknown): { message: string; errors: StravaFaultError[] } | undefined {
  if (!isRecord(body) || typeof body.message !== 'string') return undefined;
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({
        resource: String(e.resource ?? ''),
        field: String(e.field ?? ''),
        code: String(e.code ?? ''),
      }))
    : [];
  return { message: body.message, errors };
}

/** `Bad Request: RefreshToken.refresh_token invalid`, for messages. */
export function faultText(fault: { message: string; errors: readonly StravaFaultError[] }): string {
  const items = fault.errors.map((e) => `${e.resource}.${e.field} ${e.code}`.trim());
  return [fault.message, ...items].filter(Boolean).join(': ').slice(0, 300);
}

/** Strava's token answers in RFC 6749's words (see above); `undefined` when nothing needs rewriting. */
export function stravaTokenResponse(answer: OAuthTokenAnswer): Pick<OAuthTokenAnswer, 'status' | 'body'> | undefined {
  const { status, body } = answer;
  if (status < 400 || status === 429 || status >= 500) return undefined;
  if (isRecord(body) && typeof body.error === 'string') return undefined;
  const fault = readFault(body);
  if (!fault) return undefined;
  const resources = fault.errors.map((e) => e.resource);
  const error = resources.includes('Application')
    ? 'invalid_client'
    : resources.some((r) => r === 'RefreshToken' || r === 'AuthorizationCode')
      ? 'invalid_grant'
      : 'invalid_request';
  return { status: 400, body: { error, error_description: faultText(fault) } };
}

/** A 401 the API answers for a missing permission, not for the token itself. */
export function isMissingPermission(body: unknown): boolean {
  return readFault(body)?.errors.some((e) => e.code === 'missing' && /permission/.test(e.field)) ?? false;
}

const adapter: OAuthAdapter = {
  tokenResponse: stravaTokenResponse,
  async isUnauthorized(response) {
    if (response.status !== 401) return false;
    const body = await response
      .clone()
      .json()
      .catch(() => undefined);
    return !isMissingPermission(body);
  },
};

/** The manifest's `oauth` field. */
export const stravaOAuth: PluginOAuth<object> = {
  provider: 'Strava',
  authUrl: STRAVA_AUTH_URL,
  tokenUrl: STRAVA_TOKEN_URL,
  scopes: [STRAVA_SCOPE],
  scopeSeparator: ',',
  pkce: false,
  clientAuth: 'client_secret_post',
  // Show the consent again on a second `life-stats auth`, so a user who unticked a scope can tick it.
  authParams: { approval_prompt: 'force' },
  secrets: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'token' },
  adapter,
};
