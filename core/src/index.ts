/**
 * `@life-stats/core`: the plugin contract (apiVersion 1), errors, and the programmatic API
 * (config loading and the run engine). Storage and secret adapters live on their own subpaths
 * (`@life-stats/core/storage/sqlite`, …) so nothing loads an SDK it does not need.
 */

export { STORE_DEFAULTS } from './config/defaults.js';
export { type LoadConfigOptions, loadConfig } from './config/load-config.js';
export type { LifeStatsConfigFile } from './config/schema.js';
export {
  createStaticConfigLoader,
  type StaticConfig,
  type StaticConfigLoaderOptions,
  type StaticEntry,
  type StaticPluginRef,
  toStaticConfig,
} from './config/static-config.js';
export type { ConfigSettings, ConfigSource } from './config/to-loaded-config.js';
export type {
  FanOutConfig,
  LoadedConfig,
  PluginEntry,
  SecretsConfig,
  StorageConfig,
  UserConfig,
} from './config/types.js';
export {
  ConfigError,
  type ConfigProblem,
  DeferPairError,
  type DeferPairErrorOptions,
  type ErrorCode,
  formatError,
  hasErrorCode,
  isLifeStatsError,
  LifeStatsError,
  type LifeStatsErrorOptions,
  PluginLoadError,
  PluginOutputError,
  ReconnectRequiredError,
  type ReconnectRequiredErrorOptions,
  RetryableError,
  type RetryableErrorOptions,
  SecretAccessError,
  SecretsError,
  StorageError,
  UsageError,
} from './errors.js';
export { createSinkLogger, type LogFields, type Logger, type LogLevel, type LogRecord } from './log/logger.js';
export { createRedactor, type Redactor } from './log/redact.js';
export type { ConsentResult } from './oauth/callback.js';
export {
  type CompleteConsentOptions,
  completeConsent,
  type StartConsentOptions,
  type StartedConsent,
  startConsent,
} from './oauth/consent.js';
export { consentScopes } from './oauth/consent-scopes.js';
export { createOAuthSession, type OAuthSessionOptions, readGrantSecrets } from './oauth/session.js';
export { entryScopes, type OAuthSettings, resolveOAuthSettings } from './oauth/settings.js';
export type { OAuthClientCredentials } from './oauth/token-request.js';
export { authCommand } from './plugins/connect-command.js';
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
  type NormalizedPlugin,
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
export type { ReportData } from './report/build-report.js';
export { classifyError, type ErrorKind, parseRetryAfter } from './run/classify-error.js';
export { type RunOptions, runPairs } from './run/run-pairs.js';
export type { PairResult, PairStatus, RunMode, RunSummary } from './run/types.js';
export type { SecretStore } from './secrets/types.js';
export type { CursorRow, CursorUpdate, MetricQuery, MetricRow, Storage } from './storage/types.js';
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
