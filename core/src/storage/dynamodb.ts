import type {
  DynamoDBClient,
  DynamoDBClientConfig,
  QueryCommandInput,
  ScanCommandInput,
  ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, createAwsClient } from '../aws/client.js';
import { type DynamoDbSdk, dynamodbSdk } from '../aws/dynamodb-sdk.js';
import { STORE_DEFAULTS } from '../config/defaults.js';
import { StorageError } from '../errors.js';
import { mergeAsync } from '../util/merge-async.js';
import { type BatchRetryOptions, type BatchWriter, createBatchWriter } from './dynamodb-batch.js';
import { toStorageError } from './dynamodb-errors.js';
import {
  buildMetricRequest,
  compareMetricRows,
  fromCursorItem,
  fromMetricItem,
  type Item,
  LEDGER_PARTITION,
  pick,
  SOURCE,
  toMetricItem,
} from './dynamodb-items.js';
import { DYNAMODB_TABLE_NAME } from './dynamodb-table-name.js';
import type { CursorKey, CursorRow, CursorUpdate, MetricQuery, MetricRow, Storage } from './types.js';

/** Options of {@link createDynamoDbStorage}. */
export interface DynamoDbStorageOptions extends AwsClientOptions<DynamoDBClient, DynamoDBClientConfig> {
  /** Partition key `user_id`, sort key `metric_date`. @default 'life-stats-metrics' */
  metricsTable?: string;
  /**
   * Segments of the parallel `Scan` that {@link Storage.pageCursorKeys} reads the runs table with
   * (one request in flight per segment). @default 4
   */
  scanSegments?: number;
  /** Items per page of that scan (`Limit`). @default as many as fit DynamoDB's 1 MB page */
  scanPageSize?: number;
  /** Partition key `user_id`, sort key `metric_type`. @default 'life-stats-runs' */
  runsTable?: string;
  /** Retrying items DynamoDB returns as `UnprocessedItems`. */
  batchRetry?: BatchRetryOptions;
  /**
   * How long metric items may wait for the items of other concurrent `putMetrics` calls (the other
   * pairs of a run) to share a `BatchWriteItem` request of 25, in milliseconds. A full batch goes at
   * once. `0` sends each call's items at once, in ⌈items / 25⌉ requests of its own. The default bridges
   * the gap between waves of pairs finishing against a provider answering in ~100 ms. @default 100
   */
  writeLingerMs?: number;
}

type Sdk = DynamoDbSdk;

/**
 * The cloud store: the seed's two DynamoDB tables (DESIGN.md "Storage").
 *
 * Nothing is loaded or connected until the first call: the AWS SDK is imported on demand, so a
 * process that never uses DynamoDB never loads it. Metric writes go in `BatchWriteItem` requests of
 * up to 25 items; run rows are written with a condition that keeps `last_run_time` from moving
 * backwards when runs overlap. Reads are strongly consistent, so a run sees the cursor the previous
 * one wrote.
 *
 * @example
 * const storage = createDynamoDbStorage({ metricsTable: 'life-stats-metrics', runsTable: 'life-stats-runs' });
 */
export function createDynamoDbStorage(options: DynamoDbStorageOptions = {}): Storage {
  const metricsTable = options.metricsTable ?? STORE_DEFAULTS.metricsTable;
  const runsTable = options.runsTable ?? STORE_DEFAULTS.runsTable;
  for (const [key, table] of [
    ['metricsTable', metricsTable],
    ['runsTable', runsTable],
  ] as const) {
    if (typeof table !== 'string' || !DYNAMODB_TABLE_NAME.test(table)) {
      throw new StorageError(`${SOURCE} ${key} ${JSON.stringify(table)} is not a valid DynamoDB table name`, {
        hint: 'Table names are 3–255 characters of letters, digits, "_", "-" and "." (or a table ARN).',
      });
    }
  }

  const aws = createAwsClient(dynamodbSdk, options, {
    source: SOURCE,
    toError: (message, errorOptions) => new StorageError(message, errorOptions),
  });
  let closed = false;

  function checkOpen(action: string, table: string): void {
    if (closed) {
      throw new StorageError(`${SOURCE} cannot ${action} (table ${table}): the store is closed`, {
        hint: 'This is a bug in the caller: the storage was used after close().',
      });
    }
  }

  async function connect(action: string, table: string): Promise<{ sdk: Sdk; client: DynamoDBClient }> {
    checkOpen(action, table);
    return aws.get();
  }

  /** Run `fn`, turning whatever it throws into a StorageError about `action` on `table`. */
  async function attempt<T>(
    action: string,
    operation: string,
    table: string,
    fn: (sdk: Sdk, client: DynamoDBClient) => Promise<T>,
  ): Promise<T> {
    const { sdk, client } = await connect(action, table);
    try {
      return await fn(sdk, client);
    } catch (error) {
      throw toStorageError({ action, operation, table }, error);
    }
  }

  /** Every item of a Query or Scan, following `LastEvaluatedKey` page by page. */
  async function readAll(
    action: string,
    request: (QueryCommandInput & { kind: 'query' }) | (ScanCommandInput & { kind: 'scan' }),
  ): Promise<Item[]> {
    const { kind, ...input } = request;
    const table = input.TableName as string;
    return attempt(action, kind === 'query' ? 'Query' : 'Scan', table, async (sdk, client) => {
      const items: Item[] = [];
      let start: Item | undefined;
      do {
        const page = { ...input, ...(start ? { ExclusiveStartKey: start } : {}) };
        const output = await client.send(kind === 'query' ? new sdk.QueryCommand(page) : new sdk.ScanCommand(page));
        items.push(...(output.Items ?? []));
        start = output.LastEvaluatedKey;
      } while (start);
      return items;
    });
  }

  let writer: BatchWriter | undefined;

  return {
    name: 'dynamodb',

    async putMetrics(rows: readonly MetricRow[]) {
      const items = rows.map(toMetricItem);
      if (items.length === 0) {
        checkOpen('write metrics', metricsTable);
        return;
      }
      await attempt('write metrics', 'BatchWriteItem', metricsTable, (sdk, client) => {
        // One writer per store: the pairs of a run share its batches (group commit).
        writer ??= createBatchWriter({
          ...options.batchRetry,
          lingerMs: options.writeLingerMs ?? 100,
          table: metricsTable,
          keyOf: (item) => `${item.user_id?.S}\u0000${item.metric_date?.S}`,
          send: (RequestItems) => client.send(new sdk.BatchWriteItemCommand({ RequestItems })),
        });
        return writer.write(items);
      });
    },

    async queryMetrics(query: MetricQuery = {}) {
      const request = buildMetricRequest(query);
      if (!request) {
        checkOpen('query metrics', metricsTable);
        return [];
      }
      const base = { TableName: metricsTable, ConsistentRead: true, ...request };
      const items =
        query.userId !== undefined
          ? await readAll('query metrics', { kind: 'query', ...base })
          : await readAll('query metrics', { kind: 'scan', ...base });
      return items.map((item) => fromMetricItem(item, metricsTable)).sort(compareMetricRows);
    },

    async getCursor(userId: string, metricType: string) {
      const output = await attempt('read a run', 'GetItem', runsTable, (sdk, client) =>
        client.send(
          new sdk.GetItemCommand({
            TableName: runsTable,
            Key: { user_id: { S: userId }, metric_type: { S: metricType } },
            ConsistentRead: true,
          }),
        ),
      );
      return output.Item ? fromCursorItem(output.Item) : undefined;
    },

    async listCursors(query: { metricType?: string } = {}) {
      const input: ScanCommandInput = { TableName: runsTable, ConsistentRead: true };
      if (query.metricType !== undefined) {
        input.FilterExpression = '#metric = :metric';
        input.ExpressionAttributeNames = pick(['#metric']);
        input.ExpressionAttributeValues = { ':metric': { S: query.metricType } };
      }
      const items = await readAll('list runs', { kind: 'scan', ...input });
      // The connect links' single-use records share the table; they are no cursors.
      return items
        .filter((item) => item.user_id?.S !== LEDGER_PARTITION)
        .map(fromCursorItem)
        .sort(compareCursors);
    },

    async *pageCursorKeys() {
      // A parallel scan (DynamoDB's own way to read a table fast), each page projected to the key:
      // at most one page per segment is held, however large the table.
      const segments = Math.max(1, Math.floor(options.scanSegments ?? 4));
      const { sdk, client } = await connect('list runs', runsTable);
      async function* segment(index: number): AsyncGenerator<CursorKey[]> {
        let start: Item | undefined;
        do {
          let output: ScanCommandOutput;
          try {
            output = await client.send(
              new sdk.ScanCommand({
                TableName: runsTable,
                ConsistentRead: true,
                ProjectionExpression: '#user, #metric',
                ExpressionAttributeNames: pick(['#user', '#metric']),
                ...(segments > 1 ? { Segment: index, TotalSegments: segments } : {}),
                ...(options.scanPageSize ? { Limit: options.scanPageSize } : {}),
                ...(start ? { ExclusiveStartKey: start } : {}),
              }),
            );
          } catch (error) {
            throw toStorageError({ action: 'list runs', operation: 'Scan', table: runsTable }, error);
          }
          const keys: CursorKey[] = [];
          for (const item of output.Items ?? []) {
            const user = item.user_id?.S;
            const metric = item.metric_type?.S;
            // The connect links' single-use records share the table; they are no cursors.
            if (user !== undefined && metric !== undefined && user !== LEDGER_PARTITION) {
              keys.push({ user_id: user, metric_type: metric });
            }
          }
          yield keys;
          start = output.LastEvaluatedKey;
        } while (start);
      }
      yield* mergeAsync(Array.from({ length: segments }, (_, index) => segment(index)));
    },

    async putCursor(update: CursorUpdate) {
      await attempt('write a run', 'UpdateItem', runsTable, async (sdk, client) => {
        const key = { user_id: { S: update.user_id }, metric_type: { S: update.metric_type } };
        const set = ['#status = :status'];
        const values: Item = { ':status': { S: update.last_status } };
        if (update.last_error !== undefined) {
          set.push('#error = :error');
          values[':error'] = { S: update.last_error };
        }
        const remove = update.last_error === undefined ? ' REMOVE #error' : '';
        const plain = {
          TableName: runsTable,
          Key: key,
          UpdateExpression: `SET ${set.join(', ')}${remove}`,
          ExpressionAttributeNames: pick(['#status', '#error']),
          ExpressionAttributeValues: values,
        };
        if (update.last_run_time === undefined) {
          await client.send(new sdk.UpdateItemCommand(plain));
          return;
        }
        try {
          // The condition is evaluated by DynamoDB against the stored item, so two overlapping runs
          // cannot undo each other: whichever writes last, the later time stays.
          await client.send(
            new sdk.UpdateItemCommand({
              ...plain,
              UpdateExpression: `SET ${[...set, '#time = :time'].join(', ')}${remove}`,
              ConditionExpression: 'attribute_not_exists(#time) OR #time < :time',
              ExpressionAttributeNames: pick(['#status', '#error', '#time']),
              ExpressionAttributeValues: { ...values, ':time': { S: update.last_run_time } },
            }),
          );
        } catch (error) {
          if ((error as { name?: unknown })?.name !== 'ConditionalCheckFailedException') throw error;
          // A later run already moved the cursor: keep its time, record this outcome.
          await client.send(new sdk.UpdateItemCommand(plain));
        }
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      aws.destroy();
    },
  };
}

function compareCursors(a: CursorRow, b: CursorRow): number {
  return a.user_id < b.user_id
    ? -1
    : a.user_id > b.user_id
      ? 1
      : a.metric_type < b.metric_type
        ? -1
        : a.metric_type > b.metric_type
          ? 1
          : 0;
}
