// Over 300 lines: one loopback deployment (SQS fake, dynalite, SSM fake) started once for all the
// planner and worker scenarios; each scenario is short.
/**
 * Fan-out on loopback (DESIGN.md "Lambda", "Fan-out"): the planner (`handler` with
 * `LIFE_STATS_QUEUE_URL`) against the wire-level SQS fake, the workers driven by an in-process SQS
 * event source with the real `@aws-sdk/client-sqs`, rows in dynalite, secrets in the SSM fake.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  definePlugin,
  eachDate,
  type LoadedConfig,
  type PluginDefinition,
  ReconnectRequiredError,
  RetryableError,
} from '@life-stats/core';
import { createHandler, createWorker, type LambdaContext } from '@life-stats/core/lambda';
import { type CapturedStdout, captureStdout } from '@life-stats/testing/capture-stdout';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { makeConfig, tempDir } from '@life-stats/testing/engine';
import { drainQueue } from '@life-stats/testing/sqs-event-source';
import { type FakeQueue, type SqsFake, startSqsFake } from '@life-stats/testing/sqs-fake';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const PREFIX = '/life-stats-fanout';
const FAST = { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10 };
const context: LambdaContext = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'fan-out' };

let dynamo: LocalDynamoDb;
let ssm: SsmFake;
let sqs: SqsFake;
let stdout: CapturedStdout | undefined;
const saved = new Map<string, string | undefined>();

function setEnv(key: string, value: string | undefined): void {
  if (!saved.has(key)) saved.set(key, process.env[key]);
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

beforeAll(async () => {
  [dynamo, ssm, sqs] = await Promise.all([startLocalDynamoDb(), startSsmFake(), startSqsFake()]);
  setEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
  setEnv('AWS_ENDPOINT_URL_SSM', ssm.endpoint);
  setEnv('AWS_ENDPOINT_URL_SQS', sqs.endpoint);
  setEnv('AWS_REGION', 'us-east-1');
  setEnv('AWS_ACCESS_KEY_ID', 'local');
  setEnv('AWS_SECRET_ACCESS_KEY', 'local');
  setEnv('AWS_SESSION_TOKEN', undefined);
  setEnv('AWS_PROFILE', undefined);
  setEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
});

afterAll(async () => {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await Promise.all([dynamo?.stop(), ssm?.stop(), sqs?.stop()]);
});

beforeEach(() => {
  stdout = captureStdout();
});

afterEach(() => {
  stdout?.restore();
  stdout = undefined;
  sqs.failBatchEntries();
  setEnv('LIFE_STATS_QUEUE_URL', undefined);
});

let queueCounter = 0;
function newQueue(): FakeQueue {
  queueCounter++;
  const dlq = sqs.createQueue(`fanout-dlq-${queueCounter}`);
  return sqs.createQueue(`fanout-${queueCounter}`, { deadLetter: dlq, maxReceiveCount: 5 });
}

const value = (user: string, date: string, metric: string) =>
  (user.length * 31 + Number(date.slice(-2)) * 7 + metric.length) % 1000;

/** A plugin of one metric whose users each hold a `token`; `behave` may throw for a user. */
function levelPlugin(metric: string, behave?: (user: string) => void): PluginDefinition {
  return definePlugin({
    id: `level-${metric}`,
    apiVersion: 1,
    metric: { type: metric },
    secrets: { namespace: 'level', user: ['token'] },
    async fetch(ctx) {
      if (ctx.secrets.get('token') !== `tok-${ctx.user.id}`) throw new Error(`wrong token for ${ctx.user.id}`);
      behave?.(ctx.user.id);
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({
        date,
        value: value(ctx.user.id, date, metric),
      }));
    },
  });
}

let setups = 0;
async function setup(users: string[], plugins: PluginDefinition[], configUsers: string[] = []): Promise<LoadedConfig> {
  const tables = await dynamo.createTables();
  const prefix = `${PREFIX}-${++setups}`;
  for (const user of users) {
    ssm.parameters.set(`${prefix}/level/${user}/token`, { value: `tok-${user}`, type: 'SecureString', version: 1 });
  }
  return {
    ...makeConfig(
      tempDir('life-stats-fanout-'),
      plugins.map((plugin) => ({ plugin })),
      { backfillDays: 2, users: configUsers.map((id) => ({ id, timezone: 'UTC' })) },
    ),
    storage: { type: 'dynamodb', ...tables },
    secrets: { type: 'ssm', prefix },
    fanOut: { maxConcurrency: 3, batchSize: 10 },
  };
}

async function metricRows(config: LoadedConfig) {
  if (config.storage.type !== 'dynamodb') throw new Error('dynamodb only');
  return (await dynamo.scan(config.storage.metricsTable)).map((r) => ({
    user: r.user_id?.S,
    key: r.metric_date?.S,
    value: Number(r.value?.N),
  }));
}

async function runRows(config: LoadedConfig) {
  if (config.storage.type !== 'dynamodb') throw new Error('dynamodb only');
  return new Map(
    (await dynamo.scan(config.storage.runsTable)).map((r) => [
      `${r.metric_type?.S}|${r.user_id?.S}`,
      { status: r.last_status?.S, error: r.last_error?.S, time: r.last_run_time?.S },
    ]),
  );
}

/** The messages the functions logged (Powertools' JSON lines on stdout). */
const logged = () => (stdout?.json() ?? []).map((line) => String(line.message));

const ids = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('fan-out planner', () => {
  it('enqueues every selected pair once, as the seed event, in SendMessageBatch requests of 10, and fetches nothing', async () => {
    let fetched = 0;
    const users = ids(23, 'u');
    const config = await setup(
      users,
      [levelPlugin('steps', () => fetched++), levelPlugin('sleep', () => fetched++)],
      ['configured'],
    );
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    const before = sqs.counts.get('SendMessageBatch') ?? 0;
    const summary = await createHandler({ loadConfig: async () => config })({}, context);
    expect(summary).toEqual({ runs: [], enqueued: 48 });
    expect(fetched).toBe(0);
    const bodies = sqs.sent(queue).map((b) => JSON.parse(b) as Record<string, unknown>);
    const expected = ['steps', 'sleep'].flatMap((metric) =>
      ['configured', ...users].map((user_id) => JSON.stringify({ metric, user_id })),
    );
    expect(bodies.map((b) => JSON.stringify({ metric: b.metric, user_id: b.user_id })).sort()).toEqual(expected.sort());
    expect(Object.keys(bodies[0] ?? {}).sort()).toEqual(['metric', 'user_id']);
    expect((sqs.counts.get('SendMessageBatch') ?? 0) - before).toBe(5);

    // The event narrows the plan as it narrows a run.
    const narrowed = await createHandler({ loadConfig: async () => config })({ metric: 'sleep' }, context);
    expect(narrowed).toEqual({ runs: [], enqueued: 24 });
  });

  it('streams the plan: users of the config, the runs table and SSM (by name only), each pair once, sends before the listing ends', async () => {
    const users = ids(45, 's');
    const config = await setup(users, [levelPlugin('steps'), levelPlugin('sleep')], ['configured', 's001']);
    if (config.storage.type !== 'dynamodb') throw new Error('dynamodb only');
    const admin = new DynamoDBClient(dynamo.clientConfig);
    const runsTable = config.storage.runsTable;
    const runRow = (user: string, metric: string) =>
      admin.send(
        new PutItemCommand({
          TableName: runsTable,
          Item: { user_id: { S: user }, metric_type: { S: metric }, last_status: { S: 'ok' } },
        }),
      );
    // A user known only from the runs table (steps only), one also in SSM, an id breaking the
    // user-id rule, a metric no entry writes, and a connect link's single-use record.
    await runRow('runs-only', 'steps');
    await runRow('s002', 'sleep');
    await runRow('bad id', 'steps');
    await runRow('s003', 'retired_metric');
    await runRow('#connect', 'claim-1');
    admin.destroy();
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    ssm.resetRequests();
    // When SSM is asked for its last page of users, pairs of the first pages are already in SQS.
    let sentBeforeLastPage: number | undefined;
    ssm.throttle((operation, request) => {
      if (operation === 'GetParametersByPath' && request === 5) sentBeforeLastPage = sqs.sent(queue).length;
      return false;
    });
    // Only what the planner's role allows (infra: grantPlanner): a Scan of the runs table and the
    // parameter names under the prefix.
    const denied = { error: { type: 'AccessDeniedException', message: 'not authorized' } };
    const asPlanner = async <T>(fn: () => Promise<T>): Promise<T> => {
      dynamo.setFault((request) => (['Scan', 'GetItem'].includes(request.operation) ? undefined : denied));
      ssm.denyAccess((operation) => operation !== 'GetParametersByPath');
      try {
        return await fn();
      } finally {
        ssm.denyAccess();
        dynamo.setFault();
      }
    };
    let summary: unknown;
    try {
      summary = await asPlanner(() => createHandler({ loadConfig: async () => config })({}, context));
    } finally {
      ssm.throttle();
    }
    const expected = [
      ...['configured', ...users].flatMap((user) => [`steps|${user}`, `sleep|${user}`]),
      'steps|runs-only',
    ].sort();
    const sent = sqs.sent(queue).map((b) => {
      const body = JSON.parse(b) as { metric: string; user_id: string };
      return `${body.metric}|${body.user_id}`;
    });
    expect(sent.sort()).toEqual(expected);
    expect(summary).toEqual({ runs: [], enqueued: expected.length });
    const pages = ssm.requests.filter((r) => r.operation === 'GetParametersByPath');
    // One listing of the namespace both entries share, five pages of 10, no value decrypted.
    expect(pages).toHaveLength(5);
    expect(pages.every((r) => r.input.WithDecryption === false)).toBe(true);
    expect(ssm.count('GetParameter')).toBe(0);
    expect(sentBeforeLastPage).toBeGreaterThanOrEqual(10);
    expect(logged()).toContainEqual(expect.stringMatching(/^skipping user "bad id" found in the runs table/));

    // A user event asks about that user alone: its run rows, and one SSM request under its own path
    // (not a listing of every user).
    const handler = createHandler({ loadConfig: async () => config });
    ssm.resetRequests();
    expect(await asPlanner(() => handler({ user_id: 'runs-only' }, context))).toEqual({ runs: [], enqueued: 1 });
    expect(await asPlanner(() => handler({ user_id: 's044' }, context))).toEqual({ runs: [], enqueued: 2 });
    expect(await asPlanner(() => handler({ user_id: 's044', metric: 'sleep' }, context))).toEqual({
      runs: [],
      enqueued: 1,
    });
    expect(ssm.requests.map((r) => `${r.input.Path}|${r.input.Recursive}|${r.input.WithDecryption}`)).toEqual([
      `${config.secrets.type === 'ssm' ? config.secrets.prefix : ''}/level/runs-only|false|false`,
      `${config.secrets.type === 'ssm' ? config.secrets.prefix : ''}/level/s044|false|false`,
      `${config.secrets.type === 'ssm' ? config.secrets.prefix : ''}/level/s044|false|false`,
    ]);
    await expect(asPlanner(() => handler({ user_id: 'nobody' }, context))).rejects.toThrow(
      /user "nobody" has no pair to run/,
    );
    const tail = sqs
      .sent(queue)
      .slice(-4)
      .map((b) => JSON.parse(b) as { metric: string; user_id: string });
    expect(tail.map((b) => `${b.metric}|${b.user_id}`).sort()).toEqual(
      ['steps|runs-only', 'steps|s044', 'sleep|s044', 'sleep|s044'].sort(),
    );
  });

  it('a namespace SSM will not list: its known users are enqueued and the error logged; with none known, what was listed is enqueued and the invocation fails', async () => {
    const config = await setup(ids(25, 'd'), [levelPlugin('steps')], ['known']);
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    ssm.denyAccess((operation) => operation === 'GetParametersByPath');
    try {
      expect(await createHandler({ loadConfig: async () => config })({}, context)).toEqual({ runs: [], enqueued: 1 });
    } finally {
      ssm.denyAccess();
    }
    expect(sqs.sent(queue)).toEqual([JSON.stringify({ metric: 'steps', user_id: 'known' })]);
    expect(logged()).toContainEqual(
      expect.stringMatching(/^cannot list the users of namespace level: .*ssm:GetParametersByPath is missing/),
    );

    // No config user, no run row: SSM fails after two pages, so their 20 users are enqueued and the
    // invocation reports the failure (the function's Errors alarm), naming the permission-free cause.
    const unknown = await setup(ids(25, 'e'), [levelPlugin('steps')]);
    const second = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', second.url);
    ssm.throttle((operation, request) => operation === 'GetParametersByPath' && request > 2);
    try {
      await expect(createHandler({ loadConfig: async () => unknown })({}, context)).rejects.toMatchObject({
        code: 'E_SECRETS',
        message: expect.stringMatching(/list the users under \/life-stats-fanout-\d+\/level/),
      });
    } finally {
      ssm.throttle();
    }
    const listed = sqs.sent(second).map((b) => (JSON.parse(b) as { user_id: string }).user_id);
    expect(listed.sort()).toEqual(ids(20, 'e'));
  });

  it('sends again the entries a batch reports Failed, so every pair is enqueued exactly once', async () => {
    const users = ids(35, 'p');
    const config = await setup(users, [levelPlugin('steps')]);
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    // The first four requests fail their even entries; later attempts of those entries fail once more.
    const failures = new Map<string, number>();
    sqs.failBatchEntries((entry, request) => {
      const n = failures.get(entry.body) ?? 0;
      const fail = (request <= 4 && Number(entry.id.slice(1)) % 2 === 0) || (n === 1 && entry.body.includes('p01'));
      if (fail) failures.set(entry.body, n + 1);
      return fail;
    });
    const summary = await createHandler({ loadConfig: async () => config })({}, context);
    expect(summary).toEqual({ runs: [], enqueued: 35 });
    expect(failures.size).toBeGreaterThan(5);
    const sent = sqs.sent(queue).map((b) => (JSON.parse(b) as { user_id: string }).user_id);
    expect(sent.sort()).toEqual(users);
  });

  it('fails the invocation (E_QUEUE) when SQS keeps refusing entries: nothing is silently lost', async () => {
    const config = await setup(ids(12, 'z'), [levelPlugin('steps')]);
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    sqs.failBatchEntries((entry) => entry.body.includes('z011'));
    await expect(createHandler({ loadConfig: async () => config })({}, context)).rejects.toMatchObject({
      code: 'E_QUEUE',
      message: expect.stringMatching(
        /1 of 12 messages were not enqueued; .*did not take 1 message .* after 5 attempts .*InternalError/,
      ),
      lost: 1,
    });
    expect(sqs.sent(queue)).toHaveLength(11);
  });
});

describe('fan-out workers', () => {
  it('workers in parallel collect every pair: every row stored, every run row ok, the queue empty', async () => {
    const users = ids(40, 'w');
    const config = await setup(users, [levelPlugin('steps'), levelPlugin('sleep')]);
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    expect(await createHandler({ loadConfig: async () => config })({}, context)).toMatchObject({ enqueued: 80 });
    const worker = createWorker({ loadConfig: async () => config, retry: FAST });
    const report = await drainQueue({ clientConfig: sqs.clientConfig, queueUrl: queue.url, worker, concurrency: 3 });
    expect(report).toMatchObject({ deleted: 80, redelivered: 0, errors: [] });
    expect(report.invocations).toBeGreaterThanOrEqual(8);
    const rows = await metricRows(config);
    // backfillDays 2: three days per pair, each once.
    expect(rows).toHaveLength(80 * 3);
    expect(new Set(rows.map((r) => `${r.user}|${r.key}`)).size).toBe(240);
    for (const r of rows) {
      const [date = '', metric = ''] = (r.key ?? '').split('#');
      expect(r.value).toBe(value(r.user ?? '', date, metric));
    }
    const runs = await runRows(config);
    expect(runs.size).toBe(80);
    for (const [key, run] of runs) expect(run.status, key).toBe('ok');
    expect(queue.messages).toHaveLength(0);
  });

  it('redelivers retryable failures until they succeed; records and consumes permanent ones (failed, reconnect, skipped)', async () => {
    const users = ['ok1', 'flaky', 'broken', 'revoked'];
    let flakyCalls = 0;
    const plugin = levelPlugin('steps', (user) => {
      if (user === 'flaky' && ++flakyCalls <= 4) throw new RetryableError('provider answered 503');
      if (user === 'broken') throw new Error('the provider changed its format');
      if (user === 'revoked') throw new ReconnectRequiredError('the grant was revoked');
    });
    const config = await setup(users, [plugin], ['nosecret']);
    const queue = newQueue();
    setEnv('LIFE_STATS_QUEUE_URL', queue.url);
    await createHandler({ loadConfig: async () => config })({}, context);
    const worker = createWorker({ loadConfig: async () => config, retry: FAST });
    const report = await drainQueue({ clientConfig: sqs.clientConfig, queueUrl: queue.url, worker, concurrency: 2 });
    // flaky: 2 attempts per delivery (retries: 1); 4 failures → delivered 3 times, 2 of them redelivered.
    expect(report.redelivered).toBe(2);
    expect(report.deleted).toBe(5);
    const runs = await runRows(config);
    expect(runs.get('steps|ok1')?.status).toBe('ok');
    expect(runs.get('steps|flaky')?.status).toBe('ok');
    expect(runs.get('steps|broken')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/changed its format/),
    });
    expect(runs.get('steps|revoked')).toMatchObject({ status: 'reconnect', error: expect.stringMatching(/revoked/) });
    expect(runs.get('steps|nosecret')?.status).toBe('skipped');
    const rows = await metricRows(config);
    expect(new Set(rows.map((r) => r.user))).toEqual(new Set(['ok1', 'flaky']));
    expect(rows).toHaveLength(6);
    // Nothing went to the dead-letter queue: permanent failures are consumed, not redelivered forever.
    expect(sqs.queues.get(queue.name.replace('fanout-', 'fanout-dlq-'))?.messages).toHaveLength(0);
  });

  it('near the deadline a worker starts no new pair: those records come back and are collected later', async () => {
    const users = ids(10, 'd');
    let gate: (() => void) | undefined;
    const opened = new Promise<void>((resolve) => {
      gate = resolve;
    });
    let inFlight = 0;
    let slow = true;
    const plugin = definePlugin({
      ...levelPlugin('steps'),
      async fetch(ctx) {
        if (slow) {
          inFlight++;
          await opened;
        }
        return eachDate(ctx.window.start, ctx.window.end).map((date) => ({
          date,
          value: value(ctx.user.id, date, 'steps'),
        }));
      },
    });
    const config = await setup(users, [plugin]);
    const worker = createWorker({ loadConfig: async () => config, retry: FAST, deadlineMarginMs: 5_000 });
    // A worker fetches its whole batch at once: hold six pairs in flight, run the clock down, then
    // open the gate.
    let remaining = 600_000;
    const records = users.map((u, i) => ({
      messageId: `msg-${i}`,
      body: JSON.stringify({ metric: 'steps', user_id: u }),
    }));
    const first = worker({ Records: records.slice(0, 6) }, { getRemainingTimeInMillis: () => remaining });
    await until(() => inFlight === 6);
    remaining = 4_000;
    // A second invocation in the same state starts nothing.
    const late = await worker({ Records: records.slice(6) }, { getRemainingTimeInMillis: () => 4_000 });
    expect(late.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['msg-6', 'msg-7', 'msg-8', 'msg-9']);
    gate?.();
    // The six started pairs finish within the margin (they are not stopped before a third of it).
    expect((await first).batchItemFailures).toEqual([]);
    const runs = await runRows(config);
    expect([...runs.keys()].sort()).toEqual(users.slice(0, 6).map((u) => `steps|${u}`));
    slow = false;
    const again = await worker({ Records: records.slice(6) }, { getRemainingTimeInMillis: () => 600_000 });
    expect(again.batchItemFailures).toEqual([]);
    expect((await runRows(config)).size).toBe(10);
    expect(await metricRows(config)).toHaveLength(30);
  });

  it('redelivery and duplicate records duplicate nothing, and never move a cursor back', async () => {
    const users = ['r1', 'r2'];
    let fetches = 0;
    const config = await setup(users, [levelPlugin('steps', () => fetches++)]);
    const worker = createWorker({ loadConfig: async () => config, retry: FAST });
    const body = (u: string) => JSON.stringify({ metric: 'steps', user_id: u });
    // SQS delivers at least once: the same pair twice in a batch runs once.
    const first = await worker(
      {
        Records: [
          { messageId: 'a', body: body('r1') },
          { messageId: 'b', body: body('r1') },
          { messageId: 'c', body: body('r2') },
        ],
      },
      context,
    );
    expect(first.batchItemFailures).toEqual([]);
    expect(fetches).toBe(2);
    const rowsBefore = await metricRows(config);
    const runsBefore = await runRows(config);
    // Delivered again later (a lost delete): the same rows, a cursor that only moves forward.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await worker({ Records: [{ messageId: 'a2', body: body('r1') }] }, context);
    const rowsAfter = await metricRows(config);
    expect(rowsAfter.map((r) => `${r.user}|${r.key}|${r.value}`).sort()).toEqual(
      rowsBefore.map((r) => `${r.user}|${r.key}|${r.value}`).sort(),
    );
    const runsAfter = await runRows(config);
    expect((runsAfter.get('steps|r1')?.time ?? '') >= (runsBefore.get('steps|r1')?.time ?? '~')).toBe(true);
    expect(runsAfter.get('steps|r2')).toEqual(runsBefore.get('steps|r2'));
  });

  it('consumes a message that is not a pair (bad JSON, no user, an unknown metric), logging why', async () => {
    const config = await setup(['m1'], [levelPlugin('steps')]);
    const worker = createWorker({ loadConfig: async () => config, retry: FAST });
    const result = await worker(
      {
        Records: [
          { messageId: 'bad-json', body: '{' },
          { messageId: 'no-user', body: '{"metric":"steps"}' },
          { messageId: 'bad-user', body: '{"metric":"steps","user_id":"../x"}' },
          { messageId: 'unknown', body: '{"metric":"nope","user_id":"m1"}' },
          { messageId: 'good', body: '{"metric":"steps","user_id":"m1"}' },
        ],
      },
      context,
    );
    expect(result.batchItemFailures).toEqual([]);
    const consumed = (stdout?.text() ?? '')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message?: string; messageId?: string })
      .filter((line) => line.message?.startsWith('consumed a message that is not a pair'));
    expect(consumed.map((l) => l.messageId)).toEqual(['bad-json', 'no-user', 'bad-user', 'unknown']);
    expect(consumed.map((l) => l.message)).toEqual([
      expect.stringMatching(/its body is not JSON/),
      expect.stringMatching(/must name one "metric" and one "user_id"/),
      expect.stringMatching(/"user_id" "\.\.\/x" is not a user id/),
      expect.stringMatching(/no enabled plugin entry writes metric "nope"/),
    ]);
    expect((await runRows(config)).get('steps|m1')?.status).toBe('ok');
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
