import { type DateWindow, dataTypeProperty, definePlugin, localDate, type Observation } from '@life-stats/core/plugin';
import {
  createGoogleSession,
  type GoogleEndpointsConfig,
  type GoogleSessionContext,
  googleConfigSchema,
  googleOAuthManifest,
  resolveGoogleEndpoints,
} from '@life-stats/google-common';
import {
  HEALTH_DATA_TYPES,
  type HealthDataTypeName,
  healthDataType,
  manifestDataTypes,
  scopesFor,
} from './data-types.js';
import { healthApiError } from './health-errors.js';
import { readRollup } from './read-rollup.js';
import { readSleep } from './read-sleep.js';

export { civilDate } from './civil.js';
export {
  allHealthScopes,
  HEALTH_DATA_TYPES,
  HEALTH_SCOPES,
  type HealthDataTypeName,
  scopesFor,
} from './data-types.js';
export { dailyRollUpRequest, observationsFromRollup } from './read-rollup.js';
export { minutesAsleep, observationsFromSleep, SLEEP_PAGE_SIZE, sleepFilter } from './read-sleep.js';

/** The config of a `google-health` entry (DESIGN.md "First-party plugins"). */
export interface GoogleHealthConfig extends GoogleEndpointsConfig {
  /** What to read. @default 'steps' */
  dataType?: HealthDataTypeName;
}

const ID = 'google-health';
/** Shared with `google-health-steps`: one consent per user serves both plugins. */
const NAMESPACE = 'google-health';
/** The Google Health API's origin (its discovery document's `rootUrl`). */
export const HEALTH_API_ROOT_URL = 'https://health.googleapis.com/';
/** The longest roll-up range Google allows (most data types); shorter types are split by the plugin. */
const MAX_DAYS_PER_FETCH = 90;

const DATA_TYPES = manifestDataTypes();

const configSchema = (() => {
  const base = googleConfigSchema(HEALTH_API_ROOT_URL);
  return {
    ...base,
    properties: {
      dataType: dataTypeProperty(DATA_TYPES, { default: 'steps' }),
      ...(base.properties as Record<string, unknown>),
    },
  };
})();

async function read(
  ctx: GoogleSessionContext & { config: GoogleHealthConfig; metric: string },
  window: DateWindow,
  forceRefresh: boolean,
): Promise<Observation[]> {
  const dataType = ctx.config.dataType ?? 'steps';
  const type = healthDataType(dataType);
  const { apiRootUrl, tokenUrl } = resolveGoogleEndpoints(ctx.config, HEALTH_API_ROOT_URL);
  const errorContext = { pluginId: ID, userId: ctx.user.id, dataType, scope: type.scope, metric: ctx.metric };
  const session = await createGoogleSession(ctx, {
    pluginId: ID,
    namespace: NAMESPACE,
    tokenUrl,
    forceRefresh,
    mapApiError: (response) => healthApiError(errorContext, response),
  });
  if (forceRefresh) await session.authorize();
  const options = { pluginId: ID, apiRootUrl, window, signal: ctx.signal };
  return type.read === 'sleep' ? readSleep(session, options) : readRollup(session, dataType, type, options);
}

/**
 * Every daily number of the Google Health API v4 — the successor of Google Fit and of the Fitbit
 * Web API — one data type per entry: `dailyRollUp` over civil days for activity, heart rate, body
 * and hydration, sleep sessions for sleep (DESIGN.md, Data types).
 */
const plugin = definePlugin<GoogleHealthConfig>({
  id: ID,
  apiVersion: 1,
  metric: { type: 'steps', unit: 'count', description: 'Steps walked in the day (the default data type)' },
  dataTypes: DATA_TYPES,
  description:
    'Every daily number of the Google Health API (Fit, Fitbit, Pixel Watch): steps, distance, floors, calories, active minutes, heart rate, weight, body fat, water, sleep',
  configSchema,
  secrets: { namespace: NAMESPACE, user: ['token'], shared: ['client_id', 'client_secret'] },
  // Each entry needs its data type's scope; `life-stats auth` asks for the union over the user's
  // enabled `google-health*` entries, and a grant reported without one ends that entry `reconnect`.
  oauth: googleOAuthManifest<GoogleHealthConfig>((config) => scopesFor(config.dataType ?? 'steps')),
  // Trackers sync late (hours, sometimes days): re-read the last days on every run.
  settleDays: 3,
  // Core cuts windows at the longest range Google allows; the 14-day types are split again per request.
  maxDaysPerFetch: MAX_DAYS_PER_FETCH,
  exampleConfig: { dataType: 'steps' },

  async fetch(ctx) {
    return read(ctx, ctx.window, false);
  },

  /** Refresh the access token at the token endpoint, then read today's value of the entry's data type. */
  async check(ctx) {
    const today = localDate(new Date(), ctx.user.timezone);
    const observations = await read(ctx, { start: today, end: today }, true);
    ctx.log.info(
      `the Google Health API answered for ${ctx.config.dataType ?? 'steps'} on ${today}: ${observations.length === 0 ? 'no data yet' : 'data found'}`,
    );
  },
});

export default plugin;

/** Every `dataType` value, in the order of DESIGN.md's table. */
export const DATA_TYPE_NAMES = Object.keys(HEALTH_DATA_TYPES) as HealthDataTypeName[];
