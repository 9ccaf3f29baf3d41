import { LifeStatsError } from '@life-stats/core/plugin';
import { type GoogleErrorResponse, GoogleHttpError } from '@life-stats/google-common';

/** The move, as every message about the end of Fit words it. */
export const FIT_MIGRATION =
  'Change the entry to { "use": "google-health", "config": { "dataType": "steps" } } (keep its "metric", "schedule" and endpoints), store the OAuth client under namespace "google-health" and run `life-stats auth google-health --user <id>` once per user';

/** `reason`s Google gives when an API is not enabled for (or no longer served to) a project. */
const DISABLED_REASONS = new Set(['SERVICE_DISABLED', 'accessNotConfigured', 'API_DISABLED', 'SERVICE_NOT_ENABLED']);
const DISABLED_WORDS =
  /turned down|shut ?down|no longer (?:available|supported|served)|has not been used in project|it is disabled|is not enabled|API (?:has been|is) disabled/i;

/**
 * Read an API error of Fit as "the Fitness API is gone for you": HTTP 410, or 403/404 whose reason
 * or message says the API is disabled, not enabled or turned down. Google supports the Fit REST API
 * until the end of 2026; after that, and for projects that can no longer enable it, every request
 * fails this way, and retrying cannot help.
 */
export function fitTurnedDown(response: GoogleErrorResponse, pluginId: string): Error | undefined {
  const disabled =
    response.reasons.some((reason) => DISABLED_REASONS.has(reason)) || DISABLED_WORDS.test(response.message);
  if (!(response.status === 410 || ((response.status === 403 || response.status === 404) && disabled)))
    return undefined;
  const what = [response.code, ...response.reasons].filter(Boolean).join(', ');
  return new LifeStatsError(
    'E_API_TURNED_DOWN',
    `[life-stats] [plugin:${pluginId}] the Google Fit REST API is turned down or not enabled for this OAuth client's project (HTTP ${response.status}${what ? ` ${what}` : ''}${response.message ? `: ${response.message}` : ''}). Google supports it only until the end of 2026 and takes no new sign-ups: move this entry to the "google-health" plugin with "dataType": "steps", which writes the same "steps" metric.`,
    {
      cause: new GoogleHttpError(response),
      hint: `${FIT_MIGRATION} (docs/google.md, "Moving from Fit to Health"). If your project can still enable the Fitness API, enabling it works until then.`,
    },
  );
}
