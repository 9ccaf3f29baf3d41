import { createHash } from 'node:crypto';
import { type CheckContext, LifeStatsError, ReconnectRequiredError, RetryableError } from '@life-stats/core';
import type { OAuth2Client } from 'google-auth-library';
import { authCommand, createScrubber, type GoogleErrorResponse, toGoogleError } from './google-errors.js';
import { GOOGLE_SECRET_NAMES } from './oauth-manifest.js';

/** The parts of a plugin context a Google session uses (a fetch context and a check context both fit). */
export type GoogleSessionContext = Pick<CheckContext<unknown>, 'secrets' | 'signal' | 'log' | 'user'>;

/** Options of {@link createGoogleSession}. */
export interface GoogleSessionOptions {
  /** The plugin's id, for messages (`[plugin:google-fit-steps]`, `life-stats auth google-fit-steps`). */
  pluginId: string;
  /** The plugin's secrets namespace, for messages about the secrets to set. */
  namespace: string;
  /** The OAuth token endpoint (the entry's `tokenUrl`). */
  tokenUrl: string;
  /**
   * Ask the token endpoint for a new access token even when one cached in this process is still
   * valid, so the refresh token itself is proven (`check()`).
   * @default false
   */
  forceRefresh?: boolean;
  /** The plugin's own reading of an API error, before the generic one (Fit: "the API is turned down"). */
  mapApiError?: (response: GoogleErrorResponse) => Error | undefined;
}

/** A JSON request to a Google API. */
export interface GoogleRequest {
  url: string;
  /** @default 'GET' */
  method?: 'GET' | 'POST';
  /** Sent as JSON. */
  data?: unknown;
}

/** One user's authorized access to Google for one fetch or check. */
export interface GoogleSession {
  /**
   * The OAuth client, to hand to a `googleapis` API client. Its requests honour `ctx.signal` and
   * never retry on their own (core does). Use it inside {@link GoogleSession.call}.
   */
  readonly client: OAuth2Client;
  /**
   * Run requests made with `client`: errors become the ones core acts on (see `toGoogleError`),
   * and a refresh token Google rotated meanwhile is written back with `ctx.secrets.set`.
   */
  call<T>(fn: (client: OAuth2Client) => Promise<T>): Promise<T>;
  /** An authorized JSON request, through {@link GoogleSession.call}; resolves to the response body. */
  request<T>(request: GoogleRequest): Promise<T>;
  /** Get an access token from the token endpoint (or the cache), proving the grant works. */
  authorize(): Promise<void>;
}

interface CachedToken {
  accessToken: string;
  expiryDate: number;
}

/**
 * Access tokens live about an hour; a backfill fetches several chunks and a warm Lambda runs again
 * within that hour, so each would otherwise ask the token endpoint again. Keyed by a hash of the
 * token endpoint, client and refresh token, so no entry is ever shared between grants.
 */
const accessTokens = new Map<string, CachedToken>();
/** A cached token this close to expiry is not used. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

function cacheKey(tokenUrl: string, clientId: string, refreshToken: string): string {
  return createHash('sha256').update(`${tokenUrl}\n${clientId}\n${refreshToken}`).digest('hex');
}

/**
 * gaxios hands back a body it could not parse as JSON as a string (a truncated answer, an HTML page
 * from a proxy). Read as an object it has no field, so it would pass for "no steps" and the cursor
 * would move past days never read: fail the attempt instead (core retries it).
 */
function notJsonError(result: unknown, pluginId: string, scrub: (text: string) => string): Error | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { data, status, config } = result as { data?: unknown; status?: unknown; config?: { url?: unknown } };
  if (typeof status !== 'number' || config === undefined || typeof data !== 'string') return undefined;
  let where = 'the Google API';
  try {
    where = new URL(String(config.url)).host;
  } catch {
    // keep the generic name
  }
  const excerpt = scrub(data.replace(/\s+/g, ' ').trim().slice(0, 80));
  return new RetryableError(
    `[life-stats] [plugin:${pluginId}] ${where} answered HTTP ${status} with a body that is not JSON (truncated, or not from the Google API)${excerpt ? `: ${JSON.stringify(excerpt)}` : ''}; nothing was stored`,
    {
      hint: 'A truncated answer heals on the next run; if it persists, check that `apiRootUrl` points at the Google API.',
    },
  );
}

function missingClientError(options: GoogleSessionOptions, missing: string[]): LifeStatsError {
  const { pluginId, namespace } = options;
  const names = missing.map((name) => `"${name}"`).join(' and ');
  const paths = missing.map((name) => `/life-stats/${namespace}/${name}`).join(', ');
  const commands = missing.map((name) => `\`life-stats secrets set ${namespace} ${name}\``).join(' and ');
  const plural = missing.length > 1;
  return new LifeStatsError(
    'E_SECRET_MISSING',
    `[life-stats] [plugin:${pluginId}] the Google OAuth client is not configured: the shared secret${plural ? 's' : ''} ${names} of namespace "${namespace}" ${plural ? 'are' : 'is'} not set (on AWS: SSM SecureString ${paths}, under your prefix).`,
    { hint: `Create an OAuth client in Google Cloud (see docs/google.md), then run ${commands}.` },
  );
}

/**
 * Open a Google session for the user of `ctx`: an `OAuth2Client` (google-auth-library) built from
 * the shared secrets `client_id`, `client_secret` and the user secret `token` (the refresh token),
 * refreshing access tokens at `options.tokenUrl`.
 *
 * @throws {LifeStatsError} `E_SECRET_MISSING` when the OAuth client is not stored.
 * @throws {ReconnectRequiredError} when the user has no refresh token.
 */
export async function createGoogleSession(
  ctx: GoogleSessionContext,
  options: GoogleSessionOptions,
): Promise<GoogleSession> {
  const { pluginId, namespace, tokenUrl } = options;
  ctx.signal.throwIfAborted();
  const clientId = ctx.secrets.get(GOOGLE_SECRET_NAMES.clientId);
  const clientSecret = ctx.secrets.get(GOOGLE_SECRET_NAMES.clientSecret);
  const missing = [
    ...(clientId ? [] : [GOOGLE_SECRET_NAMES.clientId]),
    ...(clientSecret ? [] : [GOOGLE_SECRET_NAMES.clientSecret]),
  ];
  if (!clientId || !clientSecret) throw missingClientError(options, missing);
  let refreshToken = ctx.secrets.get(GOOGLE_SECRET_NAMES.refreshToken);
  if (!refreshToken) {
    throw new ReconnectRequiredError(
      `[life-stats] [plugin:${pluginId}] user "${ctx.user.id}" has not connected a Google account yet (no "${GOOGLE_SECRET_NAMES.refreshToken}" in namespace "${namespace}"). Run \`${authCommand(pluginId, ctx.user.id)}\`.`,
      { hint: `Run \`${authCommand(pluginId, ctx.user.id)}\`.` },
    );
  }

  const scrubber = createScrubber();
  for (const value of [clientSecret, refreshToken]) scrubber.add(value);

  // Loaded here, not at the top: a Lambda whose run does not include this plugin never pays for it.
  const { OAuth2Client } = await import('google-auth-library');
  ctx.signal.throwIfAborted();

  let key = cacheKey(tokenUrl, clientId, refreshToken);
  const cached = options.forceRefresh ? undefined : accessTokens.get(key);
  const usable = cached && cached.expiryDate - EXPIRY_MARGIN_MS > Date.now() ? cached : undefined;
  const client = new OAuth2Client({
    clientId,
    clientSecret,
    endpoints: { oauth2TokenUrl: tokenUrl },
    // Defaults of every request this client sends, the token refresh included: the fetch's signal,
    // and no retries of gaxios' own — core retries with backoff and its own budget.
    transporterOptions: { signal: ctx.signal, retryConfig: { retry: 0 } },
    // A cached token may have been revoked meanwhile: on a 401 get a fresh one once before failing.
    forceRefreshOnFailure: usable !== undefined,
  });
  client.setCredentials({
    refresh_token: refreshToken,
    ...(usable ? { access_token: usable.accessToken, expiry_date: usable.expiryDate, token_type: 'Bearer' } : {}),
  });
  if (usable) scrubber.add(usable.accessToken);

  let rotated: string | undefined;
  client.on('tokens', (tokens) => {
    if (tokens.access_token) scrubber.add(tokens.access_token);
    // Read now: google-auth-library overwrites `refresh_token` on this same object with the old one.
    if (tokens.refresh_token && tokens.refresh_token !== refreshToken) {
      rotated = tokens.refresh_token;
      scrubber.add(rotated);
    }
  });

  /** Store a refresh token Google rotated; the old one may stop working any time now. */
  const persistRotation = async (): Promise<void> => {
    if (!rotated) return;
    const value = rotated;
    rotated = undefined;
    accessTokens.delete(key);
    refreshToken = value;
    key = cacheKey(tokenUrl, clientId, value);
    client.setCredentials({ ...client.credentials, refresh_token: value });
    await ctx.secrets.set(GOOGLE_SECRET_NAMES.refreshToken, value);
    ctx.log.info('Google issued a new refresh token; stored it in place of the old one');
  };

  const remember = (): void => {
    const { access_token: accessToken, expiry_date: expiryDate } = client.credentials;
    if (accessToken && typeof expiryDate === 'number') accessTokens.set(key, { accessToken, expiryDate });
  };

  const errorContext = {
    pluginId,
    namespace,
    userId: ctx.user.id,
    tokenUrl,
    signal: ctx.signal,
    scrub: scrubber.scrub,
    mapApiError: options.mapApiError,
  };

  const call = async <T>(fn: (client: OAuth2Client) => Promise<T>): Promise<T> => {
    let result: T;
    try {
      result = await fn(client);
    } catch (error) {
      // Even when the API call failed, the refresh before it may have rotated the token. Its own
      // failure is logged, and the request's error (what the run reports) is kept.
      await persistRotation().catch((writeError: unknown) => {
        ctx.log.error(
          `could not store the refresh token Google rotated; the next run may need \`${authCommand(pluginId, ctx.user.id)}\`: ${scrubber.scrub(String((writeError as Error)?.message ?? writeError))}`,
        );
      });
      const mapped = toGoogleError(error, errorContext);
      if ((mapped as { code?: unknown } | undefined)?.code === 'E_RECONNECT_REQUIRED') accessTokens.delete(key);
      throw mapped;
    }
    await persistRotation();
    remember();
    const notJson = notJsonError(result, pluginId, scrubber.scrub);
    if (notJson) throw notJson;
    return result;
  };

  return {
    client,
    call,
    async request<T>(request: GoogleRequest): Promise<T> {
      const response = await call((c) =>
        c.request<T>({
          url: request.url,
          method: request.method ?? 'GET',
          ...(request.data === undefined ? {} : { data: request.data }),
          responseType: 'json',
        }),
      );
      return response.data;
    },
    async authorize(): Promise<void> {
      await call((c) => c.getAccessToken());
    },
  };
}
