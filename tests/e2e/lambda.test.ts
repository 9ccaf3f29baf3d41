/**
 * End to end: the Lambda handler against DynamoDB on loopback (dynalite), the SSM fake, an
 * EventBridge fake and a fake provider, configured only through the environment overrides a
 * deployed function uses.
 */
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunSummary } from '@life-stats/core';
import { eachDate, hasErrorCode } from '@life-stats/core';
import { createHandler, handler as defaultHandler, type LambdaContext } from '@life-stats/core/lambda';
import { type CapturedStdout, captureStdout } from '@life-stats/testing/capture-stdout';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { type EventBridgeFake, startEventBridgeFake } from '@life-stats/testing/eventbridge-fake';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const PREFIX = '/life-stats-e2e';
const USERS = Array.from({ length: 12 }, (_, i) => `user${String(i + 1).padStart(2, '0')}`);
const tokenOf = (user: string) => `refresh-token-of-${user}-9f8e7d`;
const CLIENT_ID = 'shared-client-id-5a4b3c';

const steps = (user: string, date: string) => [...`${user}${date}`].reduce((n, c) => n + c.charCodeAt(0), 0) * 7;
const water = (date: string) => 1500 + Number(date.slice(8)) * 10 + 0.5;

// The fixture plugins have no imports: a plugin file cannot resolve @life-stats/core from a temp folder.
const STEPS_PLUGIN = `
export default {
  id: 'fake-steps',
  apiVersion: 1,
  metric: { type: 'steps', unit: 'count' },
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  secrets: { namespace: 'fake-fit', user: ['token'], shared: ['client_id'] },
  settleDays: 2,
  async fetch(ctx) {
    const token = ctx.secrets.get('token');
    // A careless plugin: core must mask this before it reaches a log line.
    ctx.log.info('calling the provider with ' + token + ' and ' + ctx.secrets.get('client_id'));
    const url = new URL('users/' + ctx.user.id + '/steps?start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.baseUrl);
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + token }, signal: ctx.signal });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    const body = await response.json();
    return body.days.map((day) => ({ date: day.date, value: day.steps }));
  },
};
`;

const WATER_PLUGIN = `
export default {
  id: 'fake-water',
  apiVersion: 1,
  metric: { type: 'water_ml', unit: 'ml' },
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  async fetch(ctx) {
    const url = new URL('users/' + ctx.user.id + '/water?start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.baseUrl);
    const response = await fetch(url, { signal: ctx.signal });
    const body = await response.json();
    return body.days.map((day) => ({ date: day.date, value: day.ml }));
  },
};
`;

/** A provider that answers per user and date, and only with the user's own token. */
async function startProvider(): Promise<{ url: string; requests: () => number; stop: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, , user, kind] = url.pathname.split('/');
    const start = url.searchParams.get('start') ?? '';
    const end = url.searchParams.get('end') ?? '';
    const dates = eachDate(start, end);
    res.setHeader('content-type', 'application/json');
    if (kind === 'steps') {
      if (!user || req.headers.authorization !== `Bearer ${tokenOf(user)}`) {
        res.statusCode = 401;
        return res.end(JSON.stringify({ error: 'invalid_token' }));
      }
      return res.end(JSON.stringify({ days: dates.map((date) => ({ date, steps: steps(user, date) })) }));
    }
    res.end(JSON.stringify({ days: dates.map((date) => ({ date, ml: water(date) })) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests: () => requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let dynamo: LocalDynamoDb;
let ssm: SsmFake;
let events: EventBridgeFake;
let provider: Awaited<ReturnType<typeof startProvider>>;
let project: TempProject;
let tables: { metricsTable: string; runsTable: string };
let stdout: CapturedStdout | undefined;
const savedEnv = new Map<string, string | undefined>();

function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!savedEnv.has(key)) savedEnv.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

function example(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../examples/events/${name}`, import.meta.url), 'utf8'));
}

/** A Lambda context with a generous deadline unless told otherwise. */
function context(remaining: () => number = () => 600_000): LambdaContext {
  return {
    getRemainingTimeInMillis: remaining,
    awsRequestId: 'e2e-request',
    functionName: 'life-stats',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:life-stats',
    memoryLimitInMB: '512',
  };
}

beforeAll(async () => {
  [dynamo, ssm, events, provider] = await Promise.all([
    startLocalDynamoDb(),
    startSsmFake(),
    startEventBridgeFake(),
    startProvider(),
  ]);
  for (const user of USERS) {
    ssm.parameters.set(`${PREFIX}/fake-fit/${user}/token`, { value: tokenOf(user), type: 'SecureString', version: 1 });
  }
  ssm.parameters.set(`${PREFIX}/fake-fit/client_id`, { value: CLIENT_ID, type: 'SecureString', version: 1 });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), ssm?.stop(), events?.stop(), provider?.stop()]);
});

beforeEach(async () => {
  tables = await dynamo.createTables();
  project = createTempProject({
    'plugins/fake-steps.mjs': STEPS_PLUGIN,
    'plugins/fake-water.mjs': WATER_PLUGIN,
    'life-stats.config.json': {
      timezone: 'UTC',
      backfillDays: 3,
      // The file says SQLite and a secrets file, as a laptop config would; the environment switches
      // both to AWS, as the deployed function does.
      storage: { type: 'sqlite', path: '.life-stats/life-stats.db' },
      users: [{ id: 'me', timezone: 'Europe/Berlin' }],
      events: { busName: 'life-stats-bus' },
      plugins: [
        { use: './plugins/fake-steps.mjs', config: { baseUrl: provider.url } },
        { use: './plugins/fake-water.mjs', config: { baseUrl: provider.url } },
      ],
    },
  });
  setEnv({
    LIFE_STATS_CONFIG: project.path('life-stats.config.json'),
    LIFE_STATS_STORAGE: 'dynamodb',
    LIFE_STATS_METRICS_TABLE: tables.metricsTable,
    LIFE_STATS_RUNS_TABLE: tables.runsTable,
    LIFE_STATS_SECRETS: 'ssm',
    LIFE_STATS_SSM_PREFIX: PREFIX,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    POWERTOOLS_DEV: undefined,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  });
  stdout = captureStdout();
});

afterEach(() => {
  stdout?.restore();
  stdout = undefined;
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  savedEnv.clear();
  project?.remove();
});

/** Every stored metric key, checked attribute by attribute against DESIGN.md "Storage". */
async function storedMetrics(): Promise<Map<string, number>> {
  const items = await dynamo.scan(tables.metricsTable);
  const byKey = new Map<string, number>();
  for (const item of items) {
    expect(Object.keys(item).sort()).toEqual([
      'date',
      'metric_date',
      'metric_type',
      'source',
      'timestamp',
      'user_id',
      'value',
    ]);
    const user = item.user_id?.S as string;
    const metric = item.metric_type?.S as string;
    const date = item.date?.S as string;
    expect(item.metric_date).toEqual({ S: `${date}#${metric}` });
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(item.timestamp?.S).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    if (metric === 'steps') {
      expect(item.source).toEqual({ S: 'fake-steps' });
      expect(item.value).toEqual({ N: String(steps(user, date)) });
    } else {
      expect(metric).toBe('water_ml');
      expect(item.source).toEqual({ S: 'fake-water' });
      expect(item.value).toEqual({ N: String(water(date)) });
    }
    const key = `${user}|${metric}|${date}`;
    expect(byKey.has(key)).toBe(false);
    byKey.set(key, Number(item.value?.N));
  }
  return byKey;
}

/** The (user, metric, date) keys the ok pairs of some summaries fetched. */
function fetchedKeys(summaries: RunSummary[]): Set<string> {
  const keys = new Set<string>();
  for (const summary of summaries) {
    for (const run of summary.runs) {
      if (run.status !== 'ok' || !run.window) continue;
      for (const date of eachDate(run.window.start, run.window.end)) keys.add(`${run.user}|${run.metric}|${date}`);
    }
  }
  return keys;
}

const statuses = (summary: RunSummary) =>
  Object.fromEntries(
    [...new Set(summary.runs.map((r) => r.status))].map((s) => [s, summary.runs.filter((r) => r.status === s).length]),
  );

describe('Lambda handler end to end (DynamoDB on loopback, SSM fake, fake provider)', () => {
  it('discovers the 12 users in SSM, stores every item with the seed schema, and reruns add no duplicates', async () => {
    const handler = createHandler();
    const first = await handler(example('all.json'), context());

    // 12 users found in SSM over two pages; "me" is in the config but has no token: skipped.
    const stepRuns = first.runs.filter((r) => r.metric === 'steps');
    expect(stepRuns.map((r) => r.user).sort()).toEqual([...USERS, 'me'].sort());
    expect(stepRuns.find((r) => r.user === 'me')).toMatchObject({
      status: 'skipped',
      hint: expect.stringContaining('life-stats secrets set fake-fit token --user me'),
    });
    expect(first.runs.filter((r) => r.metric === 'water_ml').map((r) => [r.user, r.status])).toEqual([['me', 'ok']]);
    expect(statuses(first)).toEqual({ ok: 13, skipped: 1 });
    for (const run of first.runs.filter((r) => r.status === 'ok')) {
      expect(eachDate(run.window?.start ?? '', run.window?.end ?? '')).toHaveLength(4);
      expect(run.items).toBe(4);
    }
    expect(
      ssm.requests.filter((r) => r.operation === 'GetParametersByPath' && r.input.Path === `${PREFIX}/fake-fit`).length,
    ).toBeGreaterThanOrEqual(2);

    const afterFirst = await storedMetrics();
    expect(afterFirst.size).toBe(52);
    expect(new Set(afterFirst.keys())).toEqual(fetchedKeys([first]));

    const runRows = await dynamo.scan(tables.runsTable);
    expect(runRows).toHaveLength(14);
    const meSteps = runRows.find((r) => r.user_id?.S === 'me' && r.metric_type?.S === 'steps');
    expect(meSteps).toEqual({ user_id: { S: 'me' }, metric_type: { S: 'steps' }, last_status: { S: 'skipped' } });
    const okRow = runRows.find((r) => r.user_id?.S === 'user01' && r.metric_type?.S === 'steps');
    expect(Object.keys(okRow ?? {}).sort()).toEqual(['last_run_time', 'last_status', 'metric_type', 'user_id']);
    expect(okRow?.last_status).toEqual({ S: 'ok' });
    expect(okRow?.last_run_time?.S).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // Every event shape again, the Scheduled Event envelope included: upserts, never duplicates.
    const summaries = [first];
    for (const [name, expected] of [
      ['all.json', { ok: 13, skipped: 1 }],
      ['metric.json', { ok: 12, skipped: 1 }],
      ['user.json', { ok: 1, skipped: 1 }],
      ['both.json', { skipped: 1 }],
      ['scheduled-event.json', { ok: 13, skipped: 1 }],
    ] as const) {
      const summary = await handler(example(name), context());
      expect(statuses(summary), name).toEqual(expected);
      summaries.push(summary);
      const stored = await storedMetrics();
      expect(new Set(stored.keys()), name).toEqual(fetchedKeys(summaries));
    }
    // Unless the date changed during the test, the reruns only re-fetched days already stored.
    expect((await storedMetrics()).size).toBeLessThanOrEqual(52 + 13);
  });

  it("writes the pairs' items in shared BatchWriteItem requests of up to 25 and publishes one Run Completed event", async () => {
    const handler = createHandler();
    const before = events.events.length;
    dynamo.resetRequests();
    ssm.resetRequests();
    const summary = await handler({ metric: 'steps' }, context());
    const items = summary.runs.reduce((n, r) => n + (r.items ?? 0), 0);
    expect(items).toBe(48);
    // 12 pairs of 4 items share batches (group commit): ⌈48/25⌉ = 2 requests when they finish within
    // the writer's linger of each other, as here; never one request per pair.
    expect(dynamo.count('BatchWriteItem')).toBeGreaterThanOrEqual(2);
    expect(dynamo.count('BatchWriteItem')).toBeLessThanOrEqual(6);
    expect(dynamo.requests.filter((r) => r.operation === 'BatchWriteItem').every((r) => (r.items ?? 0) <= 25)).toBe(
      true,
    );
    expect(dynamo.count('PutItem')).toBe(0);
    // No cursor read per pair: one paginated Scan finds the users with run rows and their cursors; a
    // cursor write per pair.
    expect([dynamo.count('GetItem'), dynamo.count('UpdateItem'), dynamo.count('Scan')]).toEqual([0, 13, 1]);
    // Users and every secret come from one listing of the namespace (13 parameters: 2 pages).
    expect(ssm.count('GetParametersByPath')).toBe(2);
    expect(ssm.count('GetParameter')).toBe(0);

    const published = events.events.slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      EventBusName: 'life-stats-bus',
      Source: 'life-stats',
      DetailType: 'Run Completed',
    });
    expect(JSON.parse(published[0]?.Detail ?? '')).toEqual(summary);
  });

  it('logs JSON lines with plugin, user and metric, emits EMF metrics, and never prints a secret', async () => {
    const handler = createHandler();
    await handler({}, context());
    await handler({ user_id: 'user03' }, context());
    const text = stdout?.text() ?? '';
    for (const user of USERS) expect(text).not.toContain(tokenOf(user));
    expect(text).not.toContain(CLIENT_ID);

    const lines = stdout?.json() ?? [];
    const careless = lines.filter((l) => String(l.message).startsWith('calling the provider with'));
    expect(careless.length).toBeGreaterThan(0);
    for (const line of careless) expect(line.message).toBe('calling the provider with [redacted] and [redacted]');
    const okLine = lines.find((l) => l.user === 'user03' && String(l.message).startsWith('ok:'));
    expect(okLine).toMatchObject({
      level: 'INFO',
      service: 'life-stats',
      plugin: 'fake-steps',
      user: 'user03',
      metric: 'steps',
    });
    expect(okLine).toMatchObject({ function_name: 'life-stats', function_request_id: 'e2e-request' });

    const pairsOk = lines.filter((l) => 'Pairs' in l && l.Status === 'ok').map((l) => l.Pairs);
    expect(pairsOk).toEqual([13, 1]);
    expect(lines.filter((l) => 'FailedPairs' in l).map((l) => l.FailedPairs)).toEqual([0, 0]);
  });

  it('reports pairs it had no time for as deferred, and a later invocation completes them', async () => {
    const handler = createHandler({ deadlineMarginMs: 30_000 });
    let calls = 0;
    // Plenty of time when the run arms its hard stop and when the first pair starts, then the deadline is near.
    const summary = await handler(
      { metric: 'steps' },
      context(() => (calls++ < 2 ? 600_000 : 10_000)),
    );
    expect(statuses(summary)).toEqual({
      deferred: 12,
      ...(summary.runs[0]?.status === 'ok' ? { ok: 1 } : { skipped: 1 }),
    });
    for (const run of summary.runs.filter((r) => r.status === 'deferred')) {
      expect(run.error).toMatch(/deadline/);
    }
    const deferredUsers = summary.runs.filter((r) => r.status === 'deferred').map((r) => r.user);
    const rowsAfter = await dynamo.scan(tables.runsTable);
    expect(rowsAfter.filter((r) => deferredUsers.includes(r.user_id?.S as string))).toEqual([]);

    const next = await handler({ metric: 'steps' }, context());
    expect(statuses(next)).toEqual({ ok: 12, skipped: 1 });
    expect(
      stdout
        ?.json()
        .filter((l) => 'Pairs' in l && l.Status === 'deferred')
        .map((l) => l.Pairs),
    ).toEqual([12, 0]);
  });

  it('fails the invocation, with an error line, for a selection that matches nothing', async () => {
    const handler = createHandler();
    const error = await handler({ metric: 'nope' }, context()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    const line = stdout?.json().find((l) => l.level === 'ERROR');
    expect(line?.message).toContain('no enabled plugin entry writes metric "nope"');
    expect(await dynamo.scan(tables.metricsTable)).toEqual([]);
    // The container is fine: the next, valid event runs.
    expect(statuses(await handler({ metric: 'water_ml' }, context()))).toEqual({ ok: 1 });
  });

  it('exports a ready handler that keeps its stores across invocations', async () => {
    const first = await defaultHandler(example('user.json'), context());
    expect(statuses(first)).toEqual({ ok: 1, skipped: 1 });
    // The table names were read once, on the first invocation: the container keeps its stores even
    // when the environment of the test changes (it cannot change in a real container).
    process.env.LIFE_STATS_METRICS_TABLE = 'not-read-again';
    const second = await defaultHandler(example('user.json'), context());
    expect(statuses(second)).toEqual({ ok: 1, skipped: 1 });
    expect((await dynamo.scan(tables.metricsTable)).length).toBeGreaterThan(0);
  });

  it('works bundled with esbuild, as the infra deploys it (the CommonJS SDK loaded through a bundle)', async () => {
    const { build } = await import('esbuild');
    // Inside the repository, so the bundle's externals resolve from node_modules (.gitignored folder).
    const artifacts = fileURLToPath(new URL('./test-artifacts/', import.meta.url));
    mkdirSync(artifacts, { recursive: true });
    const outdir = mkdtempSync(join(artifacts, 'lambda-bundle-'));
    try {
      await build({
        entryPoints: [fileURLToPath(new URL('../../core/src/lambda/handler.ts', import.meta.url))],
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outdir,
        outExtension: { '.js': '.mjs' },
        external: ['better-sqlite3', 'typescript'],
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'silent',
      });
      const bundled = (await import(pathToFileURL(join(outdir, 'handler.mjs')).href)) as {
        handler: typeof defaultHandler;
      };
      const summary = await bundled.handler({ metric: 'steps' }, context());
      expect(statuses(summary)).toEqual({ ok: 12, skipped: 1 });
      expect(events.events.at(-1)?.Source).toBe('life-stats');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
