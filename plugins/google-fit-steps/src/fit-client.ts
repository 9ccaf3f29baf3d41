import type { GoogleSession } from '@life-stats/google-common';
import { notJsonError } from '@life-stats/google-common';
import type { OAuth2Client } from 'google-auth-library';

/**
 * The googleapis Fitness client's auth: an `OAuth2Client` holding only an access token from core's
 * OAuth (through the session) — no refresh token, so google-auth-library never refreshes on its own
 * and core's refresh, cache and rotation are the only ones.
 */
export interface FitClient {
  /** For `new fitness_v1.Fitness({ auth })`. */
  readonly auth: OAuth2Client;
  /**
   * Run a googleapis call with a current access token; a 401 gets a new token once. Failures become
   * the errors core acts on, and a body that is not JSON fails the attempt.
   */
  call<T>(fn: () => Promise<T>): Promise<T>;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A client for the Fitness API, authorized by `session`, honouring `signal` on every request. */
export async function createFitClient(
  session: GoogleSession,
  pluginId: string,
  signal: AbortSignal,
): Promise<FitClient> {
  // Loaded here, not at the top: a Lambda whose run does not include this plugin never pays for it.
  const { OAuth2Client } = await import('google-auth-library');
  signal.throwIfAborted();
  // No retries of gaxios' own: core retries with backoff and its own budget.
  const auth = new OAuth2Client({ transporterOptions: { signal, retryConfig: { retry: 0 } } });
  const authorize = async (forceRefresh: boolean) => {
    const token = await session.accessToken(forceRefresh ? { forceRefresh } : {});
    auth.setCredentials({ access_token: token, token_type: 'Bearer' });
  };

  const attempt = async <T>(fn: () => Promise<T>): Promise<T> => {
    const result = await fn();
    const { data, status, config } = (result ?? {}) as { data?: unknown; status?: unknown; config?: { url?: unknown } };
    // gaxios hands back a body it could not parse as JSON as a string.
    if (typeof status === 'number' && config !== undefined && typeof data === 'string') {
      throw notJsonError(pluginId, String(config.url), status, data, session.redact);
    }
    return result;
  };

  return {
    auth,
    async call(fn) {
      await authorize(false);
      try {
        return await attempt(fn);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // A cached access token may have been revoked meanwhile: get a fresh one once.
        if (statusOf(error) !== 401) throw session.mapError(error);
      }
      await authorize(true);
      try {
        return await attempt(fn);
      } catch (error) {
        throw session.mapError(error);
      }
    },
  };
}
