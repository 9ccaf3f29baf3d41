import { definePlugin, localDate } from '@life-stats/core/plugin';
import {
  createGoogleSession,
  type GoogleEndpointsConfig,
  googleConfigSchema,
  googleOAuthManifest,
  resolveGoogleEndpoints,
} from '@life-stats/google-common';
import { FIT_MAX_DAYS_PER_REQUEST, readFitSteps } from './read-steps.js';
import { FIT_MIGRATION, fitTurnedDown } from './turned-down.js';

export {
  type AggregateBucket,
  type AggregateRequest,
  aggregateRequest,
  FIT_STEPS_SOURCE,
  observationsFromBuckets,
} from './read-steps.js';
export { FIT_MIGRATION } from './turned-down.js';

/** Google ends the Fit REST API after this day. */
export const FIT_END_DATE = '2026-12-31';

/** The config of a `google-fit-steps` entry: only the endpoints (DESIGN.md "First-party plugins"). */
export type GoogleFitStepsConfig = GoogleEndpointsConfig;

const ID = 'google-fit-steps';
const NAMESPACE = 'google-fit';
/** The Fitness client's own `rootUrl` default (googleapis `fitness/v1`). */
export const FIT_API_ROOT_URL = 'https://fitness.googleapis.com/';
/** Read access to activity data, which holds `com.google.step_count.delta`. */
export const FIT_SCOPES = ['https://www.googleapis.com/auth/fitness.activity.read'] as const;

const sessionOptions = (tokenUrl: string, forceRefresh = false) => ({
  pluginId: ID,
  namespace: NAMESPACE,
  tokenUrl,
  forceRefresh,
  mapApiError: (response: Parameters<typeof fitTurnedDown>[0]) => fitTurnedDown(response, ID),
});

/**
 * Daily steps from the Google Fit REST API (`users.dataset.aggregate` of the `estimated_steps`
 * source), bucketed by the user's local calendar days. Google supports the API until the end of
 * 2026; `google-health` (`dataType: steps`) is its successor and writes the same `steps` metric.
 */
const plugin = definePlugin<GoogleFitStepsConfig>({
  id: ID,
  apiVersion: 1,
  metric: { type: 'steps', unit: 'steps', description: 'Steps walked in the day' },
  description: 'Daily steps from Google Fit (ends 2026-12-31; new setups: google-health with dataType "steps")',
  // `life-stats plugins` and `validate` warn once per enabled entry; the entry keeps working until Google stops it.
  deprecated: {
    message: `Google Fit's REST API ends on ${FIT_END_DATE}. ${FIT_MIGRATION}.`,
    until: FIT_END_DATE,
  },
  configSchema: googleConfigSchema(FIT_API_ROOT_URL),
  secrets: { namespace: NAMESPACE, user: ['token'], shared: ['client_id', 'client_secret'] },
  oauth: googleOAuthManifest(FIT_SCOPES),
  // Phones sync late (hours, sometimes days): re-read the last days on every run.
  settleDays: 3,
  maxDaysPerFetch: FIT_MAX_DAYS_PER_REQUEST,
  exampleConfig: {},

  async fetch(ctx) {
    const { apiRootUrl, tokenUrl } = resolveGoogleEndpoints(ctx.config, FIT_API_ROOT_URL);
    const session = await createGoogleSession(ctx, sessionOptions(tokenUrl));
    return readFitSteps(session, {
      pluginId: ID,
      apiRootUrl,
      timeZone: ctx.user.timezone,
      window: ctx.window,
      signal: ctx.signal,
    });
  },

  /** Refresh the access token at the token endpoint, then read today's steps. */
  async check(ctx) {
    const { apiRootUrl, tokenUrl } = resolveGoogleEndpoints(ctx.config, FIT_API_ROOT_URL);
    const session = await createGoogleSession(ctx, sessionOptions(tokenUrl, true));
    await session.authorize();
    const today = localDate(new Date(), ctx.user.timezone);
    const observations = await readFitSteps(session, {
      pluginId: ID,
      apiRootUrl,
      timeZone: ctx.user.timezone,
      window: { start: today, end: today },
      signal: ctx.signal,
    });
    ctx.log.info(`Google Fit answered for ${today}: ${observations.length === 0 ? 'no steps yet' : 'steps found'}`);
  },
});

export default plugin;
