import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { defineAwsSdk } from './client.js';

export type SqsSdk = typeof import('@aws-sdk/client-sqs');

/**
 * `@aws-sdk/client-sqs`, loaded on first use by the fan-out planner only: a function without
 * `LIFE_STATS_QUEUE_URL` never imports it.
 */
export const sqsSdk = defineAwsSdk<SqsSdk, SQSClient, SQSClientConfig>({
  packageName: '@aws-sdk/client-sqs',
  importSdk: () => import('@aws-sdk/client-sqs'),
  clientClass: 'SQSClient',
  createClient: (sdk, config) => new sdk.SQSClient(config),
});
