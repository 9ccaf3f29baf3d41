import { formatError, hasErrorCode, runPairs } from '@life-stats/core';
import { createDynamoDbStorage } from '@life-stats/core/storage/dynamodb';
import { fastSdkRetry, type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { at, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, faultCase } from './support/case.js';
import { dynamoRows } from './support/rows.js';
import {
  afterCase,
  BACKFILL,
  cleanUpAfterEach,
  DAY1,
  expected1,
  RUN1,
  RUN2,
  run,
  sourcePlugin,
} from './support/storage-rig.js';

const PTEE = 'ProvisionedThroughputExceededException';

let local: LocalDynamoDb;

beforeAll(async () => {
  local = await startLocalDynamoDb();
});

afterAll(async () => {
  await local?.stop();
});

afterEach(() => {
  local.setFault();
  local.setUnprocessed();
});

cleanUpAfterEach();

/** Config, a secrets file holding a planted token, and a DynamoDB store with short SDK retries. */
async function dynamoSetup(c: CaseRecorder, override: { metricsTable?: string } = {}) {
  const dir = tempDir();
  const config = makeConfig(dir, [{ plugin: sourcePlugin() }], { backfillDays: BACKFILL });
  const { secrets } = makeStores(dir);
  await secrets.set('counter', 'token', c.secret('token'), 'me');
  const tables = { ...(await local.createTables()), ...override };
  const storage = createDynamoDbStorage({
    ...tables,
    // The SDK's own retries (DynamoDB client default: 4 attempts, standard mode, 100 ms base / 500 ms
    // for throttling, up to 20 s) with the same attempt count but 5 ms waits, so cases stay fast.
    clientConfig: { ...local.clientConfig, retryStrategy: fastSdkRetry(4, 5) },
    batchRetry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  afterCase({ storage: storage });
  local.resetRequests();
  return { config, secrets, storage, ...tables };
}

/** The run row of `me`/`steps`, scanned past the adapter and the proxy. */
async function dynamoRun(runsTable: string) {
  const item = (await local.scan(runsTable)).find((i) => i.user_id?.S === 'me' && i.metric_type?.S === 'steps');
  return (
    item && { last_run_time: item.last_run_time?.S, last_status: item.last_status?.S, last_error: item.last_error?.S }
  );
}

describe('storage faults', () => {
  faultCase(
    'storage',
    'DynamoDB leaves half of each batch unprocessed for a while: retried, all stored once',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setUnprocessed((items, request) => (request <= 4 ? Math.ceil(items / 2) : 0));
      const { result } = await run(c, s, RUN1);
      expect(result).toMatchObject({ status: 'ok', items: 61 });
      const batches = local.requests.filter((r) => r.operation === 'BatchWriteItem');
      // 3 batches (25 + 25 + 11), plus one retry for each of the 4 requests that left items behind.
      expect(batches).toHaveLength(3 + 4);
      expect(batches.every((b) => (b.items ?? 0) <= 25)).toBe(true);
      const heldBack = batches.slice(0, 4).reduce((n, b) => n + Math.ceil((b.items ?? 0) / 2), 0);
      expect(batches.reduce((n, b) => n + (b.items ?? 0), 0)).toBe(61 + heldBack);
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN1, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'DynamoDB answers ProvisionedThroughputExceeded twice: SDK retries heal it in the run',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setFault(({ operation, request }) =>
        operation === 'BatchWriteItem' && request <= 2
          ? {
              error: {
                type: PTEE,
                message: 'The level of configured provisioned throughput for the table was exceeded.',
              },
            }
          : undefined,
      );
      const { result } = await run(c, s, RUN1);
      expect(result).toMatchObject({ status: 'ok', items: 61 });
      expect(local.count('BatchWriteItem')).toBe(3 + 2);
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN1, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'DynamoDB throttles every write of a run: the pair fails clearly, the next run heals',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setFault(({ operation }) =>
        operation === 'BatchWriteItem' ? { error: { type: PTEE, message: 'Throughput exceeded' } } : undefined,
      );
      const first = await run(c, s, RUN1);
      expect(first.result.status).toBe('failed');
      expect(first.result.error).toContain(
        `[life-stats] [storage:dynamodb] cannot write metrics (table ${s.metricsTable}): DynamoDB is throttling requests even after retries (${PTEE})`,
      );
      expect(first.result.error).toContain(
        'Run again later: the run row was not advanced, so the next run covers the gap.',
      );
      // Every batch sent was tried 4 times by the SDK (its default attempt count), then given up. The
      // two full batches go at once; the 11-item rest waits (up to writeLingerMs) for other pairs'
      // items, and is dropped if the call has failed by then.
      const sent = local.count('BatchWriteItem');
      expect([2 * 4, 3 * 4]).toContain(sent);
      // Nothing goes on in the background once the pair has failed.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(local.count('BatchWriteItem')).toBe(sent);
      c.checkNothingWritten(await dynamoRows(local, s.metricsTable));
      const failed = await dynamoRun(s.runsTable);
      expect(failed).toMatchObject({ last_run_time: undefined, last_status: 'failed' });
      expect(failed?.last_error).toContain('throttling');

      local.setFault();
      const second = await run(c, s, RUN2);
      expect(second.result).toMatchObject({ status: 'ok', items: 61 });
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN2, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'the connection drops after DynamoDB wrote a batch: the SDK resends it, no duplicate',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setFault(({ operation, request }) =>
        operation === 'BatchWriteItem' && request === 2 ? { destroy: 'after' } : undefined,
      );
      const { result } = await run(c, s, RUN1);
      expect(result).toMatchObject({ status: 'ok', items: 61 });
      expect(local.count('BatchWriteItem')).toBe(3 + 1);
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN1, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'every BatchWriteItem answer is lost for a whole run: the pair fails, the next run heals',
    async (c) => {
      const s = await dynamoSetup(c);
      // Odd requests reach DynamoDB and lose the answer, even ones are cut before reaching it.
      local.setFault(({ operation, request }) =>
        operation === 'BatchWriteItem' ? { destroy: request % 2 === 1 ? 'after' : 'before' } : undefined,
      );
      const first = await run(c, s, RUN1);
      expect(first.result.status).toBe('failed');
      expect(first.result.error).toContain(
        `[life-stats] [storage:dynamodb] cannot write metrics (table ${s.metricsTable}): cannot reach DynamoDB (ECONNRESET)`,
      );
      expect(first.result.error).toContain('Check the network and AWS_REGION');
      // The failure is reported only once every batch has settled: nothing is still being retried in
      // the background, where it could overwrite a later run's writes.
      const sent = local.count('BatchWriteItem');
      expect([2 * 4, 3 * 4]).toContain(sent);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(local.count('BatchWriteItem')).toBe(sent);
      // Some batches were written although the run failed: still no duplicate, and the cursor did not move.
      const partial = await dynamoRows(local, s.metricsTable);
      expect(partial.length).toBeGreaterThan(0);
      expect(new Set(partial.map((r) => r.date)).size).toBe(partial.length);
      expect(await dynamoRun(s.runsTable)).toMatchObject({ last_run_time: undefined, last_status: 'failed' });

      local.setFault();
      const second = await run(c, s, RUN2);
      expect(second.result).toMatchObject({ status: 'ok', items: 61 });
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN2, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'DynamoDB throttles the run-row write after the metrics landed: the cursor stays, the next run heals',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setFault(({ operation }) =>
        operation === 'UpdateItem' ? { error: { type: PTEE, message: 'Throughput exceeded' } } : undefined,
      );
      const first = await run(c, s, RUN1);
      expect(first.result.status).toBe('failed');
      expect(first.result.error).toContain(
        `[life-stats] [storage:dynamodb] cannot write a run (table ${s.runsTable}): DynamoDB is throttling requests even after retries (${PTEE})`,
      );
      expect(first.log).toContain('could not record the run status');
      // The metrics are stored (upserts), but no run row says they were: the next run redoes the window.
      expect(await dynamoRun(s.runsTable)).toBeUndefined();

      local.setFault();
      const second = await run(c, s, RUN2);
      expect(second.result).toMatchObject({ status: 'ok', items: 61, window: { start: '2026-09-26', end: DAY1 } });
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN2, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'DynamoDB answers HTTP 500 InternalServerError now and then: SDK retries heal it in the run',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setFault(({ request }) =>
        request % 3 === 1
          ? { error: { status: 500, type: 'InternalServerError', message: 'Internal server error' } }
          : undefined,
      );
      const { result } = await run(c, s, RUN1);
      expect(result).toMatchObject({ status: 'ok', items: 61 });
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN1, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'DynamoDB refuses the AWS credentials: the run fails before any pair saying what to check; fixed, it heals',
    async (c) => {
      const s = await dynamoSetup(c);
      local.setFault(() => ({
        error: {
          type: 'UnrecognizedClientException',
          message: 'The security token included in the request is invalid.',
        },
      }));
      const error = await runPairs({ ...s, retry: FAST_RETRY, now: at(RUN1) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      c.see(error, formatError(error));
      expect(hasErrorCode(error, 'E_STORAGE')).toBe(true);
      expect(formatError(error)).toBe(
        `[life-stats] [storage:dynamodb] cannot list runs (table ${s.runsTable}): the AWS credentials were refused or not found ` +
          '(UnrecognizedClientException: The security token included in the request is invalid.)\n' +
          '  → Check AWS_PROFILE / AWS_ACCESS_KEY_ID or your SSO session (`aws sso login`), and AWS_REGION.',
      );
      expect(local.count('BatchWriteItem')).toBe(0);
      c.checkNothingWritten(await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toBeUndefined();

      local.setFault();
      const second = await run(c, s, RUN2);
      expect(second.result).toMatchObject({ status: 'ok', items: 61 });
      c.checkRows(expected1, await dynamoRows(local, s.metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN2, last_status: 'ok', last_error: undefined });
    },
  );

  faultCase(
    'storage',
    'the metrics table is not deployed yet: the pair fails saying how to deploy; once created, the next run heals',
    async (c) => {
      const metricsTable = `metrics-late-${Date.now()}`;
      const s = await dynamoSetup(c, { metricsTable });
      const first = await run(c, s, RUN1);
      expect(first.result.status).toBe('failed');
      expect(first.result.error).toContain(
        `[life-stats] [storage:dynamodb] cannot write metrics (table ${metricsTable}): the table does not exist in this account and region`,
      );
      expect(first.result.error).toContain('Deploy the stack in infra/');
      expect(await dynamoRun(s.runsTable)).toMatchObject({ last_run_time: undefined, last_status: 'failed' });

      // The operator deploys the stack (here: creates the table with the seed's key schema).
      await local.createTables({ metricsTable, runsTable: `${metricsTable}-unused-runs` });
      const second = await run(c, s, RUN2);
      expect(second.result).toMatchObject({ status: 'ok', items: 61 });
      c.checkRows(expected1, await dynamoRows(local, metricsTable));
      expect(await dynamoRun(s.runsTable)).toEqual({ last_run_time: RUN2, last_status: 'ok', last_error: undefined });
    },
  );
});
