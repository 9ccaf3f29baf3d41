// Over 300 lines: one provider's state, its two endpoints and the controls a test turns are one
// closure; about half of the file is the documented options and interface of the kit's public API.
import { createHash, randomBytes } from 'node:crypto';
import { type FakeRequest, type FakeResponse, type FakeRoutes, startFakeServer } from './fake-server.js';

/**
 * A fake OAuth 2.0 provider for plugin tests (RFC 6749 §4.1 authorization code grant, §6 refresh,
 * RFC 7636 PKCE), on top of {@link startFakeServer}: a consent page that redirects with a code, a
 * token endpoint that exchanges it and refreshes, rotation and revocation on demand, error bodies in
 * the provider's own shape, and the provider's API routes beside them.
 *
 * ```ts
 * const provider = await startFakeOAuthProvider({
 *   routes: { 'GET /v1/daily': (req) => provider.authorized(req) ? { json: { days } } : { status: 401 } },
 * });
 * // manifest: oauth: { authUrl, tokenUrl } ← config { authUrl: provider.authUrl, tokenUrl: provider.tokenUrl }
 * ```
 */

/** An OAuth error the token endpoint answers with (RFC 6749 §5.2 codes). */
export interface FakeOAuthError {
  status: number;
  error: 'invalid_grant' | 'invalid_client' | 'invalid_request' | 'unsupported_grant_type' | (string & {});
  description: string;
}

/** What a refresh or code exchange grants, before {@link FakeOAuthProviderOptions.tokenShape} wraps it. */
export interface FakeTokenBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

/** Options of {@link startFakeOAuthProvider}. */
export interface FakeOAuthProviderOptions {
  /** @default 'fake-client-id' */
  clientId?: string;
  /** @default 'fake-client-secret' */
  clientSecret?: string;
  /**
   * Refresh tokens it accepts from the start, each with the scopes of its grant (`undefined`: the
   * token endpoint does not report scopes for it).
   * @default { 'fake-refresh-token': undefined }
   */
  grants?: Record<string, readonly string[] | undefined>;
  /** Require a PKCE S256 challenge with the consent and its verifier with the code. @default true */
  pkce?: boolean;
  /** How the client must authenticate. @default 'client_secret_post' */
  clientAuth?: 'client_secret_post' | 'client_secret_basic' | 'none';
  /** Replace the refresh token on every refresh and retire the old one (Oura, Strava). @default false */
  rotate?: boolean;
  /** Joins scopes in answers and splits the consent's `scope`. @default ' ' */
  scopeSeparator?: string;
  /** Report `scope` in token answers (Google does on refresh). @default true */
  reportScope?: boolean;
  /** `expires_in` of access tokens, in seconds. @default 3600 */
  accessTokenTtl?: number;
  /** Shape a token endpoint failure as the provider does. @default RFC 6749 §5.2 JSON */
  errorShape?: (error: FakeOAuthError) => FakeResponse;
  /** Shape a token endpoint success as the provider does (Withings wraps it). @default the body as JSON */
  tokenShape?: (body: FakeTokenBody) => FakeResponse;
  /** Extra form parameters every token request must carry (Withings: `{ action: 'requesttoken' }`). */
  requireTokenParams?: Record<string, string>;
  /** @default { authorize: '/oauth/authorize', token: '/oauth/token' } */
  paths?: { authorize?: string; token?: string };
  /** The provider's API, served beside the OAuth endpoints; check `provider.authorized(request)`. */
  routes?: FakeRoutes;
}

/** Which endpoint an injected answer replaces. */
export type FakeOAuthRoute = 'authorize' | 'token';

/** A running fake provider. */
export interface FakeOAuthProvider {
  /** Origin, no trailing slash. */
  readonly url: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Every access token issued (all secrets, for "no secret leaked" checks). */
  readonly accessTokens: ReadonlySet<string>;
  /** Every refresh token issued or accepted, retired ones included. */
  readonly refreshTokens: ReadonlySet<string>;
  /** Refresh tokens accepted now. */
  liveRefreshTokens(): string[];
  /** Requests to the authorization or token endpoint. */
  requestsTo(route: FakeOAuthRoute): FakeRequest[];
  /** Does `request` carry `Authorization: Bearer <a live access token>`? */
  authorized(request: FakeRequest): boolean;
  /**
   * The grant behind the bearer token of `request`, named by its first refresh token (the one in
   * `grants`, or the one the code exchange issued) and kept across rotations, so an API route can
   * serve each user their own data. `undefined` without a live access token.
   */
  grantOf(request: FakeRequest): string | undefined;
  /** Accept another refresh token (a grant made elsewhere), with its scopes. */
  addGrant(refreshToken: string, scopes?: readonly string[]): void;
  /** The next refresh of `refreshToken` (any, when left out) returns a new refresh token and retires it. */
  rotateOnNextRefresh(refreshToken?: string): void;
  /** Revoke a refresh token: its next refresh is `invalid_grant`. */
  revoke(refreshToken: string): void;
  /** Let every access token issued so far expire: the API refuses them, a refresh gets new ones. */
  expireAccessTokens(): void;
  /** The consent page answers like a user who clicked "Deny". */
  denyConsent(): void;
  /** Grant only these scopes at the next consents (a user who unticked some). */
  grantOnly(scopes: readonly string[]): void;
  /** The code exchange answers without a refresh token. */
  omitRefreshTokenOnExchange(): void;
  /** Answer the next `times` requests to `route` with `response`. */
  inject(route: FakeOAuthRoute, response: FakeResponse, times?: number): void;
  /** Play the browser: open a consent URL, follow the redirect to the app, return its page. */
  approve(consentUrl: string): Promise<{ status: number; text: string }>;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

interface Grant {
  /** The grant's first refresh token: its name for {@link FakeOAuthProvider.grantOf}. */
  id: string;
  scopes: readonly string[] | undefined;
}

function basicCredentials(header: unknown): { id: string; secret: string } | undefined {
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return undefined;
  const [id, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  if (id === undefined || secret === undefined) return undefined;
  return { id: decodeURIComponent(id.replace(/\+/g, ' ')), secret: decodeURIComponent(secret.replace(/\+/g, ' ')) };
}

function bearer(request: FakeRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/** Start a fake OAuth provider on `127.0.0.1` (an ephemeral port). */
export async function startFakeOAuthProvider(options: FakeOAuthProviderOptions = {}): Promise<FakeOAuthProvider> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const pkce = options.pkce ?? true;
  const clientAuth = options.clientAuth ?? 'client_secret_post';
  const separator = options.scopeSeparator ?? ' ';
  const reportScope = options.reportScope ?? true;
  const ttl = options.accessTokenTtl ?? 3600;
  const paths = { authorize: '/oauth/authorize', token: '/oauth/token', ...options.paths };
  const errorShape =
    options.errorShape ??
    ((e: FakeOAuthError): FakeResponse => ({
      status: e.status,
      json: { error: e.error, error_description: e.description },
    }));
  const tokenShape = options.tokenShape ?? ((body: FakeTokenBody): FakeResponse => ({ json: body }));

  const live = new Map<string, Grant>(
    Object.entries(options.grants ?? { 'fake-refresh-token': undefined }).map(([t, s]) => [t, { id: t, scopes: s }]),
  );
  const everRefresh = new Set<string>(live.keys());
  const accessTokens = new Set<string>();
  const grantOfAccess = new Map<string, Grant>();
  const expired = new Set<string>();
  const codes = new Map<string, { redirectUri: string; challenge: string | undefined; scopes: string[] }>();
  const rotateNext = new Set<string | '*'>();
  const injected: Record<FakeOAuthRoute, { response: FakeResponse; left: number }[]> = { authorize: [], token: [] };
  let deny = false;
  let only: readonly string[] | undefined;
  let omitRefresh = false;
  let issued = 0;

  const take = (route: FakeOAuthRoute): FakeResponse | undefined => {
    const next = injected[route][0];
    if (!next) return undefined;
    next.left -= 1;
    if (next.left <= 0) injected[route].shift();
    return next.response;
  };
  const newRefresh = (): string => {
    const token = `fake-refresh-${randomBytes(8).toString('hex')}`;
    everRefresh.add(token);
    return token;
  };
  const issue = (grant: Grant, refreshToken: string | undefined): FakeResponse => {
    issued += 1;
    const accessToken = `fake-access-${issued}-${randomBytes(6).toString('hex')}`;
    accessTokens.add(accessToken);
    grantOfAccess.set(accessToken, grant);
    return tokenShape({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(reportScope && grant.scopes ? { scope: grant.scopes.join(separator) } : {}),
    });
  };

  const authorize = (request: FakeRequest): FakeResponse => {
    const q = request.query;
    if (q.client_id !== clientId) return { status: 400, body: 'invalid_client: unknown client_id' };
    let target: URL;
    try {
      target = new URL(q.redirect_uri ?? '');
    } catch {
      return { status: 400, body: 'invalid_request: redirect_uri is not a URL' };
    }
    if (q.state) target.searchParams.set('state', q.state);
    if (deny) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied access');
      return { status: 302, headers: { location: target.href } };
    }
    if (q.response_type !== 'code') return { status: 400, body: 'unsupported_response_type' };
    if (pkce && (q.code_challenge_method !== 'S256' || !q.code_challenge))
      return { status: 400, body: 'invalid_request: a S256 code_challenge is required' };
    const asked = (q.scope ?? '')
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean);
    const scopes = only ? asked.filter((s) => only?.includes(s)) : asked;
    const code = `fake-code-${randomBytes(8).toString('hex')}`;
    codes.set(code, { redirectUri: q.redirect_uri ?? '', challenge: q.code_challenge, scopes });
    target.searchParams.set('code', code);
    return { status: 302, headers: { location: target.href } };
  };

  const authenticated = (request: FakeRequest): boolean => {
    const form = request.form ?? {};
    if (clientAuth === 'client_secret_basic') {
      const basic = basicCredentials(request.headers.authorization);
      return basic?.id === clientId && basic.secret === clientSecret;
    }
    if (form.client_id !== clientId) return false;
    return clientAuth === 'none' || form.client_secret === clientSecret;
  };

  const token = (request: FakeRequest): FakeResponse => {
    const form = request.form ?? {};
    const fail = (status: number, error: FakeOAuthError['error'], description: string) =>
      errorShape({ status, error, description });
    for (const [name, value] of Object.entries(options.requireTokenParams ?? {})) {
      if (form[name] !== value) return fail(400, 'invalid_request', `${name} must be ${value}`);
    }
    if (!authenticated(request)) return fail(401, 'invalid_client', 'Client authentication failed');
    if (form.grant_type === 'refresh_token') {
      const presented = form.refresh_token ?? '';
      const grant = live.get(presented);
      if (!grant) return fail(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked');
      let next: string | undefined;
      if (options.rotate || rotateNext.has(presented) || rotateNext.has('*')) {
        rotateNext.delete(presented);
        rotateNext.delete('*');
        live.delete(presented);
        next = newRefresh();
        live.set(next, grant);
      }
      return issue(grant, next);
    }
    if (form.grant_type === 'authorization_code') {
      const pending = codes.get(form.code ?? '');
      if (!pending) return fail(400, 'invalid_grant', 'The authorization code is invalid or was used');
      codes.delete(form.code ?? '');
      if (pending.redirectUri !== form.redirect_uri) return fail(400, 'invalid_grant', 'redirect_uri does not match');
      if (pending.challenge !== undefined) {
        const challenge = createHash('sha256')
          .update(form.code_verifier ?? '')
          .digest('base64url');
        if (challenge !== pending.challenge) return fail(400, 'invalid_grant', 'PKCE verification failed');
      }
      if (omitRefresh) return issue({ id: `grant-without-refresh-${issued + 1}`, scopes: pending.scopes }, undefined);
      const refreshToken = newRefresh();
      const grant: Grant = { id: refreshToken, scopes: pending.scopes };
      live.set(refreshToken, grant);
      return issue(grant, refreshToken);
    }
    return fail(400, 'unsupported_grant_type', `grant_type ${form.grant_type ?? '(none)'}`);
  };

  const server = await startFakeServer({
    [`GET ${paths.authorize}`]: (request) => take('authorize') ?? authorize(request),
    [`POST ${paths.token}`]: (request) => take('token') ?? token(request),
    ...options.routes,
  });

  return {
    url: server.url,
    authUrl: `${server.url}${paths.authorize}`,
    tokenUrl: `${server.url}${paths.token}`,
    clientId,
    clientSecret,
    requests: server.requests,
    accessTokens,
    refreshTokens: everRefresh,
    liveRefreshTokens: () => [...live.keys()],
    requestsTo: (route) => server.requests.filter((r) => r.path === paths[route]),
    authorized(request) {
      const presented = bearer(request);
      return presented !== undefined && accessTokens.has(presented) && !expired.has(presented);
    },
    grantOf(request) {
      const presented = bearer(request);
      if (presented === undefined || expired.has(presented)) return undefined;
      return grantOfAccess.get(presented)?.id;
    },
    addGrant(refreshToken, scopes) {
      live.set(refreshToken, { id: refreshToken, scopes });
      everRefresh.add(refreshToken);
    },
    rotateOnNextRefresh(refreshToken) {
      rotateNext.add(refreshToken ?? '*');
    },
    revoke(refreshToken) {
      live.delete(refreshToken);
    },
    expireAccessTokens() {
      for (const t of accessTokens) expired.add(t);
    },
    denyConsent() {
      deny = true;
    },
    grantOnly(scopes) {
      only = [...scopes];
    },
    omitRefreshTokenOnExchange() {
      omitRefresh = true;
    },
    inject(route, response, times = 1) {
      injected[route].push({ response, left: times });
    },
    async approve(consentUrl) {
      const response = await fetch(consentUrl);
      return { status: response.status, text: await response.text() };
    },
    hold: () => server.hold(),
    release: () => server.release(),
    close: () => server.close(),
  };
}
