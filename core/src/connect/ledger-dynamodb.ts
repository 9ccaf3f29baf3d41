import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, createAwsClient } from '../aws/client.js';
import { dynamodbSdk } from '../aws/dynamodb-sdk.js';
import { StorageError } from '../errors.js';
import { toStorageError } from '../storage/dynamodb-errors.js';
import { LEDGER_PARTITION, SOURCE } from '../storage/dynamodb-items.js';
import type { ConnectLedger } from './ledger.js';

/** Options of {@link createDynamoDbLedger}. */
export interface DynamoDbLedgerOptions extends AwsClientOptions<DynamoDBClient, DynamoDBClientConfig> {
  /** The runs table (partition key `user_id`, sort key `metric_type`). */
  table: string;
}

/**
 * The {@link ConnectLedger} in the runs table: one item per claim, `user_id = "#connect"` (no user
 * id starts with `#`; the storage adapter's cursor listing skips it), `metric_type = <key>`,
 * `expires_at` in epoch seconds — the table's TTL attribute, so DynamoDB deletes spent claims. A
 * claim is `PutItem` on condition that no live claim exists: two callbacks racing get one `true`.
 */
export function createDynamoDbLedger(options: DynamoDbLedgerOptions): ConnectLedger {
  const { table } = options;
  const aws = createAwsClient(dynamodbSdk, options, {
    source: SOURCE,
    toError: (message, errorOptions) => new StorageError(message, errorOptions),
  });
  const key = (claim: string) => ({ user_id: { S: LEDGER_PARTITION }, metric_type: { S: claim } });
  const seconds = (ms: number) => String(Math.floor(ms / 1000));

  return {
    async isClaimed(claim, now) {
      const { sdk, client } = await aws.get();
      try {
        const { Item } = await client.send(
          new sdk.GetItemCommand({ TableName: table, Key: key(claim), ConsistentRead: true }),
        );
        return Item !== undefined && Number(Item.expires_at?.N ?? 0) * 1000 > now;
      } catch (error) {
        throw toStorageError({ action: 'read a connect claim', operation: 'GetItem', table }, error);
      }
    },

    async claim(claim, expiresAt, now) {
      const { sdk, client } = await aws.get();
      try {
        await client.send(
          new sdk.PutItemCommand({
            TableName: table,
            Item: { ...key(claim), expires_at: { N: seconds(expiresAt) } },
            // TTL deletes within days, not at once: an expired claim still stored may be replaced.
            ConditionExpression: 'attribute_not_exists(user_id) OR expires_at <= :now',
            ExpressionAttributeValues: { ':now': { N: seconds(now) } },
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException') return false;
        throw toStorageError({ action: 'write a connect claim', operation: 'PutItem', table }, error);
      }
    },

    async release(claim) {
      const { sdk, client } = await aws.get();
      try {
        await client.send(new sdk.DeleteItemCommand({ TableName: table, Key: key(claim) }));
      } catch (error) {
        throw toStorageError({ action: 'delete a connect claim', operation: 'DeleteItem', table }, error);
      }
    },

    async close() {
      aws.destroy();
    },
  };
}
