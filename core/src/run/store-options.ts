import type { SecretsConfig, StorageConfig } from '../config/types.js';
import type { SsmSecretsOptions } from '../secrets/ssm.js';
import type { DynamoDbStorageOptions } from '../storage/dynamodb.js';

// The AWS stores' options from the config, for `open-stores.ts` (the CLI's) and the Lambda handler's
// `function-stores.ts`, which import the adapters differently.

/** Options of `openSecrets`. */
export interface OpenSecretsOptions {
  /**
   * Keep no values read or listed (the SSM store's cache): for a process that only lists users,
   * such as the fan-out planner, which would otherwise hold every listed token. @default false
   */
  listOnly?: boolean;
}

/** The DynamoDB store's options from the config. */
export function dynamoDbOptions(config: Extract<StorageConfig, { type: 'dynamodb' }>): DynamoDbStorageOptions {
  return { metricsTable: config.metricsTable, runsTable: config.runsTable };
}

/** The SSM store's options from the config. */
export function ssmOptions(
  config: Extract<SecretsConfig, { type: 'ssm' }>,
  options: OpenSecretsOptions,
): SsmSecretsOptions {
  return { prefix: config.prefix, ...(options.listOnly ? { cacheTtlMs: 0 } : {}) };
}
