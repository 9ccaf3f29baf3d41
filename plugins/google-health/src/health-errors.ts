import { LifeStatsError, ReconnectRequiredError } from '@life-stats/core/plugin';
import { authCommand, type GoogleErrorResponse, GoogleHttpError } from '@life-stats/google-common';

/*
 * What the Google Health API answers when it refuses a request, read into what the user should do.
 * The catalogue is the reference's (developers.google.com/health/reference/rest/v4/errors) and its
 * troubleshooting guide (developers.google.com/health/troubleshooting); docs/google.md has each case.
 *
 * | answer                                                         | here                                   |
 * | -------------------------------------------------------------- | -------------------------------------- |
 * | 400 FAILED_PRECONDITION, reason ACCOUNT_NOT_LINKED              | failed, hint: link / set up the account |
 * | 403 PERMISSION_DENIED, reason RESOURCE_PERMISSION_DENIED        | reconnect                              |
 * | 403 insufficient scopes (ACCESS_TOKEN_SCOPE_INSUFFICIENT, …)     | reconnect, naming the missing scope    |
 * | 403 SERVICE_DISABLED / accessNotConfigured                      | failed, hint: enable the API           |
 * | 401 UNAUTHENTICATED, 429, 5xx                                   | google-common: reconnect / retried     |
 *
 * Anything else falls through to google-common's generic reading (failed, Google's words kept).
 */

const SCOPE_REASONS = new Set(['ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'insufficientPermissions']);
const DISABLED_REASONS = new Set(['SERVICE_DISABLED', 'accessNotConfigured']);

/** Who and what a failed request was for, to word the next step. */
export interface HealthErrorContext {
  pluginId: string;
  userId: string;
  dataType: string;
  /** The scope the data type's requests need. */
  scope: string;
  /** The metric the entry writes (for the `check` command in a hint). */
  metric: string;
}

function what(response: GoogleErrorResponse): string {
  const reasons = [response.code, ...response.reasons].filter(Boolean).join(', ');
  return `HTTP ${response.status}${reasons ? ` ${reasons}` : ''}${response.message ? `: ${response.message}` : ''}`;
}

/**
 * The plugin's reading of a Google Health API error (the session's `mapApiError`); `undefined`
 * leaves it to google-common (401, 429, 5xx, anything unknown).
 */
export function healthApiError(context: HealthErrorContext, response: GoogleErrorResponse): Error | undefined {
  const prefix = `[life-stats] [plugin:${context.pluginId}]`;
  const auth = authCommand(context.pluginId, context.userId);
  const cause = new GoogleHttpError(response);
  const has = (reason: string) => response.reasons.includes(reason);

  if (has('ACCOUNT_NOT_LINKED')) {
    return new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${prefix} the Google account user "${context.userId}" connected has no Google Health profile yet (${what(response)}): the account was never set up in the Fitbit / Google Health app, or its Fitbit account was not moved to this Google account. Nothing can be read until it is.`,
      {
        cause,
        hint: `Sign in to the Fitbit app (or Google Health) with the same Google account, finish setting it up (or move the Fitbit account to the Google account when the app offers it), then run \`life-stats check --metric ${context.metric} --user ${context.userId}\`. If you connected the wrong Google account, run \`${auth}\` and choose the right one.`,
      },
    );
  }

  if (response.status === 403 && response.reasons.some((r) => DISABLED_REASONS.has(r))) {
    return new LifeStatsError(
      'E_PLUGIN_FAILED',
      `${prefix} the Google Health API is not enabled in the Cloud project of this OAuth client (${what(response)})`,
      {
        cause,
        hint: 'Enable "Google Health API" under APIs & Services in the Google Cloud console of the project that owns the OAuth client, then run again.',
      },
    );
  }

  const missingScope =
    response.reasons.some((r) => SCOPE_REASONS.has(r)) || /insufficient authentication scopes/i.test(response.message);
  if (response.status === 403 && missingScope) {
    return new ReconnectRequiredError(
      `${prefix} the Google grant of user "${context.userId}" does not include ${context.scope}, which "${context.dataType}" needs (${what(response)}). Run \`${auth}\` and allow every requested access.`,
      { cause, hint: `Run \`${auth}\`.` },
    );
  }

  if (response.status === 403 && has('RESOURCE_PERMISSION_DENIED')) {
    return new ReconnectRequiredError(
      `${prefix} Google Health refused user "${context.userId}" access to their "${context.dataType}" data (${what(response)}): the permission was withdrawn in the Google account, or the consent was given by another account. Run \`${auth}\` with the account that holds the data and allow every requested access.`,
      { cause, hint: `Run \`${auth}\`.` },
    );
  }

  return undefined;
}
