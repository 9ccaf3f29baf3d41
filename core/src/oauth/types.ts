/**
 * The OAuth 2.0 part of the plugin contract: what a manifest declares (`oauth`), and what a plugin
 * that declares it gets at fetch and check time (`ctx.oauth`). Core runs the consent, the code
 * exchange, the refresh and the rotation for every such plugin; see docs/plugins.md "OAuth 2.0".
 */

/** How the client authenticates at the token endpoint (RFC 6749 §2.3). */
export type OAuthClientAuth = 'client_secret_post' | 'client_secret_basic' | 'none';

/** An HTTP answer of a token endpoint, as an {@link OAuthAdapter} reads and rewrites it. */
export interface OAuthTokenAnswer {
  status: number;
  /** The body parsed as JSON, else the raw text. */
  body: unknown;
  /** The answer's headers (read-only; `retry-after` is honoured from here). */
  headers: Headers;
}

/**
 * Provider quirks, adapted in the plugin's own code (DESIGN.md "OAuth 2.0 sources"). Every member is
 * optional; a provider that follows RFC 6749 needs none.
 */
export interface OAuthAdapter {
  /**
   * Rewrite a token endpoint answer into the shape of RFC 6749 §5.1 (success: HTTP 200 with
   * `access_token`, `token_type`, `expires_in`, `refresh_token`, `scope`) or §5.2 (failure: HTTP
   * 400 with `{ error, error_description }`) before core reads it. Return `undefined` to keep it.
   *
   * Core acts on the rewritten `error`: `invalid_grant` (revoked, expired, already used) ends the
   * pair as `reconnect` with the `life-stats auth` command; `invalid_client` and
   * `unauthorized_client` name the client secrets; HTTP 429, 5xx and `temporarily_unavailable` are
   * retried (waiting `Retry-After`); anything else fails the pair.
   *
   * @example Withings wraps everything in HTTP 200 `{ status, body }`:
   * ```ts
   * tokenResponse: ({ body }) => {
   *   const { status, body: inner, error } = body as { status: number; body?: object; error?: string };
   *   if (status === 0) return { status: 200, body: { token_type: 'Bearer', ...inner } };
   *   return { status: status === 601 ? 429 : 400, body: { error: status === 601 ? 'temporarily_unavailable' : 'invalid_grant', error_description: error } };
   * }
   * ```
   */
  tokenResponse?(answer: OAuthTokenAnswer): Pick<OAuthTokenAnswer, 'status' | 'body'> | undefined;
  /**
   * Does an API answer say the access token was refused? `ctx.oauth.fetch` then gets a new token
   * once and sends the request again. Read a body only through `response.clone()`.
   * @default `response.status === 401`
   */
  isUnauthorized?(response: Response): boolean | Promise<boolean>;
}

/** The secret names an OAuth plugin keeps its client and grant in, inside its namespace. */
export interface OAuthSecretNames {
  /** Shared secret: the OAuth client id. @default 'client_id' */
  clientId?: string;
  /** Shared secret: the OAuth client secret (not read with `clientAuth: 'none'`). @default 'client_secret' */
  clientSecret?: string;
  /** User secret: the refresh token `life-stats auth` stores and core rotates. @default 'token' */
  refreshToken?: string;
}

/**
 * The `oauth` field of a manifest: a plugin whose users connect with OAuth 2.0 (authorization
 * code grant, refresh tokens). Declaring it gives the plugin `life-stats auth <plugin> --user U`
 * (loopback consent with `state` and PKCE), token refresh with caching, rotation written back to
 * the secret store, `reconnect` on a revoked grant, and `ctx.oauth` at fetch and check time.
 *
 * Its secret names are declared for the plugin automatically (`clientId`, `clientSecret` shared,
 * `refreshToken` per user), in the plugin's `secrets.namespace`.
 */
export interface PluginOAuth<Config = Record<string, unknown>> {
  /** The provider's name, for messages (`Google`, `Oura`, `Withings`, `Strava`). */
  provider: string;
  /**
   * The consent page (authorization endpoint) of the real provider, or a function of the entry's
   * config for one that lives beside the API (`apiRootUrl`).
   */
  authUrl: string | ((config: Config) => string);
  /**
   * The token endpoint of the real provider, or a function of the entry's config: Withings' is on
   * its API origin, `(config) => new URL('v2/oauth2', config.apiRootUrl).href`.
   */
  tokenUrl: string | ((config: Config) => string);
  /**
   * Entry config keys that override `authUrl` / `tokenUrl` (a proxy, a local fake): a string
   * value under that key replaces the default. `false` turns an override off.
   * @default { authUrl: 'authUrl', tokenUrl: 'tokenUrl' }
   */
  configKeys?: { authUrl?: string | false; tokenUrl?: string | false };
  /** @deprecated Use `configKeys.tokenUrl`. */
  tokenUrlConfigKey?: string;
  /**
   * The scopes an entry needs: a list, or a function of the entry's validated config (a plugin
   * whose `dataType`s need different scopes). `life-stats auth` asks for the union over every
   * enabled entry of the plugin's namespace, so one consent serves them all.
   */
  scopes: readonly string[] | ((config: Config) => readonly string[]);
  /** How scopes are joined in the consent URL and split in answers (Strava, Withings: `,`). @default ' ' */
  scopeSeparator?: string;
  /** Send a PKCE S256 challenge with the consent and its verifier with the code (RFC 7636). @default true */
  pkce?: boolean;
  /** Client authentication at the token endpoint. @default 'client_secret_post' */
  clientAuth?: OAuthClientAuth;
  /**
   * Extra parameters of the consent URL: Google's `{ access_type: 'offline', prompt: 'consent' }`
   * (else no refresh token on a second consent), Strava's `{ approval_prompt: 'force' }`.
   */
  authParams?: Readonly<Record<string, string>>;
  /** Extra form parameters of every token request (Withings: `{ action: 'requesttoken' }`). */
  tokenParams?: Readonly<Record<string, string>>;
  /** Where a user sees and removes the access they granted, for hints (Google's `myaccount.google.com/permissions`). */
  permissionsUrl?: string;
  /** Secret names. */
  secrets?: OAuthSecretNames;
  /** A provider's departures from RFC 6749. */
  adapter?: OAuthAdapter;
}

/** Options of {@link PluginOAuthContext.accessToken}. */
export interface AccessTokenOptions {
  /**
   * Ask the token endpoint even when a cached access token is still valid (`check()` proving the
   * grant, or an API that refused the token in its own way).
   * @default false
   */
  forceRefresh?: boolean;
}

/**
 * `ctx.oauth`: what an OAuth plugin (one with a manifest `oauth`) gets at fetch and check time.
 * Both members honour `ctx.signal`.
 */
export interface PluginOAuthContext {
  /**
   * A valid access token for `ctx.user`. Cached for the run and across warm Lambda invocations
   * (per grant), refreshed near its expiry. A refresh token the provider rotates is written to the
   * secret store before this resolves.
   *
   * @throws {ReconnectRequiredError} when the user has not connected, the grant is revoked or
   *   expired (`invalid_grant`), or it lacks a scope the entry needs.
   * @throws {RetryableError} when the token endpoint is unreachable, rate-limited or failing (5xx).
   */
  accessToken(options?: AccessTokenOptions): Promise<string>;
  /**
   * `fetch(url, init)` with `Authorization: Bearer <access token>` and `ctx.signal` (combined with
   * `init.signal`). When the API refuses a cached token (HTTP 401, or the adapter's
   * `isUnauthorized`), it gets a new one once and sends the request again, so a body must be
   * replayable (a string, `URLSearchParams`, bytes — not a stream). Other answers are returned as
   * they are: the plugin maps them.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
}
