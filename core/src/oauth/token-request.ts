import { LifeStatsError } from '../errors.js';
import { isRecord } from '../util/is-record.js';
import { isLoopbackUrl, loadOAuthLibrary, type OAuthLibrary } from './library.js';
import { type OAuthSettings, splitScopes } from './settings.js';
import {
  invalidTokenResponseError,
  type TokenEndpointAnswer,
  type TokenGrant,
  tokenEndpointError,
  unreachableError,
} from './token-errors.js';

/**
 * One request to a token endpoint through `oauth4webapi` — the refresh grant or the authorization
 * code grant — with the provider's adapter between the wire and the library, every token in the
 * answer handed to the redactor before anything else sees it, and failures worded by
 * `token-errors.ts`.
 */

/** The OAuth client, from the plugin's shared secrets. */
export interface OAuthClientCredentials {
  clientId: string;
  /** Absent for `clientAuth: 'none'`. */
  clientSecret?: string | undefined;
}

/** What a token endpoint granted. */
export interface TokenSet {
  accessToken: string;
  /** Seconds, when the provider said. */
  expiresIn: number | undefined;
  /** A refresh token in the answer: the first one (code grant) or a rotated one (refresh grant). */
  refreshToken: string | undefined;
  /** The scopes the answer reports the grant to hold (Google does on refresh), else `undefined`. */
  scopes: string[] | undefined;
}

/** The grant to request. */
export type TokenGrantRequest =
  | { grant: 'refresh'; refreshToken: string }
  | {
      grant: 'code';
      /** The parameters the browser came back with (already checked by `validateCallback`). */
      callback: URLSearchParams;
      /** The `state` the consent URL carried. */
      state: string;
      redirectUri: string;
      /** The PKCE verifier, when the consent sent a challenge. */
      codeVerifier: string | undefined;
    };

/** Options of {@link requestTokens}. */
export interface TokenRequestOptions {
  settings: OAuthSettings;
  client: OAuthClientCredentials;
  signal: AbortSignal;
  /** Receives every token and secret value before any message could show it. */
  remember: (value: string | undefined) => void;
  redact: (text: string) => string;
  userId?: string | undefined;
}

/**
 * Hand every token of a body to the redactor: `access_token`, `refresh_token`, `id_token` and any
 * other `*_token` field (not `token_type`), also inside a wrapper object (Withings' `body`).
 */
function rememberTokens(body: unknown, remember: (value: string | undefined) => void): void {
  if (!isRecord(body)) return;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' && /(^|_)token$/i.test(key)) remember(value);
    else if (isRecord(value)) rememberTokens(value, remember);
  }
}

/** The endpoint as a URL the library may call: HTTPS, or plain HTTP on a loopback address only. */
function checkedEndpoint(settings: OAuthSettings, grant: TokenGrant): { url: URL; insecure: boolean } {
  let url: URL;
  try {
    url = new URL(settings.tokenUrl);
  } catch {
    throw new LifeStatsError(
      'E_CONFIG',
      `[life-stats] [plugin:${settings.pluginId}] the token endpoint "${settings.tokenUrl}" is not a URL`,
      {
        hint: 'Set `tokenUrl` in the entry config to an https:// URL, or remove it to use the default.',
      },
    );
  }
  if (url.protocol === 'https:') return { url, insecure: false };
  if (url.protocol === 'http:' && isLoopbackUrl(url)) return { url, insecure: true };
  throw new LifeStatsError(
    grant === 'code' ? 'E_AUTH' : 'E_CONFIG',
    `[life-stats] [plugin:${settings.pluginId}] the token endpoint ${url.origin} is not HTTPS: life-stats sends refresh tokens and client secrets only over HTTPS, or to a loopback address`,
    { hint: 'Set `tokenUrl` in the entry config to an https:// URL.' },
  );
}

function clientAuthOf(lib: OAuthLibrary, settings: OAuthSettings, client: OAuthClientCredentials) {
  if (settings.clientAuth === 'none') return lib.None();
  const secret = client.clientSecret ?? '';
  return settings.clientAuth === 'client_secret_basic' ? lib.ClientSecretBasic(secret) : lib.ClientSecretPost(secret);
}

/**
 * Request tokens for a grant and read the answer.
 *
 * @throws {ReconnectRequiredError} a refresh token the provider no longer accepts (`invalid_grant`).
 * @throws {RetryableError} an unreachable, rate-limited or failing (5xx) endpoint, on refresh.
 * @throws {LifeStatsError} `E_AUTH` for any failure of a code exchange; `E_PLUGIN_FAILED` otherwise.
 */
export async function requestTokens(request: TokenGrantRequest, options: TokenRequestOptions): Promise<TokenSet> {
  const { settings, client, signal, remember, redact } = options;
  remember(client.clientSecret);
  if (request.grant === 'refresh') remember(request.refreshToken);
  const context = { settings, grant: request.grant, userId: options.userId, redact };
  const { url, insecure } = checkedEndpoint(settings, request.grant);
  const lib = await loadOAuthLibrary();
  signal.throwIfAborted();

  let answer: TokenEndpointAnswer | undefined;
  const customFetch = async (input: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(input, { ...init, signal });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): kept as text, read by status.
    }
    rememberTokens(body, remember);
    const raw = { status: response.status, body, headers: response.headers };
    const rewritten = settings.adapter.tokenResponse?.(raw) ?? raw;
    rememberTokens(rewritten.body, remember);
    answer = { status: rewritten.status, body: rewritten.body, headers: response.headers };
    const json = isRecord(rewritten.body) ? { ...rewritten.body } : undefined;
    // life-stats never uses an ID token; leaving it out spares validating claims it does not need.
    if (json) delete json.id_token;
    const status = Math.min(599, Math.max(200, Math.trunc(rewritten.status) || 500));
    return new Response(json ? JSON.stringify(json) : String(rewritten.body ?? ''), {
      status,
      headers: { 'content-type': json ? 'application/json' : 'text/plain' },
    });
  };

  // The issuer is only compared with an `iss` the callback may carry (RFC 9207); each consent has a
  // redirect and a state of its own, so there is no second server to mix it up with.
  const iss = request.grant === 'code' ? request.callback.get('iss') : null;
  const as = {
    issuer: iss ?? new URL(settings.authUrl).origin,
    token_endpoint: url.href,
    authorization_endpoint: settings.authUrl,
  };
  const libClient = { client_id: client.clientId };
  const auth = clientAuthOf(lib, settings, client);
  const http = {
    [lib.customFetch]: customFetch,
    ...(insecure ? { [lib.allowInsecureRequests]: true } : {}),
    additionalParameters: { ...settings.tokenParams },
  };

  let result: Awaited<ReturnType<OAuthLibrary['processRefreshTokenResponse']>>;
  try {
    if (request.grant === 'refresh') {
      const response = await lib.refreshTokenGrantRequest(as, libClient, auth, request.refreshToken, http);
      result = await lib.processRefreshTokenResponse(as, libClient, response);
    } else {
      const verifier = request.codeVerifier ?? lib.nopkce;
      const callback = lib.validateAuthResponse(as, libClient, request.callback, request.state);
      const response = await lib.authorizationCodeGrantRequest(
        as,
        libClient,
        auth,
        callback,
        request.redirectUri,
        verifier,
        http,
      );
      result = await lib.processAuthorizationCodeResponse(as, libClient, response);
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (!answer) throw unreachableError(error, context);
    if (answer.status !== 200) throw tokenEndpointError(answer, context);
    // HTTP 200 that is an OAuth error after all (a provider's adapter kept the status).
    if (isRecord(answer.body) && typeof answer.body.error === 'string') throw tokenEndpointError(answer, context);
    throw invalidTokenResponseError((error as Error)?.message ?? String(error), context);
  }
  const scope = typeof result.scope === 'string' ? result.scope : undefined;
  return {
    accessToken: result.access_token,
    expiresIn: typeof result.expires_in === 'number' ? result.expires_in : undefined,
    refreshToken:
      typeof result.refresh_token === 'string' && result.refresh_token !== '' ? result.refresh_token : undefined,
    scopes: scope === undefined ? undefined : splitScopes(scope, settings.scopeSeparator),
  };
}
