import {
  type AccessTokenOptions,
  type CheckContext,
  type PluginOAuthContext,
  RetryableError,
} from '@life-stats/core/plugin';
import {
  type GoogleErrorContext,
  type GoogleErrorResponse,
  googleApiError,
  readGoogleErrorResponse,
  toGoogleError,
  unreachableGoogleError,
} from './google-errors.js';
import { googleOAuthManifest } from './oauth-manifest.js';

/**
 * The parts of a plugin context a Google session uses (a fetch context and a check context both
 * fit). `oauth` is core's `ctx.oauth`; without it (a plugin called outside core, a script) the
 * session makes its own from the secrets, with the same refresh, cache and rotation.
 */
export type GoogleSessionContext = Pick<CheckContext<unknown>, 'secrets' | 'signal' | 'log' | 'user'> & {
  oauth?: PluginOAuthContext | undefined;
};

/** Options of {@link createGoogleSession}. */
export interface GoogleSessionOptions {
  /** The plugin's id, for messages (`[plugin:google-fit-steps]`, `life-stats auth google-fit-steps`). */
  pluginId: string;
  /** The plugin's secrets namespace, for messages about the secrets to set. */
  namespace: string;
  /** The OAuth token endpoint (the entry's `tokenUrl`), when the session makes its own `ctx.oauth`. */
  tokenUrl: string;
  /**
   * Ask the token endpoint for a new access token in {@link GoogleSession.authorize} even when one
   * cached in this process is still valid, so the refresh token itself is proven (`check()`).
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
   * An authorized JSON request through `ctx.oauth.fetch` (a refused cached token is refreshed
   * once); resolves to the response body. Failures become the errors core acts on.
   */
  request<T>(request: GoogleRequest): Promise<T>;
  /** Get an access token from the token endpoint (or the cache), proving the grant works. */
  authorize(): Promise<void>;
  /** An access token, for a client of its own (the Fit plugin's googleapis client). */
  accessToken(options?: AccessTokenOptions): Promise<string>;
  /** What a googleapis (gaxios) call made with {@link GoogleSession.accessToken} threw, as core's errors. */
  mapError(error: unknown): unknown;
  /** Masks every secret this session knows (client secret, refresh and access tokens) in a text. */
  redact(text: string): string;
}

/**
 * A body that is not JSON (a truncated answer, an HTML page from a proxy) would pass for "no data"
 * and the cursor would move past days never read: fail the attempt instead (core retries it).
 */
export function notJsonError(
  pluginId: string,
  url: string,
  status: number,
  text: string,
  redact: (t: string) => string,
): Error {
  let where = 'the Google API';
  try {
    where = new URL(url).host;
  } catch {
    // keep the generic name
  }
  const excerpt = redact(text.replace(/\s+/g, ' ').trim().slice(0, 80));
  return new RetryableError(
    `[life-stats] [plugin:${pluginId}] ${where} answered HTTP ${status} with a body that is not JSON (truncated, or not from the Google API)${excerpt ? `: ${JSON.stringify(excerpt)}` : ''}; nothing was stored`,
    {
      hint: 'A truncated answer heals on the next run; if it persists, check that `apiRootUrl` points at the Google API.',
    },
  );
}

/**
 * Open a Google session for the user of `ctx`: access tokens from core's OAuth (`ctx.oauth`), with
 * the shared secrets `client_id`, `client_secret` and the user secret `token` (the refresh token).
 *
 * @throws {LifeStatsError} `E_SECRET_MISSING` when the OAuth client is not stored (naming where).
 * @throws {ReconnectRequiredError} when the user has no refresh token.
 */
export async function createGoogleSession(
  ctx: GoogleSessionContext,
  options: GoogleSessionOptions,
): Promise<GoogleSession> {
  const { pluginId, namespace, tokenUrl } = options;
  ctx.signal.throwIfAborted();
  // Imported here, not with the plugin: `validate`, `plugins` and a run's planning load every
  // Google plugin's manifest, and only a fetch or check opens a session (docs/performance.md).
  const { createOAuthSession, createRedactor, readGrantSecrets, resolveOAuthSettings } = await import(
    '@life-stats/core/oauth'
  );
  const plugin = { id: pluginId, secrets: { namespace }, oauth: googleOAuthManifest([]) };
  // Before any request: a user who never connected, or a deployment without a client, says so.
  const { client, refreshToken } = readGrantSecrets(
    resolveOAuthSettings(plugin, { tokenUrl }),
    ctx.secrets,
    ctx.user.id,
  );
  const redactor = createRedactor();
  redactor.add(client.clientSecret);
  redactor.add(refreshToken);
  const oauth =
    ctx.oauth ??
    createOAuthSession({
      plugin,
      config: { tokenUrl },
      userId: ctx.user.id,
      secrets: ctx.secrets,
      signal: ctx.signal,
      log: ctx.log,
      redactor,
    });
  const errors: GoogleErrorContext & { signal: AbortSignal } = {
    pluginId,
    userId: ctx.user.id,
    redact: redactor.redact,
    mapApiError: options.mapApiError,
    signal: ctx.signal,
  };
  const accessToken = async (tokenOptions?: AccessTokenOptions): Promise<string> => {
    const token = await oauth.accessToken(tokenOptions);
    redactor.add(token);
    return token;
  };

  return {
    async request<T>(request: GoogleRequest): Promise<T> {
      const method = request.method ?? 'GET';
      let response: Response;
      try {
        response = await oauth.fetch(request.url, {
          method,
          headers: {
            accept: 'application/json',
            ...(request.data === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(request.data === undefined ? {} : { body: JSON.stringify(request.data) }),
        });
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        // Core's errors (token endpoint, secrets) pass as they are; a network failure is worded here.
        if (error instanceof TypeError) throw unreachableGoogleError(error, request.url, errors);
        throw error;
      }
      const text = await response.text();
      if (!response.ok) {
        throw googleApiError(
          readGoogleErrorResponse({ status: response.status, data: text, headers: response.headers }, redactor.redact),
          errors,
        );
      }
      try {
        return (text === '' ? undefined : JSON.parse(text)) as T;
      } catch {
        throw notJsonError(pluginId, request.url, response.status, text, redactor.redact);
      }
    },
    async authorize(): Promise<void> {
      await accessToken(options.forceRefresh ? { forceRefresh: true } : {});
    },
    accessToken,
    mapError: (error) => toGoogleError(error, errors),
    redact: redactor.redact,
  };
}
