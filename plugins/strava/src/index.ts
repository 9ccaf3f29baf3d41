import {
  addDays,
  type CheckContext,
  type DateWindow,
  dataTypeProperty,
  definePlugin,
  LifeStatsError,
  localDate,
  type Observation,
  type PluginContext,
} from '@life-stats/core/plugin';
import { manifestDataTypes, type StravaDataTypeName, stravaDataType } from './data-types.js';
import { stravaOAuth } from './oauth.js';
import { observationsOf, readActivities } from './read-activities.js';

export { DATA_TYPE_NAMES, STRAVA_DATA_TYPES, type StravaDataTypeName } from './data-types.js';
export { STRAVA_AUTH_URL, STRAVA_SCOPE, STRAVA_TOKEN_URL, stravaTokenResponse } from './oauth.js';
export { MAX_RATE_WAIT_MS, rateLimitError, readLimits } from './rate-limits.js';
export { PER_PAGE, windowQuery } from './read-activities.js';

/** The config of a `strava` entry (DESIGN.md "First-party plugins"). */
export interface StravaConfig {
  /** What to read. @default 'distance' */
  dataType?: StravaDataTypeName;
  /** Keep only activities of these `sport_type`s (`Run`, `TrailRun`, `Ride`…); all, when left out. */
  sportTypes?: string[];
  /** The API's origin with a trailing slash. @default {@link STRAVA_API_ROOT_URL} */
  apiRootUrl?: string;
  /** Overrides the token endpoint (a proxy, a local fake). */
  tokenUrl?: string;
  /** Overrides the consent page. */
  authUrl?: string;
}

const ID = 'strava';
/** The Strava API's origin (paths start with `api/v3/`). */
export const STRAVA_API_ROOT_URL = 'https://www.strava.com/';
const URL_PATTERN = '^https?://[^\\s]+$';
const DATA_TYPES = manifestDataTypes();
const MINUTE = 60_000;

async function read(
  ctx: Pick<PluginContext<StravaConfig>, 'config' | 'user' | 'oauth'>,
  window: DateWindow,
): Promise<Observation[]> {
  if (!ctx.oauth) {
    throw new LifeStatsError('E_PLUGIN_FAILED', `[life-stats] [plugin:${ID}] was called without ctx.oauth`, {
      hint: "Run it through life-stats (or the kit's createTestContext), which gives OAuth plugins ctx.oauth.",
    });
  }
  const root = ctx.config.apiRootUrl || STRAVA_API_ROOT_URL;
  const activities = await readActivities({
    oauth: ctx.oauth,
    // Paths are appended to the root: without the slash `https://proxy/strava` + `api/v3/…` would lose a segment.
    apiRootUrl: root.endsWith('/') ? root : `${root}/`,
    window,
    errors: { pluginId: ID, userId: ctx.user.id },
  });
  return observationsOf(stravaDataType(ctx.config.dataType), activities, window, ctx.config.sportTypes);
}

/**
 * Strava's activities as daily numbers (API v3 `GET /athlete/activities`): distance, moving time,
 * the number of activities and elevation gain of the activities that started on each local date
 * (`start_date_local`), optionally of some sport types only.
 */
const plugin = definePlugin<StravaConfig>({
  id: ID,
  apiVersion: 1,
  metric: {
    type: 'distance_m',
    unit: 'm',
    description: 'Distance of the day’s Strava activities (the default data type)',
  },
  dataTypes: DATA_TYPES,
  description: "Strava: distance, moving minutes, activity count and elevation gain of each day's activities",
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      dataType: dataTypeProperty(DATA_TYPES, { default: 'distance' }),
      sportTypes: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: '^[A-Z][A-Za-z]*$' },
        description:
          'Keep only activities of these Strava sport_types (Run, TrailRun, Ride, GravelRide, Swim, Walk, Hike…); default: every activity.',
      },
      apiRootUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        default: STRAVA_API_ROOT_URL,
        description: 'Origin of the Strava API with a trailing slash. Point it at a proxy or a local fake.',
      },
      tokenUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        description: "The OAuth 2.0 token endpoint (default Strava's, https://www.strava.com/oauth/token).",
      },
      authUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        description: "The OAuth 2.0 consent page (default Strava's, https://www.strava.com/oauth/authorize).",
      },
    },
    additionalProperties: false,
  },
  secrets: { namespace: 'strava', user: ['token'], shared: ['client_id', 'client_secret'] },
  oauth: stravaOAuth,
  // Activities arrive when a watch syncs or a user uploads, edits or deletes one days later: re-read
  // a week (one request covers it either way).
  settleDays: 7,
  // No range limit at Strava; each chunk costs at least one request of a daily quota shared by every
  // user of the app, so chunks are long.
  maxDaysPerFetch: 180,
  // https://developers.strava.com/docs/rate-limits/: per application, reads 100 every 15 minutes and
  // 1,000 a day. Every page is a request, and every entry and user of the app shares the quota.
  rateLimit: {
    windows: [
      { requests: 100, perMs: 15 * MINUTE },
      { requests: 1000, perMs: 1440 * MINUTE },
    ],
    sharedBy: 'namespace',
    counts: 'request',
  },
  exampleConfig: { dataType: 'distance' },

  async fetch(ctx) {
    return read(ctx, ctx.window);
  },

  /** Prove the refresh token at the token endpoint, then read yesterday and today of the entry's data type. */
  async check(ctx: CheckContext<StravaConfig>) {
    await ctx.oauth?.accessToken({ forceRefresh: true });
    const today = localDate(new Date(), ctx.user.timezone);
    const observations = await read(ctx, { start: addDays(today, -1), end: today });
    ctx.log.info(
      `Strava answered for ${ctx.config.dataType ?? 'distance'} on ${addDays(today, -1)}..${today}: ${observations.length === 0 ? 'no activities' : `${observations.length} day(s) with activities`}`,
    );
  },
});

export default plugin;
