/**
 * `@life-stats/core/plugin`: what a plugin module needs at run time — `definePlugin`, the errors
 * it throws, the date helpers, the data-type property — and the contract's types, without the
 * programmatic API the index also exports (config loading, the run engine, OAuth consent). A
 * plugin that imports from here instead of `@life-stats/core` spares every process that imports
 * it evaluating all of that: `life-stats validate` on the sample config ~15 ms (docs/performance.md,
 * issue 18). Everything here is also exported by the index. Published bundled
 * (`dist/plugin.bundle.js`, core/scripts/bundle.mjs), its functions are copies of the index's; the
 * error classes and the date helpers are the index's own objects (they hold state or are classes).
 */

export {
  DeferPairError,
  type DeferPairErrorOptions,
  type ErrorCode,
  formatError,
  hasErrorCode,
  isLifeStatsError,
  LifeStatsError,
  type LifeStatsErrorOptions,
  ReconnectRequiredError,
  type ReconnectRequiredErrorOptions,
  RetryableError,
  type RetryableErrorOptions,
} from './errors.js';
export type { LogFields, Logger, LogLevel } from './log/logger.js';
export {
  DATA_TYPE_KEY,
  type DataTypePropertyOptions,
  dataTypeProperty,
  type ResolvedMetric,
  resolveEntryMetric,
} from './plugins/data-types.js';
export { definePlugin } from './plugins/define-plugin.js';
export {
  type AccessTokenOptions,
  type CheckContext,
  type DateWindow,
  type JsonSchema,
  type OAuthAdapter,
  type OAuthClientAuth,
  type OAuthSecretNames,
  type OAuthTokenAnswer,
  type Observation,
  PLUGIN_API_VERSION,
  type PluginContext,
  type PluginDataType,
  type PluginDefinition,
  type PluginDeprecation,
  type PluginMetric,
  type PluginOAuth,
  type PluginOAuthContext,
  type PluginRateLimit,
  type PluginSecrets,
  type PluginSecretsDeclaration,
  type PluginUser,
  type RateWindow,
} from './plugins/types.js';
export { parseRetryAfter } from './run/classify-error.js';
export {
  addDays,
  chunkWindow,
  daysBetween,
  eachDate,
  isValidDate,
  isValidTimeZone,
  localDate,
  startOfLocalDay,
  zoneOffsetMinutes,
} from './util/dates.js';
