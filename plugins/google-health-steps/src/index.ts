import { definePlugin, LifeStatsError, localDate } from '@life-stats/core/plugin';
import {
  createGoogleSession,
  type GoogleEndpointsConfig,
  type GoogleErrorResponse,
  GoogleHttpError,
  googleConfigSchema,
  googleOAuthManifest,
  resolveGoogleEndpoints,
} from '@life-stats/google-common';
import { HEALTH_MAX_DAYS_PER_REQUEST, readHealthSteps } from './read-steps.js';

export { civilDate, dailyRollUpRequest, observationsFromRollup } from './read-steps.js';

/** The config of a `google-health-steps` entry: only the endpoints (DESIGN.md "First-party plugins"). */
export type GoogleHealthStepsConfig = GoogleEndpointsConfig;

const ID = 'google-health-steps';
const NAMESPACE = 'google-health';
/** The Google Health API's origin (its discovery document's `rootUrl`). */
export const HEALTH_API_ROOT_URL = 'https://health.googleapis.com/';
/** Read access to activity and fitness data, which holds `steps`. */
export const HEALTH_SCOPES = ['https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'] as const;

/** A project that has not enabled the API gets a 403 that only says so in its details. */
function notEnabled(response: GoogleErrorResponse): Error | undefined {
  if (
    response.status !== 403 ||
    !response.reasons.some((r) => r === 'SERVICE_DISABLED' || r === 'accessNotConfigured')
  ) {
    return undefined;
  }
  return new LifeStatsError(
    'E_PLUGIN_FAILED',
    `[life-stats] [plugin:${ID}] the Google Health API is not enabled in the Cloud project of this OAuth client (HTTP 403${response.message ? `: ${response.message}` : ''})`,
    {
      cause: new GoogleHttpError(response),
      hint: 'Enable "Google Health API" under APIs & Services in the Google Cloud console of the project that owns the OAuth client, then run again.',
    },
  );
}

const sessionOptions = (tokenUrl: string, forceRefresh = false) => ({
  pluginId: ID,
  namespace: NAMESPACE,
  tokenUrl,
  forceRefresh,
  mapApiError: notEnabled,
});

/**
 * Daily steps from the Google Health API v4 (`dailyRollUp` of `steps` over civil days), the
 * successor of Google Fit. It writes the same `steps` metric as `google-fit-steps`, so an entry can
 * move from one to the other and keep its history. New setups use `google-health` (every data
 * type, `dataType: steps` for these rows); this plugin stays, unchanged, for existing configs.
 */
const plugin = definePlugin<GoogleHealthStepsConfig>({
  id: ID,
  apiVersion: 1,
  metric: { type: 'steps', unit: 'steps', description: 'Steps walked in the day' },
  description:
    'Daily steps from the Google Health API (kept for existing configs; new setups: google-health, which reads every data type)',
  configSchema: googleConfigSchema(HEALTH_API_ROOT_URL),
  secrets: { namespace: NAMESPACE, user: ['token'], shared: ['client_id', 'client_secret'] },
  oauth: googleOAuthManifest(HEALTH_SCOPES),
  // Trackers sync late (hours, sometimes days): re-read the last days on every run.
  settleDays: 3,
  maxDaysPerFetch: HEALTH_MAX_DAYS_PER_REQUEST,
  exampleConfig: {},

  async fetch(ctx) {
    const { apiRootUrl, tokenUrl } = resolveGoogleEndpoints(ctx.config, HEALTH_API_ROOT_URL);
    const session = await createGoogleSession(ctx, sessionOptions(tokenUrl));
    return readHealthSteps(session, { pluginId: ID, apiRootUrl, window: ctx.window, signal: ctx.signal });
  },

  /** Refresh the access token at the token endpoint, then read today's steps. */
  async check(ctx) {
    const { apiRootUrl, tokenUrl } = resolveGoogleEndpoints(ctx.config, HEALTH_API_ROOT_URL);
    const session = await createGoogleSession(ctx, sessionOptions(tokenUrl, true));
    await session.authorize();
    const today = localDate(new Date(), ctx.user.timezone);
    const observations = await readHealthSteps(session, {
      pluginId: ID,
      apiRootUrl,
      window: { start: today, end: today },
      signal: ctx.signal,
    });
    ctx.log.info(
      `the Google Health API answered for ${today}: ${observations.length === 0 ? 'no steps yet' : 'steps found'}`,
    );
  },
});

export default plugin;
