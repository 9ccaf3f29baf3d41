/**
 * The defaults of the stores, in one place: the config schema fills them in, the adapters fall back
 * on them, the bundled Lambda's environment overrides start from them, and the infra names its
 * tables after them. They are the seed's names (DESIGN.md "Storage", "Secrets").
 */
export const STORE_DEFAULTS = {
  /** `storage.path` of the SQLite store, relative to the config file's folder. */
  sqlitePath: '.life-stats/life-stats.db',
  /** `storage.metricsTable` of the DynamoDB store. */
  metricsTable: 'life-stats-metrics',
  /** `storage.runsTable` of the DynamoDB store. */
  runsTable: 'life-stats-runs',
  /** `secrets.path` of the file secret store, relative to the config file's folder. */
  secretsPath: '.life-stats/secrets.json',
  /** `secrets.prefix` of the SSM secret store. */
  ssmPrefix: '/life-stats',
} as const;
