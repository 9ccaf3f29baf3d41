import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { defineAwsSdk } from './client.js';

export type DynamoDbSdk = typeof import('./dynamodb-commands.js');

/**
 * `@aws-sdk/client-dynamodb`, loaded on first use: one module and one environment-configured client
 * per process, shared by the storage adapter and the connect links' single-use record.
 */
export const dynamodbSdk = defineAwsSdk<DynamoDbSdk, DynamoDBClient, DynamoDBClientConfig>({
  packageName: '@aws-sdk/client-dynamodb',
  importSdk: () => import('./dynamodb-commands.js'),
  clientClass: 'DynamoDBClient',
  createClient: (sdk, config) => new sdk.DynamoDBClient(config),
});
