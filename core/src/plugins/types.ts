import type { Logger } from '../log/logger.js';
import type { PluginOAuth, PluginOAuthContext } from '../oauth/types.js';

export type {
  AccessTokenOptions,
  OAuthAdapter,
  OAuthClientAuth,
  OAuthSecretNames,
  OAuthTokenAnswer,
  PluginOAuth,
  PluginOAuthContext,
} from '../oauth/types.js';

/** The plugin API major this core implements. */
export const PLUGIN_API_VERSION = 1;

/** A JSON Schema (draft-07) object. */
export type JsonSchema = Record<string, unknown>;

/** One number for one local calendar day. */
export interface Observation {
  /** `YYYY-MM-DD`, a local date of `ctx.user`, inside `ctx.window`. */
  date: string;
  value: number;
}

/** The user a fetch is for. */
export interface PluginUser {
  id: string;
  /** IANA time zone; "a day" is a calendar day in this zone. */
  timezone: string;
}

/** Inclusive range of local dates (`YYYY-MM-DD`). */
export interface DateWindow {
  start: string;
  end: string;
}

/** What a plugin may do with secrets: only its namespace and its declared names. */
export interface PluginSecrets {
  /** The user's secret, else the shared one of that name; `undefined` when not set. */
  get(name: string): string | undefined;
  /** Store a user secret (e.g. a rotated refresh token). */
  set(name: string, value: string): Promise<void>;
  /**
   * Where the secret `name` lives in the configured store, for messages — never its value:
   * `SSM parameter /life-stats/acme/me/api_key`, `…/secrets.json at acme.users.me.api_key`,
   * `env LIFE_STATS_SECRET__ACME__ME__API_KEY`. A declared user name gives the user's location.
   */
  where(name: string): string;
}

/** Everything a plugin gets; it never reads `process.env` or core internals. */
export interface PluginContext<Config = Record<string, unknown>> {
  user: PluginUser;
  window: DateWindow;
  config: Config;
  secrets: PluginSecrets;
  log: Logger;
  signal: AbortSignal;
  /** The metric name this entry writes (the entry's `metric`, else its data type's, else the plugin's `metric.type`). */
  metric: string;
  /**
   * Present for a plugin whose manifest declares `oauth`: access tokens for `user`, refreshed,
   * cached and rotated by core, and an authorized `fetch`.
   */
  oauth?: PluginOAuthContext;
}

/** What `check()` gets: like a fetch context, with no window. */
export type CheckContext<Config = Record<string, unknown>> = Omit<PluginContext<Config>, 'window'>;

export interface PluginMetric {
  /** `/^[a-z][a-z0-9_]*$/`: the default metric name an entry of this plugin writes. */
  type: string;
  unit?: string;
  description?: string;
}

export interface PluginSecretsDeclaration {
  /** Default: the plugin id. Plugins that share an OAuth grant share a namespace. */
  namespace?: string;
  /** Per-user secret names. */
  user?: readonly string[];
  /** Per-deployment secret names (OAuth client id/secret…). */
  shared?: readonly string[];
}

/**
 * One kind of daily number a multi-type plugin reads (DESIGN.md "Plugins that read several kinds of
 * data"): an entry whose `config.dataType` names it writes `metric` (unless the entry sets its own
 * `metric`) in `unit`.
 */
export interface PluginDataType {
  /** `/^[a-z][a-z0-9_]*$/`: the default metric name of an entry reading this data type. */
  metric: string;
  /** The unit the stored values are in (`count`, `m`, `kg`, `kcal`, `min`, `bpm`, `%`, `ml`…). */
  unit: string;
  description?: string;
}

/** At most `requests` request starts in any `perMs` milliseconds. */
export interface RateWindow {
  requests: number;
  perMs: number;
}

/**
 * A plugin's request budget, shared by every user of a run (docs/plugins.md "Rate limits"). At
 * least one of `requestsPerMinute` and `windows`.
 *
 * @example Strava: 100 read requests per 15 minutes and 1,000 a day, per OAuth application.
 * ```ts
 * rateLimit: {
 *   windows: [{ requests: 100, perMs: 15 * 60_000 }, { requests: 1000, perMs: 86_400_000 }],
 *   sharedBy: 'namespace',
 *   counts: 'request',
 * }
 * ```
 */
export interface PluginRateLimit {
  /** Requests are spaced evenly at `60 000 / requestsPerMinute` ms. */
  requestsPerMinute?: number;
  /**
   * Sliding windows: a request waits until every window has room. A window that would hold a
   * request longer than 15 minutes ends the pair `deferred` instead (a daily quota), and the next
   * run collects it.
   */
  windows?: readonly RateWindow[];
  /**
   * Who shares the budget: each plugin entry its own (`entry`), or every entry of the plugin's
   * secrets namespace (`namespace`: one OAuth application, whose quota the provider counts for all
   * its entries and users). The first entry to run sets a shared budget's numbers.
   * @default 'entry'
   */
  sharedBy?: 'entry' | 'namespace';
  /**
   * What takes from the budget: each `fetch` attempt, or each HTTP `request` the plugin sends
   * through `ctx.oauth.fetch` (a paged API; needs `oauth`).
   * @default 'fetch'
   */
  counts?: 'fetch' | 'request';
}

/**
 * The optional `deprecated` manifest field: the plugin still works, but its users should move.
 * `life-stats plugins` and `validate` print `message` once per enabled entry, with the entry's
 * path, as a warning; nothing fails because of it.
 */
export interface PluginDeprecation {
  /** What ends and the exact change to make, e.g. the replacement entry. */
  message: string;
  /** The last day the plugin is expected to work (`YYYY-MM-DD`), when known. */
  until?: string;
}

/** A plugin manifest, apiVersion 1. */
export interface PluginDefinition<Config = Record<string, unknown>> {
  /** `/^[a-z][a-z0-9-]*$/`, unique among installed plugins. */
  id: string;
  apiVersion: 1;
  metric: PluginMetric;
  /**
   * The data types a plugin that reads several kinds of data offers, by `dataType` value. Its
   * `configSchema` then declares `dataType` as a string property whose `enum` lists exactly these
   * keys (see {@link dataTypeProperty}); an entry's default metric and unit come from the chosen one.
   * `metric` stays required: it describes the plugin as a whole (e.g. its default data type).
   */
  dataTypes?: Readonly<Record<string, PluginDataType>>;
  description?: string;
  /** JSON Schema (draft-07) of the entry's `config`. @default `{ type: 'object' }` */
  configSchema?: JsonSchema;
  secrets?: PluginSecretsDeclaration;
  /** EventBridge expression. @default 'rate(1 day)' */
  schedule?: string;
  /** Recent days re-fetched on every run. @default 1 */
  settleDays?: number;
  /** Longer windows are split into chunks of this many days. @default 30 */
  maxDaysPerFetch?: number;
  /** One request budget shared by all users of a run (see {@link PluginRateLimit}). */
  rateLimit?: PluginRateLimit;
  /**
   * OAuth 2.0 plugins only: the provider, its endpoints and scopes. Core then runs the consent
   * (`life-stats auth <plugin> --user U`), the refresh and the rotation, and gives `ctx.oauth`.
   */
  oauth?: PluginOAuth<Config>;
  /** An example config, used by the plugin kit and `life-stats plugins`. */
  exampleConfig?: Config;
  /** Set when the plugin is on its way out: a warning per enabled entry, never a failure. */
  deprecated?: PluginDeprecation;
  fetch(ctx: PluginContext<Config>): Promise<Observation[]>;
  check?(ctx: CheckContext<Config>): Promise<void>;
}

/** A manifest with every default applied. */
export interface NormalizedPlugin<Config = Record<string, unknown>>
  extends Omit<PluginDefinition<Config>, 'secrets' | 'configSchema' | 'schedule' | 'settleDays' | 'maxDaysPerFetch'> {
  configSchema: JsonSchema;
  secrets: { namespace: string; user: readonly string[]; shared: readonly string[] };
  schedule: string;
  settleDays: number;
  maxDaysPerFetch: number;
}
