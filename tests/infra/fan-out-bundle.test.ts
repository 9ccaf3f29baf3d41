/**
 * The bundle of a config with `"fanOut"` exports the worker beside the planning collector, and both
 * work as deployed: the collector (with `LIFE_STATS_QUEUE_URL`) enqueues into the SQS fake, the
 * worker export drains it into dynalite. A bundle without `fanOut` carries neither the planner nor
 * the SQS client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@life-stats/core';
import { bundleHandler, type HandlerBundle } from '@life-stats/infra';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { drainQueue } from '@life-stats/testing/sqs-event-source';
import { type SqsFake, startSqsFake } from '@life-stats/testing/sqs-fake';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const saved = { ...process.env };
const users = ['ann', 'bob', 'cid', 'dee'];
const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'bundle' };

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Two days inside the first run's window (`backfillDays` 3, UTC) whatever today is. */
const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const DAY_1 = utcDay(2);
const DAY_2 = utcDay(1);

let outDir: string;
let fanned: HandlerBundle;
let plain: HandlerBundle;
let dynamo: LocalDynamoDb;
let ssm: SsmFake;
let sqs: SqsFake;
let project: TempProject;
let tables: { metricsTable: string; runsTable: string };

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'life-stats-fan-out-bundle-'));
  [dynamo, ssm, sqs] = await Promise.all([startLocalDynamoDb(), startSsmFake(), startSqsFake()]);
  tables = await dynamo.createTables();
  const settings = (fanOut: boolean) => ({
    timezone: 'UTC',
    backfillDays: 3,
    storage: { type: 'dynamodb', ...tables },
    secrets: { type: 'ssm', prefix: '/ls-fan-out' },
    users: users.map((id) => ({ id })),
    ...(fanOut ? { fanOut: { maxConcurrency: 2, batchSize: 3 } } : {}),
    plugins: [{ use: 'csv', metric: 'weight', config: { file: 'weight.csv', dateColumn: 'date', valueColumn: 'kg' } }],
  });
  project = createTempProject({
    'weight.csv': `date,kg\n${DAY_1},70.5\n${DAY_2},70.1\n`,
    'fanned.json': settings(true),
    'plain.json': settings(false),
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const bundle = async (name: string) =>
    bundleHandler({
      config: await loadConfig({ configPath: project.path(`${name}.json`), env: {} }),
      outDir: join(outDir, name),
    });
  [fanned, plain] = await Promise.all([bundle('fanned'), bundle('plain')]);
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await Promise.all([dynamo?.stop(), ssm?.stop(), sqs?.stop()]);
  project?.remove();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const sqsBytes = (bundle: HandlerBundle) =>
  Object.entries(bundle.inputs)
    .filter(([path]) => path.includes('@aws-sdk/client-sqs') || path.endsWith('core/src/lambda/planner.ts'))
    .reduce((sum, [, bytes]) => sum + bytes, 0);

describe('the bundle of a config with fanOut', () => {
  it('carries the planner and the SQS client only with fanOut', () => {
    expect(sqsBytes(fanned)).toBeGreaterThan(10_000);
    expect(sqsBytes(plain)).toBe(0);
    expect(Object.keys(plain.inputs).some((path) => path.endsWith('core/src/lambda/worker.ts'))).toBe(false);
  });

  it('plans into the queue from `handler` and collects every pair through `worker`', async () => {
    const queue = sqs.createQueue('bundle-fan-out');
    process.env.LIFE_STATS_QUEUE_URL = queue.url;
    const module = (await import(/* @vite-ignore */ pathToFileURL(fanned.file).href)) as {
      handler: Handler;
      worker: Parameters<typeof drainQueue>[0]['worker'];
    };
    expect(await module.handler({ metric: 'weight' }, context)).toEqual({ runs: [], enqueued: 4 });
    const report = await drainQueue({ clientConfig: sqs.clientConfig, queueUrl: queue.url, worker: module.worker });
    expect(report).toMatchObject({ deleted: 4, redelivered: 0, errors: [] });
    const rows = await dynamo.scan(tables.metricsTable);
    expect(rows.map((r) => `${r.user_id?.S} ${r.metric_date?.S} ${r.value?.N}`).sort()).toEqual(
      users.flatMap((u) => [`${u} ${DAY_1}#weight 70.5`, `${u} ${DAY_2}#weight 70.1`]),
    );
    const runs = await dynamo.scan(tables.runsTable);
    expect(runs.map((r) => `${r.user_id?.S} ${r.last_status?.S}`).sort()).toEqual(users.map((u) => `${u} ok`));
  });

  it('refuses to run as a planner when built without fanOut', async () => {
    process.env.LIFE_STATS_QUEUE_URL = sqs.createQueue('bundle-plain').url;
    const module = (await import(/* @vite-ignore */ pathToFileURL(plain.file).href)) as { handler: Handler };
    await expect(module.handler({}, context)).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('without "fanOut"'),
    });
  });
});
