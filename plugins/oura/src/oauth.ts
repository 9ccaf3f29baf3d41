import type { OAuthTokenAnswer, PluginOAuth } from '@life-stats/core/plugin';
import { type OuraDataTypeName, scopesFor } from './data-types.js';

/*
 * Oura's OAuth 2.0 (https://cloud.ouraring.com/docs/authentication, .../docs/error-handling):
 * authorization code grant, consent at cloud.ouraring.com, token endpoint at api.ouraring.com,
 * space-separated scopes, the client in the form body, refresh tokens that "can only be used once"
 * (each refresh answers a new one, which core stores before the fetch goes on).
 *
 * Departures, adapted here:
 * - Granted scopes come back prefixed, `extapi:daily` for `daily` (oomol-lab/open-connector,
 *   checked against the live API): read bare, or core would see `daily` missing and ask the user to
 *   reconnect after every refresh.
 * - Errors are RFC 7807 problems (`{ status, title, detail }`) that carry RFC 6749's `error` as
 *   well; one without it but saying the token was used, revoked or expired is `invalid_grant`.
 *
 * PKCE is not in Oura's documentation. Core sends an S256 challenge anyway: a server without PKCE
 * ignores it (RFC 7636 §5), and the verifier is a token request parameter a server must ignore when
 * unknown (RFC 6749 §3.2).
 */

/** Oura's consent page. */
export const OURA_AUTH_URL = 'https://cloud.ouraring.com/oauth/authorize';
/** Oura's token endpoint. */
export const OURA_TOKEN_URL = 'https://api.ouraring.com/oauth/token';
/** The prefix Oura puts on the scopes it reports as granted. */
export const GRANTED_SCOPE_PREFIX = 'extapi:';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `extapi:daily extapi:personal` → `daily personal`. */
export function bareScopes(scope: string): string {
  return scope
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => (s.startsWith(GRANTED_SCOPE_PREFIX) ? s.slice(GRANTED_SCOPE_PREFIX.length) : s))
    .join(' ');
}

/** Oura's token answers in RFC 6749's words (see above); `undefined` when they already are. */
export function ouraTokenResponse(answer: OAuthTokenAnswer): Pick<OAuthTokenAnswer, 'status' | 'body'> | undefined {
  const { status, body } = answer;
  if (!isRecord(body)) return undefined;
  if (status < 400) {
    if (typeof body.scope !== 'string' || !body.scope.includes(GRANTED_SCOPE_PREFIX)) return undefined;
    return { status, body: { ...body, scope: bareScopes(body.scope) } };
  }
  if (typeof body.error === 'string') return undefined;
  const said = [body.title, body.detail].filter((t) => typeof t === 'string').join(': ');
  if (!/already used|revoked|expired/i.test(said)) return undefined;
  return { status: 400, body: { error: 'invalid_grant', error_description: said } };
}

/** The `oauth` field of the manifest: each entry asks only for its data type's scope. */
export function ouraOAuth<Config extends { dataType?: OuraDataTypeName }>(): PluginOAuth<Config> {
  return {
    provider: 'Oura',
    authUrl: OURA_AUTH_URL,
    tokenUrl: OURA_TOKEN_URL,
    scopes: (config) => scopesFor(config.dataType),
    clientAuth: 'client_secret_post',
    secrets: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'token' },
    adapter: { tokenResponse: ouraTokenResponse },
  };
}
