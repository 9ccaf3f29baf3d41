import { nodeCrypto } from '../util/node-crypto.js';

/**
 * What this process knows about OAuth grants, shared by every session (every pair of a run, every
 * warm Lambda invocation): access tokens until near their expiry, the refresh in flight per grant
 * (two pairs of one grant refresh once — a provider with single-use refresh tokens would refuse the
 * second), and the successor of every refresh token this process saw rotated.
 *
 * Everything is keyed by a hash of token endpoint, client id and refresh token, so no entry is
 * ever shared between grants and no key reveals a token.
 */

/** An access token and what the token endpoint said of it. */
export interface CachedAccess {
  accessToken: string;
  /** Epoch ms after which it is not handed out. */
  usableUntil: number;
  /** The scopes the grant holds, when the provider reported them. */
  scopes: string[] | undefined;
}

/** A refresh token that replaced another. */
export interface Successor {
  refreshToken: string;
  /** Written to the secret store (else the next session tries again before using it). */
  stored: boolean;
}

/** Without `expires_in`, an access token is reused this long. */
const DEFAULT_LIFETIME_S = 600;
/** A token is not handed out in its last 5 minutes (or last quarter, for short-lived ones). */
const MAX_MARGIN_MS = 5 * 60_000;
/** Enough for every user of a large run; the oldest entries go first. */
const MAX_ENTRIES = 10_000;

const access = new Map<string, CachedAccess>();
const refreshing = new Map<string, Promise<CachedAccess>>();
const successors = new Map<string, Successor>();

/** The cache key of a grant. */
export function grantKey(tokenUrl: string, clientId: string, refreshToken: string): string {
  return nodeCrypto().createHash('sha256').update(`${tokenUrl}\n${clientId}\n${refreshToken}`).digest('hex');
}

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}

/** A cache entry for an access token that lives `expiresIn` seconds from `now`. */
export function accessEntry(
  accessToken: string,
  expiresIn: number | undefined,
  scopes: string[] | undefined,
  now = Date.now(),
): CachedAccess {
  const lifetimeMs = Math.max(0, expiresIn ?? DEFAULT_LIFETIME_S) * 1000;
  const margin = Math.min(MAX_MARGIN_MS, lifetimeMs / 4);
  return { accessToken, usableUntil: now + lifetimeMs - margin, scopes };
}

export const tokenCache = {
  /** A usable access token of the grant, unless it is `rejected` (an API just refused it). */
  get(key: string, rejected?: string): CachedAccess | undefined {
    const entry = access.get(key);
    if (!entry) return undefined;
    if (entry.usableUntil <= Date.now()) {
      access.delete(key);
      return undefined;
    }
    return entry.accessToken === rejected ? undefined : entry;
  },
  set(key: string, entry: CachedAccess): void {
    bounded(access, key, entry);
  },
  /** Forget an access token an API refused (or a grant found revoked). */
  drop(key: string, accessToken?: string): void {
    if (accessToken === undefined || access.get(key)?.accessToken === accessToken) access.delete(key);
  },
  /** Run `refresh` as the one refresh of this grant in flight; later callers join it. */
  refreshOnce(key: string, refresh: () => Promise<CachedAccess>): Promise<CachedAccess> {
    const pending = refreshing.get(key);
    if (pending) return pending;
    const started = refresh().finally(() => {
      if (refreshing.get(key) === started) refreshing.delete(key);
    });
    refreshing.set(key, started);
    return started;
  },
  successor(key: string): Successor | undefined {
    return successors.get(key);
  },
  setSuccessor(key: string, successor: Successor): void {
    bounded(successors, key, successor);
  },
  /** Forget everything (tests). */
  clear(): void {
    access.clear();
    refreshing.clear();
    successors.clear();
  },
};
