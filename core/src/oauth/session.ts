import { hasErrorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { PluginSecrets } from '../plugins/types.js';
import { missingClientError, missingScopeError, notConnectedError, rotationNotStoredError } from './grant-errors.js';
import { entryScopes, missingScopes, type OAuthPlugin, type OAuthSettings, resolveOAuthSettings } from './settings.js';
import { accessEntry, type CachedAccess, grantKey, type Successor, tokenCache } from './token-cache.js';
import { type OAuthClientCredentials, requestTokens } from './token-request.js';
import type { AccessTokenOptions, PluginOAuth, PluginOAuthContext } from './types.js';

/** Options of {@link createOAuthSession}. */
export interface OAuthSessionOptions {
  /** The plugin (its id, `secrets.namespace` and `oauth`). */
  plugin: OAuthPlugin;
  /** The entry's validated config: endpoint overrides and the scopes it needs. */
  config: Record<string, unknown>;
  userId: string;
  /** The plugin's `ctx.secrets`: the client and refresh token are read, a rotated token written, through it. */
  secrets: PluginSecrets;
  /** The fetch's signal. */
  signal: AbortSignal;
  log: Logger;
  /** The run's redactor: learns every token before a message could show it. */
  redactor?: Redactor;
  /**
   * Read the user's stored refresh token again, past caches. When the provider refuses the token
   * this run holds, a concurrent run may have rotated it: the stored one is tried before giving up.
   */
  reread?: () => Promise<string | undefined>;
  /** Runs before every API request of `fetch` (a rate budget that counts requests); token requests do not count. */
  beforeRequest?: (signal: AbortSignal) => Promise<void>;
}

/** A refresh is not tied to one caller's signal (its rotation must be stored), but it does end. */
const REFRESH_TIMEOUT_MS = 60_000;
/** Successors followed at most, against a cycle. */
const MAX_SUCCESSORS = 10;

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The shared secrets and the refresh token of a user's grant, or the error that says what to do.
 *
 * @throws {LifeStatsError} `E_SECRET_MISSING` without the OAuth client.
 * @throws {ReconnectRequiredError} without a refresh token.
 */
export function readGrantSecrets(
  settings: OAuthSettings,
  secrets: PluginSecrets,
  userId: string,
): { client: OAuthClientCredentials; refreshToken: string } {
  const names = settings.secrets;
  const clientId = secrets.get(names.clientId);
  const clientSecret = settings.clientAuth === 'none' ? undefined : secrets.get(names.clientSecret);
  const missing = [
    ...(clientId ? [] : [names.clientId]),
    ...(clientSecret || settings.clientAuth === 'none' ? [] : [names.clientSecret]),
  ];
  if (!clientId || missing.length > 0) throw missingClientError(settings, missing, secrets);
  const refreshToken = secrets.get(names.refreshToken);
  if (!refreshToken) throw notConnectedError(settings, userId);
  return { client: { clientId, clientSecret }, refreshToken };
}

/**
 * `ctx.oauth` for one user of one entry of an OAuth plugin. Cheap to create (per attempt): what it
 * knows of tokens lives in the process-wide cache of `token-cache.ts`.
 *
 * A refresh: single-flight per grant; a refused refresh token is retried once with the stored one
 * when a concurrent run rotated it; a rotated refresh token is written through `secrets.set` before
 * the new access token is handed out (and if that write fails, the pair fails and nothing is sent
 * with it); the scopes the provider reports are checked against the entry's.
 */
export function createOAuthSession(options: OAuthSessionOptions): PluginOAuthContext {
  const settings = resolveOAuthSettings(options.plugin, options.config);
  const oauth = options.plugin.oauth as PluginOAuth;
  const { secrets, signal, log, userId } = options;
  const remember = (value: string | undefined) => options.redactor?.add(value);
  const redact = (text: string) => options.redactor?.redact(text) ?? text;
  const needed = entryScopes(oauth, options.config);

  /** Write a successor through `ctx.secrets`, once; the error stops the pair. */
  const persist = async (successor: Successor): Promise<void> => {
    if (successor.stored) return;
    const where = secrets.where(settings.secrets.refreshToken);
    try {
      await secrets.set(settings.secrets.refreshToken, successor.refreshToken);
    } catch (error) {
      throw rotationNotStoredError(settings, userId, where, error);
    }
    successor.stored = true;
    log.info(`${settings.provider} issued a new refresh token; stored it in place of the old one (${where})`);
  };

  const refresh = async (client: OAuthClientCredentials, held: string): Promise<CachedAccess> => {
    const detached = AbortSignal.timeout(REFRESH_TIMEOUT_MS);
    const request = (refreshToken: string) =>
      requestTokens(
        { grant: 'refresh', refreshToken },
        { settings, client, signal: detached, remember, redact, userId },
      );
    let presented = held;
    let tokens: Awaited<ReturnType<typeof request>>;
    try {
      tokens = await request(presented);
    } catch (error) {
      const stored = hasErrorCode(error, 'E_RECONNECT_REQUIRED')
        ? await options.reread?.().catch(() => undefined)
        : undefined;
      if (!stored || stored === presented) throw error;
      remember(stored);
      log.info('the stored refresh token changed since this run read it (another process rotated it); using that one');
      tokenCache.setSuccessor(grantKey(settings.tokenUrl, client.clientId, presented), {
        refreshToken: stored,
        stored: true,
      });
      presented = stored;
      tokens = await request(presented);
    }
    remember(tokens.accessToken);
    const entry = accessEntry(tokens.accessToken, tokens.expiresIn, tokens.scopes);
    if (tokens.refreshToken && tokens.refreshToken !== presented) {
      remember(tokens.refreshToken);
      const successor: Successor = { refreshToken: tokens.refreshToken, stored: false };
      // Known before the write: if it fails, the next session of this grant in this process stores
      // it first instead of presenting the old one.
      tokenCache.setSuccessor(grantKey(settings.tokenUrl, client.clientId, presented), successor);
      await persist(successor);
      tokenCache.set(grantKey(settings.tokenUrl, client.clientId, tokens.refreshToken), entry);
    }
    // Also under the token presented (and the one held, if a reread replaced it): sessions that
    // loaded their secrets before the rotation reuse the access token instead of refreshing again.
    tokenCache.set(grantKey(settings.tokenUrl, client.clientId, presented), entry);
    if (presented !== held) tokenCache.set(grantKey(settings.tokenUrl, client.clientId, held), entry);
    return entry;
  };

  /** An access token for this grant, with whether it came from the cache. */
  const acquire = async (
    options: AccessTokenOptions & { rejected?: string } = {},
  ): Promise<{ entry: CachedAccess; key: string; cached: boolean }> => {
    signal.throwIfAborted();
    const { client, refreshToken } = readGrantSecrets(settings, secrets, userId);
    remember(client.clientSecret);
    remember(refreshToken);
    // A rotated token this process could not store yet is stored before anything else happens
    // (and used). Stored ones are not followed: the store has them, and a session holding an older
    // token gets it there (`reread`) if the provider refuses the old one.
    let held = refreshToken;
    for (let i = 0; i < MAX_SUCCESSORS; i++) {
      const next = tokenCache.successor(grantKey(settings.tokenUrl, client.clientId, held));
      if (!next || next.stored) break;
      remember(next.refreshToken);
      await persist(next);
      held = next.refreshToken;
    }
    const key = grantKey(settings.tokenUrl, client.clientId, held);
    const cached = options.forceRefresh ? undefined : tokenCache.get(key, options.rejected);
    let entry: CachedAccess;
    if (cached) {
      entry = cached;
    } else {
      // One refresh per grant in flight: a second would present a refresh token the first rotated.
      entry = await raceSignal(
        tokenCache.refreshOnce(key, () => refresh(client, held)),
        signal,
      );
    }
    remember(entry.accessToken);
    if (entry.scopes) {
      const missing = missingScopes(needed, entry.scopes);
      if (missing.length > 0) throw missingScopeError(settings, userId, missing);
    }
    return { entry, key, cached: cached !== undefined };
  };

  const isUnauthorized = async (response: Response): Promise<boolean> =>
    settings.adapter.isUnauthorized ? await settings.adapter.isUnauthorized(response) : response.status === 401;

  return {
    async accessToken(tokenOptions) {
      return (await acquire(tokenOptions)).entry.accessToken;
    },

    async fetch(input, init = {}) {
      const combined = init.signal ? AbortSignal.any([signal, init.signal]) : signal;
      const send = async (token: string) => {
        await options.beforeRequest?.(combined);
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${token}`);
        return fetch(input, { ...init, headers, signal: combined });
      };
      const first = await acquire();
      const response = await send(first.entry.accessToken);
      if (!first.cached || !(await isUnauthorized(response))) return response;
      // A cached token may have been revoked, or the provider's clock disagrees with ours: once.
      await response.body?.cancel().catch(() => undefined);
      log.debug(`${settings.provider} refused a cached access token; getting a new one`);
      tokenCache.drop(first.key, first.entry.accessToken);
      const second = await acquire({ rejected: first.entry.accessToken });
      return send(second.entry.accessToken);
    },
  };
}
