import type { SecretsConfig, StorageConfig } from '../config/types.js';
import { dynamoDbOptions, type OpenSecretsOptions, ssmOptions } from '../run/store-options.js';
import { createEnvSecrets } from '../secrets/env.js';
import { createFileSecrets } from '../secrets/file.js';
import { createSsmSecrets } from '../secrets/ssm.js';
import type { SecretStore } from '../secrets/types.js';
import { createDynamoDbStorage } from '../storage/dynamodb.js';
import { createSqliteStorage } from '../storage/sqlite.js';
import type { Storage } from '../storage/types.js';

/*
 * The stores of the Lambda handler, as `run/open-stores.ts` opens them for the CLI but with the
 * adapters imported with the handler rather than on first use (their SDK clients and drivers still
 * load on first use, behind `import()`). In the asset, split into chunks, each `import()` of a
 * small adapter is a chunk of its own that shares further small chunks with the entry, and a cold
 * start resolves every import between them (docs/performance.md).
 */

/** The configured store. */
export async function openFunctionStorage(config: StorageConfig): Promise<Storage> {
  switch (config.type) {
    case 'sqlite':
      return createSqliteStorage({ path: config.path });
    case 'dynamodb':
      return createDynamoDbStorage(dynamoDbOptions(config));
  }
}

/** The configured secret store. */
export async function openFunctionSecrets(
  config: SecretsConfig,
  options: OpenSecretsOptions = {},
): Promise<SecretStore> {
  switch (config.type) {
    case 'file':
      return createFileSecrets({ path: config.path });
    case 'env':
      return createEnvSecrets();
    case 'ssm':
      return createSsmSecrets(ssmOptions(config, options));
  }
}
