import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError, hasErrorCode } from '../../src/errors.js';
import { createDynamoDbStorage } from '../../src/storage/dynamodb.js';
import type { MetricRow } from '../../src/storage/types.js';
import { describeStorage } from '../../src/testing/describe-storage.js';
import { addDays } from '../../src/util/dates.js';

let local: LocalDynamoDb;

beforeAll(async () => {
  local = await startLocalDynamoDb();
});

afterAll(async () => {
  await local?.stop();
});

describeStorage('dynamodb (dynalite on loopback)', async () => {
  const tables = await local.createTables();
  return createDynamoDbStorage({ ...tables, clientConfig: local.clientConfig });
});

const T1 = '2026-11-24T05:30:00.000Z';

function row(fields: Partial<MetricRow> = {}): MetricRow {
  return {
    user_id: 'me',
    metric_type: 'steps',
    date: '2026-11-24',
    value: 1,
    timestamp: T1,
    source: 'test-plugin',
    ...fields,
  };
}

function days(count: number, fields: Partial<MetricRow> = {}): MetricRow[] {
  return Array.from({ length: count }, (_, i) => row({ date: addDays('2024-01-01', i), value: i, ...fields }));
}

async function freshStore(batchRetry = { baseDelayMs: 1, maxDelayMs: 5 }) {
  const tables = await local.createTables();
  const storage = createDynamoDbStorage({ ...tables, clientConfig: local.clientConfig, batchRetry });
  return { storage, ...tables };
}

describe('dynamodb storage on the wire', () => {
  it('stores items with the seed schema: composite sort key, value as N, the rest as S', async () => {
    const { storage, metricsTable, runsTable } = await freshStore();
    await storage.putMetrics([row({ value: 72.45, source: 'csv', date: '2026-11-24' })]);
    await storage.putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'failed', last_error: 'boom' });
    expect(await local.scan(metricsTable)).toEqual([
      {
        user_id: { S: 'me' },
        metric_date: { S: '2026-11-24#steps' },
        metric_type: { S: 'steps' },
        date: { S: '2026-11-24' },
        value: { N: '72.45' },
        timestamp: { S: T1 },
        source: { S: 'csv' },
      },
    ]);
    expect(await local.scan(runsTable)).toEqual([
      { user_id: { S: 'me' }, metric_type: { S: 'steps' }, last_status: { S: 'failed' }, last_error: { S: 'boom' } },
    ]);
    // Clearing the error removes the attribute instead of storing an empty one.
    await storage.putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok', last_run_time: T1 });
    expect(await local.scan(runsTable)).toEqual([
      { user_id: { S: 'me' }, metric_type: { S: 'steps' }, last_status: { S: 'ok' }, last_run_time: { S: T1 } },
    ]);
    await storage.close();
  });

  it('writes 1,000 items in 40 BatchWriteItem requests of at most 25 items', async () => {
    const { storage } = await freshStore();
    local.resetRequests();
    await storage.putMetrics(days(1000));
    const batches = local.requests.filter((r) => r.operation === 'BatchWriteItem');
    expect(batches).toHaveLength(40);
    expect(batches.every((b) => (b.items ?? 0) <= 25)).toBe(true);
    expect(local.requests.filter((r) => r.operation !== 'BatchWriteItem')).toEqual([]);
    expect(await storage.queryMetrics()).toHaveLength(1000);
    await storage.close();
  });

  it.each([1, 24, 25, 26, 60, 99])('writes %i items in ⌈n/25⌉ requests', async (n) => {
    const { storage } = await freshStore();
    local.resetRequests();
    await storage.putMetrics(days(n));
    expect(local.count('BatchWriteItem')).toBe(Math.ceil(n / 25));
    await storage.close();
  });

  it('collapses the same key given twice into one write, the last one winning', async () => {
    const { storage } = await freshStore();
    const rows = [...days(30), row({ date: '2024-01-01', value: 999, source: 'later' })];
    local.resetRequests();
    // DynamoDB rejects a batch that holds one key twice; the store must not send one.
    await storage.putMetrics(rows);
    expect(local.count('BatchWriteItem')).toBe(2);
    const stored = await storage.queryMetrics();
    expect(stored).toHaveLength(30);
    expect(stored[0]).toEqual(row({ date: '2024-01-01', value: 999, source: 'later' }));
    await storage.close();
  });

  it('shares BatchWriteItem requests between concurrent calls (the pairs of a run): 10 × 5 items in 2 requests', async () => {
    const { storage } = await freshStore();
    local.resetRequests();
    const users = Array.from({ length: 10 }, (_, i) => `user-${i}`);
    await Promise.all(users.map((user) => storage.putMetrics(days(5, { user_id: user }))));
    expect(local.requests.filter((r) => r.operation === 'BatchWriteItem').map((r) => r.items)).toEqual([25, 25]);
    const stored = await storage.queryMetrics();
    expect(stored).toHaveLength(50);
    expect(new Set(stored.map((r) => r.user_id))).toEqual(new Set(users));
    await storage.close();
  });

  it('sends a partial batch after the linger, and at once with writeLingerMs 0', async () => {
    for (const [writeLingerMs, expected] of [
      [50, [7]],
      [0, [3, 4]],
    ] as const) {
      const tables = await local.createTables();
      const storage = createDynamoDbStorage({ ...tables, clientConfig: local.clientConfig, writeLingerMs });
      local.resetRequests();
      await Promise.all([storage.putMetrics(days(3, { user_id: 'a' })), storage.putMetrics(days(4, { user_id: 'b' }))]);
      expect(local.requests.filter((r) => r.operation === 'BatchWriteItem').map((r) => r.items)).toEqual(expected);
      expect(await storage.queryMetrics()).toHaveLength(7);
      await storage.close();
    }
  });

  it('fails every call with items in a failed shared batch, and only once none of its items is in flight', async () => {
    const tables = await local.createTables();
    const storage = createDynamoDbStorage({
      ...tables,
      clientConfig: { ...local.clientConfig, maxAttempts: 1 },
    });
    // The first request (a's 20 items and 5 of b's) is refused: b's other 15, not sent yet, are dropped;
    // c's 3 go after the linger.
    local.setFault(({ operation, request }) =>
      operation === 'BatchWriteItem' && request === 1
        ? { error: { type: 'ProvisionedThroughputExceededException', message: 'slow down' } }
        : undefined,
    );
    const results = await Promise.allSettled([
      storage.putMetrics(days(20, { user_id: 'a' })),
      storage.putMetrics(days(20, { user_id: 'b' })),
      storage.putMetrics(days(3, { user_id: 'c' })),
    ]);
    local.setFault();
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    for (const r of results.slice(0, 2)) {
      expect(formatError((r as PromiseRejectedResult).reason)).toContain('DynamoDB is throttling requests');
    }
    // Nothing of a or b is sent after their calls returned.
    const sent = local.count('BatchWriteItem');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(local.count('BatchWriteItem')).toBe(sent);
    const stored = await storage.queryMetrics();
    expect(stored.filter((r) => r.user_id === 'a')).toEqual([]);
    expect(stored.filter((r) => r.user_id === 'c')).toHaveLength(3);
    await storage.close();
  });

  it('retries UnprocessedItems until every item is written', async () => {
    const { storage } = await freshStore();
    // The first three requests each leave 10 items unprocessed, like a throttled table.
    local.setUnprocessed((items, request) => (request <= 3 ? Math.min(10, items) : 0));
    local.resetRequests();
    try {
      await storage.putMetrics(days(60));
    } finally {
      local.setUnprocessed();
    }
    expect(local.count('BatchWriteItem')).toBeGreaterThan(3);
    const stored = await storage.queryMetrics();
    expect(stored).toEqual(days(60));
    await storage.close();
  });

  it('gives up with a clear error naming the table when items stay unprocessed', async () => {
    const tables = await local.createTables();
    const storage = createDynamoDbStorage({
      ...tables,
      clientConfig: local.clientConfig,
      batchRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    local.setUnprocessed((items) => Math.min(5, items));
    local.resetRequests();
    let error: unknown;
    try {
      await storage.putMetrics(days(20));
    } catch (e) {
      error = e;
    } finally {
      local.setUnprocessed();
    }
    expect(hasErrorCode(error, 'E_STORAGE')).toBe(true);
    const text = formatError(error);
    expect(text).toContain('[life-stats] [storage:dynamodb]');
    expect(text).toContain(tables.metricsTable);
    expect(text).toContain('5 of 20 items');
    expect(text).toMatch(/run again later/);
    expect(local.count('BatchWriteItem')).toBe(3);
    await storage.close();
  });

  it('follows LastEvaluatedKey through every page of a Query and a Scan', async () => {
    const { storage, metricsTable } = await freshStore();
    // DynamoDB pages at 1 MB read; 15 items of ~100 KB force several pages.
    const admin = new DynamoDBClient(local.clientConfig);
    const padding = 'x'.repeat(100_000);
    const expected: MetricRow[] = [];
    for (let i = 0; i < 15; i++) {
      const r = row({ date: addDays('2025-01-01', i), value: i });
      expected.push(r);
      await admin.send(
        new PutItemCommand({
          TableName: metricsTable,
          Item: {
            user_id: { S: r.user_id },
            metric_date: { S: `${r.date}#${r.metric_type}` },
            metric_type: { S: r.metric_type },
            date: { S: r.date },
            value: { N: String(r.value) },
            timestamp: { S: r.timestamp },
            source: { S: r.source },
            padding: { S: padding },
          },
        }),
      );
    }
    admin.destroy();
    local.resetRequests();
    expect(await storage.queryMetrics({ userId: 'me', metricType: 'steps' })).toEqual(expected);
    expect(local.count('Query')).toBeGreaterThan(1);
    expect(await storage.queryMetrics({ metricType: 'steps', from: '2025-01-03' })).toEqual(expected.slice(2));
    expect(local.count('Scan')).toBeGreaterThan(1);
    await storage.close();
  });

  it('pages the runs table keys with a parallel Scan: every key once, no connect-link ledger record', async () => {
    const tables = await local.createTables();
    const storage = createDynamoDbStorage({
      ...tables,
      clientConfig: local.clientConfig,
      scanSegments: 3,
      scanPageSize: 4,
    });
    const admin = new DynamoDBClient(local.clientConfig);
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const user = `u${String(i).padStart(2, '0')}`;
      for (const metric of i % 4 === 0 ? ['steps', 'sleep_minutes'] : ['steps']) {
        await admin.send(
          new PutItemCommand({
            TableName: tables.runsTable,
            Item: { user_id: { S: user }, metric_type: { S: metric }, last_status: { S: 'ok' } },
          }),
        );
        expected.push(`${metric}|${user}`);
      }
    }
    // A connect link's single-use record lives in the same table (DESIGN.md "Connect links").
    await admin.send(
      new PutItemCommand({
        TableName: tables.runsTable,
        Item: { user_id: { S: '#connect' }, metric_type: { S: 'claim-1' }, expires: { N: '1' } },
      }),
    );
    admin.destroy();
    local.resetRequests();
    const pages: number[] = [];
    const keys: string[] = [];
    for await (const page of storage.pageCursorKeys?.() ?? []) {
      pages.push(page.length);
      for (const key of page) keys.push(`${key.metric_type}|${key.user_id}`);
    }
    expect(keys.sort()).toEqual(expected.sort());
    // 51 items in pages of at most 4 over 3 segments: many requests, each holding a page.
    expect(Math.max(...pages)).toBeLessThanOrEqual(4);
    expect(local.count('Scan')).toBeGreaterThanOrEqual(13);
    await storage.close();
  });

  it('reports a stored item without a numeric value, naming its key and table', async () => {
    const { storage, metricsTable } = await freshStore();
    const admin = new DynamoDBClient(local.clientConfig);
    await admin.send(
      new PutItemCommand({
        TableName: metricsTable,
        Item: { user_id: { S: 'me' }, metric_date: { S: '2026-01-02#steps' }, value: { S: 'twelve' } },
      }),
    );
    admin.destroy();
    await expect(storage.queryMetrics({ userId: 'me' })).rejects.toThrow(
      `metric_date="2026-01-02#steps" in table ${metricsTable} has no numeric "value"`,
    );
    await storage.close();
  });

  it('refuses a non-finite value before sending anything', async () => {
    const { storage } = await freshStore();
    local.resetRequests();
    await expect(storage.putMetrics([row({ value: Number.NaN })])).rejects.toThrow(/NaN as a value/);
    expect(local.requests).toEqual([]);
    await storage.close();
  });

  it('names a missing table and the next step', async () => {
    const storage = createDynamoDbStorage({
      metricsTable: 'no-such-metrics',
      runsTable: 'no-such-runs',
      clientConfig: local.clientConfig,
    });
    const error = await storage.putMetrics([row()]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'E_STORAGE')).toBe(true);
    expect(formatError(error)).toMatch(/cannot write metrics \(table no-such-metrics\): the table does not exist/);
    expect(formatError(error)).toContain('LIFE_STATS_METRICS_TABLE');
    await expect(storage.getCursor('me', 'steps')).rejects.toThrow(/table no-such-runs/);
    await storage.close();
  });

  it('rejects an invalid table name when created, and use after close', async () => {
    expect(() => createDynamoDbStorage({ metricsTable: 'a b' })).toThrow(/not a valid DynamoDB table name/);
    expect(() =>
      createDynamoDbStorage({ metricsTable: 'arn:aws:dynamodb:eu-central-1:123456789012:table/life-stats-metrics' }),
    ).not.toThrow();
    const { storage } = await freshStore();
    await storage.close();
    await expect(storage.queryMetrics()).rejects.toThrow(/the store is closed/);
  });
});
