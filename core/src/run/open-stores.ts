import type { SecretsConfig, StorageConfig } from '../config/types.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import { dynamoDbOptions, type OpenSecretsOptions, ssmOptions } from './store-options.js';

/**
 * Open the configured store. Adapters are imported on demand, so a SQLite user never loads the AWS SDK.
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  switch (config.type) {
    case 'sqlite': {
      const { createSqliteStorage } = await import('../storage/sqlite.js');
      return createSqliteStorage({ path: config.path });
    }
    case 'dynamodb': {
      const { createDynamoDbStorage } = await import('../storage/dynamodb.js');
      return createDynamoDbStorage(dynamoDbOptions(config));
    }
  }
}

/** Open the configured secret store, importing only its adapter. */
export async function openSecrets(config: SecretsConfig, options: OpenSecretsOptions = {}): Promise<SecretStore> {
  switch (config.type) {
    case 'file': {
      const { createFileSecrets } = await import('../secrets/file.js');
      return createFileSecrets({ path: config.path });
    }
    case 'env': {
      const { createEnvSecrets } = await import('../secrets/env.js');
      return createEnvSecrets();
    }
    case 'ssm': {
      const { createSsmSecrets } = await import('../secrets/ssm.js');
      return createSsmSecrets(ssmOptions(config, options));
    }
  }
}
