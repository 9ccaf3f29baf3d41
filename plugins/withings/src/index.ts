import {
  type CheckContext,
  type DateWindow,
  dataTypeProperty,
  definePlugin,
  LifeStatsError,
  localDate,
  type Observation,
} from '@life-stats/core/plugin';
import { PLUGIN_ID } from './api.js';
import { manifestDataTypes, type WithingsDataTypeName, withingsDataType } from './data-types.js';
import { WITHINGS_API_ROOT_URL, WITHINGS_AUTH_URL, type WithingsEndpointsConfig, withingsOAuth } from './oauth.js';
import { readActivity } from './read-activity.js';
import { readMeasures } from './read-measures.js';

export {
  DATA_TYPE_NAMES,
  WITHINGS_DATA_TYPES,
  WITHINGS_SCOPES,
  type WithingsDataTypeName,
} from './data-types.js';
export { WITHINGS_API_ROOT_URL, WITHINGS_AUTH_URL } from './oauth.js';

/** The config of a `withings` entry (DESIGN.md "First-party plugins"). */
export interface WithingsConfig extends WithingsEndpointsConfig {
  /** What to read. @default 'weight' */
  dataType?: WithingsDataTypeName;
}

const DATA_TYPES = manifestDataTypes();

function endpoint(value: string | undefined, fallback: string, key: string): string {
  const url = value || fallback;
  if (key === 'apiRootUrl' && !url.endsWith('/')) {
    throw new LifeStatsError(
      'E_CONFIG',
      `[life-stats] [plugin:${PLUGIN_ID}] \`apiRootUrl\` must end with "/" (got ${url})`,
      {
        hint: 'Write the API origin with a trailing slash, e.g. "https://wbsapi.withings.net/".',
      },
    );
  }
  return url;
}

async function read(ctx: CheckContext<WithingsConfig>, window: DateWindow): Promise<Observation[]> {
  const oauth = ctx.oauth;
  if (!oauth) {
    throw new LifeStatsError('E_PLUGIN_FAILED', `[life-stats] [plugin:${PLUGIN_ID}] ran without ctx.oauth`, {
      hint: 'Run it with @life-stats/core 0.1 or later, which provides OAuth to plugins that declare it.',
    });
  }
  const type = withingsDataType(ctx.config.dataType);
  const apiRootUrl = endpoint(ctx.config.apiRootUrl, WITHINGS_API_ROOT_URL, 'apiRootUrl');
  const context = { oauth, userId: ctx.user.id, scope: type.scope, signal: ctx.signal };
  return type.read === 'getmeas'
    ? readMeasures(apiRootUrl, type.meastype, window, ctx.user.timezone, context)
    : readActivity(apiRootUrl, type.field, window, context);
}

/**
 * Weight, body fat, steps and distance from the Withings Public API, one data type per entry;
 * one consent per user serves every entry (DESIGN.md, Data types).
 */
const plugin = definePlugin<WithingsConfig>({
  id: PLUGIN_ID,
  apiVersion: 1,
  metric: { type: 'weight_kg', unit: 'kg', description: "The day's last weighing (the default data type)" },
  dataTypes: DATA_TYPES,
  description: 'Weight and body fat from Withings scales, steps and distance from Withings trackers (Public API)',
  configSchema: {
    type: 'object',
    properties: {
      dataType: dataTypeProperty(DATA_TYPES, { default: 'weight' }),
      apiRootUrl: {
        type: 'string',
        pattern: '^https?://.+/$',
        default: WITHINGS_API_ROOT_URL,
        description:
          'The Withings API origin, with a trailing slash; the token endpoint is its v2/oauth2 (a proxy, a local fake, or the US cloud https://wbsapi.us.withingsmed.net/).',
      },
      authUrl: {
        type: 'string',
        pattern: '^https?://',
        default: WITHINGS_AUTH_URL,
        description: 'The consent page (US cloud: https://account.us.withingsmed.com/oauth2_user/authorize2).',
      },
    },
    additionalProperties: false,
  },
  secrets: { namespace: 'withings', user: ['token'], shared: ['client_id', 'client_secret'] },
  oauth: withingsOAuth,
  // Scales upload at once; trackers and the phone app sync when the app is opened, sometimes days later.
  settleDays: 3,
  // Neither service documents a range limit (both page with `offset`): a quarter keeps pages few.
  maxDaysPerFetch: 90,
  // "The standard Withings API enforces a 120 requests-per-minute limit for all applications":
  // one budget for every entry of the namespace (the application), taken by every API request.
  rateLimit: { requestsPerMinute: 120, sharedBy: 'namespace', counts: 'request' },
  exampleConfig: { dataType: 'weight' },

  async fetch(ctx) {
    return read(ctx, ctx.window);
  },

  /** Refresh the grant at the token endpoint (proving the stored refresh token), then read today. */
  async check(ctx) {
    await ctx.oauth?.accessToken({ forceRefresh: true });
    const today = localDate(new Date(), ctx.user.timezone);
    const observations = await read(ctx, { start: today, end: today });
    ctx.log.info(
      `Withings answered for ${ctx.config.dataType ?? 'weight'} on ${today}: ${observations.length === 0 ? 'no data yet' : 'data found'}`,
    );
  },
});

export default plugin;
