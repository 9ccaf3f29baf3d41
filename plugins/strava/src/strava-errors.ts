import { LifeStatsError, ReconnectRequiredError, RetryableError } from '@life-stats/core/plugin';
import { faultText, isMissingPermission, readFault, STRAVA_SCOPE } from './oauth.js';
import { rateLimitError } from './rate-limits.js';

/*
 * What the Strava API answers when it refuses `GET /api/v3/athlete/activities`
 * (https://developers.strava.com/docs/reference/#api-Activities-getLoggedInAthleteActivities and
 * "Fault"; https://developers.strava.com/docs/authentication/; .../docs/rate-limits/):
 *
 * | answer                                                     | here                                  |
 * | ---------------------------------------------------------- | ------------------------------------- |
 * | 401 `activity:read_permission` missing                      | reconnect, naming the scope           |
 * | 401 otherwise (token invalid, access revoked by the athlete) | reconnect (after core's one new token) |
 * | 429                                                        | see `rate-limits.ts`: retried or deferred |
 * | 5xx                                                        | retried                               |
 * | anything else                                              | failed, with Strava's words           |
 */

/** Who and what a failed request was for. */
export interface StravaErrorContext {
  pluginId: string;
  userId: string;
}

/** The HTTP answer behind an error, as its `cause` (status and Strava's words, never the request). */
class StravaHttpError extends Error {
  readonly status: number;
  constructor(status: number, text: string) {
    super(`HTTP ${status}${text ? `: ${text}` : ''}`);
    this.name = 'StravaHttpError';
    this.status = status;
  }
}

/** Strava's words from an error body (a `Fault`, else a short excerpt of text). */
function stravaErrorText(body: unknown): string {
  const fault = readFault(body);
  if (fault) return faultText(fault);
  return typeof body === 'string'
    ? body
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200)
    : '';
}

/** The error for a refused activities request (`response` not ok), its body read as `body`. */
export function stravaApiError(context: StravaErrorContext, response: Response, body: unknown): Error {
  const prefix = `[life-stats] [plugin:${context.pluginId}]`;
  const text = stravaErrorText(body);
  const cause = new StravaHttpError(response.status, text);
  const what = `HTTP ${response.status}${text ? ` ${text}` : ''}`;
  const user = `user "${context.userId}"`;
  if (response.status === 401 && isMissingPermission(body)) {
    return new ReconnectRequiredError(
      `${prefix} the Strava grant of ${user} does not allow reading activities (${what}): connect again and leave "View data about your private activities" (${STRAVA_SCOPE}) ticked on Strava's consent page.`,
      { cause },
    );
  }
  if (response.status === 401) {
    return new ReconnectRequiredError(
      `${prefix} Strava refused the access token of ${user} (${what}): the athlete revoked this app's access in Strava's settings, or the grant is no longer valid.`,
      { cause },
    );
  }
  if (response.status === 429) return rateLimitError(prefix, response.headers, cause);
  if (response.status >= 500) {
    return new RetryableError(`${prefix} Strava answered ${what} for athlete/activities`, { cause });
  }
  return new LifeStatsError(
    'E_PLUGIN_FAILED',
    `${prefix} Strava refused the request for athlete/activities (${what})`,
    {
      cause,
      hint: 'life-stats sent a request Strava does not accept: update @life-stats/plugin-strava, and report it with this message if that does not help.',
    },
  );
}
