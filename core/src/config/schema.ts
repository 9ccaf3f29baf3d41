import type { FromSchema } from 'json-schema-to-ts';
import { MAX_METRIC_NAME_LENGTH, METRIC_NAME_RE } from '../plugins/metric-name.js';
import { MAX_DAY_COUNT } from '../util/dates.js';
import { STORE_DEFAULTS } from './defaults.js';
import { MAX_USER_ID_LENGTH, USER_ID_PATTERN } from './user-id.js';

/**
 * JSON Schema (draft-07) of the life-stats config file — the one source of truth. The TypeScript
 * types below are derived from it, and `core/config.schema.json` (published for editors through
 * `"$schema"`) is written from it by `core/scripts/write-config-schema.ts`; a test keeps the two equal.
 *
 * Shape choices that keep validation messages readable:
 * - `storage` and `secrets` are `oneOf` with ajv's `discriminator` on `type`, so a bad block gives
 *   one message for the branch its `type` selects (or `storage.type: must be one of sqlite,
 *   dynamodb`) instead of an error per branch. Editors ignore the unknown `discriminator` keyword.
 * - a `plugins[]` item is `type: ['string', 'object']` with object keywords beside it, which JSON
 *   Schema applies to objects only — again one message per mistake, no `oneOf` noise.
 *
 * Paths: `storage.path` and `secrets.path` resolve from the config file's folder. Plugin configs
 * are plugin-defined, so core resolves, from the config file's folder, the string properties of an
 * entry's `config` whose property schema (in the plugin's `configSchema`) has `"format": "path"`,
 * and string properties named `file`, `path` or `dir`. Absolute paths and URLs are kept as they are.
 */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unpkg.com/@life-stats/core/config.schema.json',
  title: 'life-stats config',
  description:
    'Config of life-stats: where data is stored, where secrets live, whose data is collected and which plugins collect it. https://www.npmjs.com/package/@life-stats/core',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: {
      type: 'string',
      description:
        'The JSON Schema this file follows, for editor completion: "./node_modules/@life-stats/core/config.schema.json".',
    },
    timezone: {
      type: 'string',
      minLength: 1,
      default: 'UTC',
      description: 'IANA time zone (e.g. "Europe/Berlin") of users that do not set their own. "A day" is a local day.',
    },
    backfillDays: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_DAY_COUNT,
      default: 7,
      description: 'How many past days the first run of a user × metric fetches (at most 36525, 100 years).',
    },
    storage: {
      type: 'object',
      description:
        'Where metrics and run state are stored: a local SQLite file (default) or two DynamoDB tables. Overridden by LIFE_STATS_STORAGE, LIFE_STATS_METRICS_TABLE and LIFE_STATS_RUNS_TABLE.',
      default: { type: 'sqlite' },
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { const: 'sqlite', description: 'A local SQLite database file.' },
            path: {
              type: 'string',
              minLength: 1,
              default: STORE_DEFAULTS.sqlitePath,
              description: "The database file, relative to the config file's folder. Created when missing.",
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { const: 'dynamodb', description: 'Two DynamoDB tables (region and endpoint from the AWS SDK).' },
            metricsTable: {
              type: 'string',
              minLength: 1,
              default: STORE_DEFAULTS.metricsTable,
              description: 'Metrics table: partition key user_id, sort key metric_date.',
            },
            runsTable: {
              type: 'string',
              minLength: 1,
              default: STORE_DEFAULTS.runsTable,
              description: 'Runs table: partition key user_id, sort key metric_type.',
            },
          },
        },
      ],
    },
    secrets: {
      type: 'object',
      description:
        'Where plugin secrets (tokens, API keys) live: a local JSON file (default), SSM Parameter Store, or environment variables. Overridden by LIFE_STATS_SECRETS and LIFE_STATS_SSM_PREFIX.',
      default: { type: 'file' },
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { const: 'file', description: 'A JSON file created with mode 0600.' },
            path: {
              type: 'string',
              minLength: 1,
              default: STORE_DEFAULTS.secretsPath,
              description: "The secrets file, relative to the config file's folder.",
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { const: 'ssm', description: 'SSM Parameter Store SecureString parameters.' },
            prefix: {
              type: 'string',
              pattern: '^/',
              default: STORE_DEFAULTS.ssmPrefix,
              description: 'Parameter path prefix: <prefix>/<namespace>/<user>/<name>.',
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: {
              const: 'env',
              description: 'Read-only environment variables LIFE_STATS_SECRET__<NAMESPACE>__[<USER>__]<NAME>.',
            },
          },
        },
      ],
    },
    users: {
      type: 'array',
      default: [],
      description:
        'People whose data is collected. Users with a secret in a plugin namespace or an earlier run are added automatically.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: {
            type: 'string',
            pattern: USER_ID_PATTERN,
            maxLength: MAX_USER_ID_LENGTH,
            description:
              'User id as stored (user_id): letters, digits and . _ @ + -, starting with a letter or digit; at most 128 characters.',
          },
          timezone: {
            type: 'string',
            minLength: 1,
            description: 'IANA time zone of this user; default: the top-level "timezone".',
          },
        },
      },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      required: ['busName'],
      description: 'Publish a "Run Completed" event to EventBridge after every run.',
      properties: {
        busName: {
          type: 'string',
          minLength: 1,
          description: 'Event bus name or ARN ("default" for the default bus).',
        },
      },
    },
    fanOut: {
      type: 'object',
      additionalProperties: false,
      description:
        'AWS only: the scheduled function plans and enqueues one SQS message per pair, and worker functions collect them (for thousands of users). Leave it out for one invocation per schedule.',
      properties: {
        maxConcurrency: {
          type: 'integer',
          minimum: 2,
          maximum: 1000,
          default: 10,
          description:
            "Worker invocations running at once (the SQS event source's maximum concurrency, 2 to 1000). Each gets 1/maxConcurrency of every plugin's rateLimit, so together they stay within it.",
        },
        batchSize: {
          type: 'integer',
          minimum: 1,
          maximum: 10,
          default: 10,
          description: 'Pairs (messages) per worker invocation, all fetched at once (1 to 10).',
        },
      },
    },
    connect: {
      type: 'object',
      additionalProperties: false,
      description:
        'Connect links: users connect their accounts from a browser (life-stats connect-link). On AWS the stack adds the connect function and its function URL.',
      properties: {
        baseUrl: {
          type: 'string',
          // https, or http on loopback (a local test server); no query or fragment.
          pattern: '^(https://[^/?#\\s]+|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]+)?)(/[^?#\\s]*)?$',
          description:
            'Where the connect function answers: the stack\'s ConnectUrl output ("https://….lambda-url.<region>.on.aws/"), or your domain in front of it. Links are <baseUrl>start?t=…; the redirect URI to register with each provider is <baseUrl>callback. Leave it out for the first deploy, which creates the URL.',
        },
      },
    },
    plugins: {
      type: 'array',
      default: [],
      description:
        'Plugin entries: a plugin name (all defaults) or an object. A name is a relative path, a package name, or a short name x for @life-stats/plugin-x or life-stats-plugin-x.',
      items: {
        type: ['string', 'object'],
        description: 'A plugin name, or an entry object with "use".',
        minLength: 1,
        additionalProperties: false,
        required: ['use'],
        properties: {
          use: {
            type: 'string',
            minLength: 1,
            description:
              "Relative path (from the config file's folder), package name, or short name x (@life-stats/plugin-x, then life-stats-plugin-x).",
          },
          metric: {
            type: 'string',
            pattern: METRIC_NAME_RE.source,
            maxLength: MAX_METRIC_NAME_LENGTH,
            description:
              "Metric name this entry writes; default: the plugin's metric type. Unique across enabled entries.",
          },
          schedule: {
            type: 'string',
            minLength: 1,
            description:
              'EventBridge schedule, "rate(1 day)" or "cron(30 5 * * ? *)"; default: the plugin\'s schedule.',
          },
          enabled: { type: 'boolean', default: true, description: 'false keeps the entry without loading the plugin.' },
          config: {
            type: 'object',
            description: "The plugin's config, validated against its configSchema (defaults applied).",
          },
          rateLimit: {
            type: 'object',
            additionalProperties: false,
            required: ['requestsPerMinute'],
            description:
              "Overrides the plugin's requestsPerMinute (its other rateLimit fields, such as windows, stay); the budget is shared by all users of a run.",
            properties: {
              requestsPerMinute: { type: 'number', exclusiveMinimum: 0, description: 'Requests per minute.' },
            },
          },
        },
      },
    },
  },
} as const;

/** A config file as written: every defaulted property optional. Type a `life-stats.config.ts` with it. */
export type LifeStatsConfigFile = FromSchema<typeof configSchema, { keepDefaultedPropertiesOptional: true }>;

/** A config file after schema validation, with the schema's defaults applied. */
export type ValidatedConfigFile = FromSchema<typeof configSchema>;
