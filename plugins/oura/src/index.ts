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
import { manifestDataTypes, type OuraDataTypeName, ouraDataType } from './data-types.js';
import { ouraOAuth } from './oauth.js';
import { observationsOf, readDocuments } from './read-documents.js';

export {
  DATA_TYPE_NAMES,
  minutesAsleep,
  OURA_DATA_TYPES,
  type OuraDataTypeName,
  restingHeartRate,
  scopesFor,
} from './data-types.js';
export { bareScopes, GRANTED_SCOPE_PREFIX, OURA_AUTH_URL, OURA_TOKEN_URL, ouraTokenResponse } from './oauth.js';
export { ouraErrorText, rateLimitWait } from './oura-errors.js';
export { windowQuery } from './read-documents.js';

/** The config of an `oura` entry (DESIGN.md "First-party plugins"). */
export interface OuraConfig {
  /** What to read. @default 'steps' */
  dataType?: OuraDataTypeName;
  /** The API's origin with a trailing slash. @default {@link OURA_API_ROOT_URL} */
  apiRootUrl?: string;
  /** Overrides the token endpoint (a proxy, a local fake). */
  tokenUrl?: string;
  /** Overrides the consent page. */
  authUrl?: string;
}

const ID = 'oura';
/** The Oura API's origin. */
export const OURA_API_ROOT_URL = 'https://api.ouraring.com/';
const URL_PATTERN = '^https?://[^\\s]+$';
const DATA_TYPES = manifestDataTypes();

async function read(
  ctx: Pick<PluginContext<OuraConfig>, 'config' | 'user' | 'metric' | 'oauth'>,
  window: DateWindow,
): Promise<Observation[]> {
  const name = ctx.config.dataType ?? 'steps';
  const type = ouraDataType(name);
  if (!ctx.oauth) {
    throw new LifeStatsError('E_PLUGIN_FAILED', `[life-stats] [plugin:${ID}] was called without ctx.oauth`, {
      hint: "Run it through life-stats (or the kit's createTestContext), which gives OAuth plugins ctx.oauth.",
    });
  }
  const root = ctx.config.apiRootUrl || OURA_API_ROOT_URL;
  const documents = await readDocuments(type, {
    oauth: ctx.oauth,
    // Paths are appended to the root: without the slash `https://proxy/oura` + `v2/…` would lose a segment.
    apiRootUrl: root.endsWith('/') ? root : `${root}/`,
    window,
    errors: { pluginId: ID, userId: ctx.user.id, dataType: name, scope: type.scope, metric: ctx.metric },
  });
  return observationsOf(type, documents, window);
}

/**
 * The Oura ring's daily numbers from the Oura API v2 `usercollection`: activity (steps, active
 * calories, activity score), the sleep and readiness scores, and the sleep periods (minutes asleep,
 * the long sleep's lowest heart rate), one data type per entry, on Oura's own `day`.
 */
const plugin = definePlugin<OuraConfig>({
  id: ID,
  apiVersion: 1,
  metric: { type: 'steps', unit: 'count', description: "Steps of Oura's day (the default data type)" },
  dataTypes: DATA_TYPES,
  description:
    'Oura ring: steps, active calories, sleep / readiness / activity scores, minutes asleep and resting heart rate',
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      dataType: dataTypeProperty(DATA_TYPES, { default: 'steps' }),
      apiRootUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        default: OURA_API_ROOT_URL,
        description: 'Origin of the Oura API with a trailing slash. Point it at a proxy or a local fake.',
      },
      tokenUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        description: "The OAuth 2.0 token endpoint (default Oura's, https://api.ouraring.com/oauth/token).",
      },
      authUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        description: "The OAuth 2.0 consent page (default Oura's, https://cloud.ouraring.com/oauth/authorize).",
      },
    },
    additionalProperties: false,
  },
  secrets: { namespace: 'oura', user: ['token'], shared: ['client_id', 'client_secret'] },
  // Every entry asks for its data type's scope; `life-stats auth oura` asks for the union over the
  // user's enabled entries, so one consent serves them all.
  oauth: ouraOAuth<OuraConfig>(),
  // The ring syncs when the app opens, so sleep and scores of the last nights arrive late and are
  // revised (a day's activity closes at 4 a.m. the next morning): re-read the last three days.
  settleDays: 3,
  // One request a page for any span (no documented range limit); 90 days keep a retried chunk small.
  maxDaysPerFetch: 90,
  // 5,000 requests per 5 minutes (https://cloud.ouraring.com/v2/docs, "Rate Limits"), evenly spaced,
  // for the whole application: every entry of the namespace, every page request.
  rateLimit: { requestsPerMinute: 1000, sharedBy: 'namespace', counts: 'request' },
  exampleConfig: { dataType: 'steps' },

  async fetch(ctx) {
    return read(ctx, ctx.window);
  },

  /** Prove the refresh token at the token endpoint, then read yesterday and today of the entry's data type. */
  async check(ctx: CheckContext<OuraConfig>) {
    await ctx.oauth?.accessToken({ forceRefresh: true });
    const today = localDate(new Date(), ctx.user.timezone);
    const observations = await read(ctx, { start: addDays(today, -1), end: today });
    ctx.log.info(
      `Oura answered for ${ctx.config.dataType ?? 'steps'} on ${addDays(today, -1)}..${today}: ${observations.length === 0 ? 'no data yet' : `${observations.length} day(s) of data`}`,
    );
  },
});

export default plugin;
