/**
 * The end-to-end Lambda rig: DynamoDB on loopback (dynalite), the SSM fake, an EventBridge fake and
 * a fake provider, two fixture plugins, and a project whose config the environment switches to AWS
 * as a deployed function's does. {@link useLambdaRig} starts it for a test file.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunSummary } from '@life-stats/core';
import { eachDate } from '@life-stats/core';
import type { LambdaContext } from '@life-stats/core/lambda';
import { type CapturedStdout, captureStdout } from '@life-stats/testing/capture-stdout';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { type EventBridgeFake, startEventBridgeFake } from '@life-stats/testing/eventbridge-fake';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

export const PREFIX = '/life-stats-e2e';
export const USERS = Array.from({ length: 12 }, (_, i) => `user${String(i + 1).padStart(2, '0')}`);
export const tokenOf = (user: string) => `refresh-token-of-${user}-9f8e7d`;
export const CLIENT_ID = 'shared-client-id-5a4b3c';

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

/** What a test file's cases use; set by the hooks {@link useLambdaRig} registers. */
export interface LambdaRig {
  dynamo: LocalDynamoDb;
  ssm: SsmFake;
  events: EventBridgeFake;
  provider: Awaited<ReturnType<typeof startProvider>>;
  project: TempProject;
  tables: { metricsTable: string; runsTable: string };
  /** Stdout of the case (the handler's JSON log lines), captured from its start. */
  stdout: CapturedStdout | undefined;
}

/**
 * Start the servers for the file, and before each case fresh tables, a fresh project and the
 * environment of a deployed function; undo it all after.
 */
export function useLambdaRig(): LambdaRig {
  const rig = {} as LambdaRig;
  const savedEnv = new Map<string, string | undefined>();
  const setEnv = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (!savedEnv.has(key)) savedEnv.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  beforeAll(async () => {
    [rig.dynamo, rig.ssm, rig.events, rig.provider] = await Promise.all([
      startLocalDynamoDb(),
      startSsmFake(),
      startEventBridgeFake(),
      startProvider(),
    ]);
    for (const user of USERS) {
      rig.ssm.parameters.set(`${PREFIX}/fake-fit/${user}/token`, {
        value: tokenOf(user),
        type: 'SecureString',
        version: 1,
      });
    }
    rig.ssm.parameters.set(`${PREFIX}/fake-fit/client_id`, { value: CLIENT_ID, type: 'SecureString', version: 1 });
  });

  afterAll(async () => {
    await Promise.all([rig.dynamo?.stop(), rig.ssm?.stop(), rig.events?.stop(), rig.provider?.stop()]);
  });

  beforeEach(async () => {
    rig.tables = await rig.dynamo.createTables();
    rig.project = createTempProject({
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
          { use: './plugins/fake-steps.mjs', config: { baseUrl: rig.provider.url } },
          { use: './plugins/fake-water.mjs', config: { baseUrl: rig.provider.url } },
        ],
      },
    });
    setEnv({
      LIFE_STATS_CONFIG: rig.project.path('life-stats.config.json'),
      LIFE_STATS_STORAGE: 'dynamodb',
      LIFE_STATS_METRICS_TABLE: rig.tables.metricsTable,
      LIFE_STATS_RUNS_TABLE: rig.tables.runsTable,
      LIFE_STATS_SECRETS: 'ssm',
      LIFE_STATS_SSM_PREFIX: PREFIX,
      AWS_ENDPOINT_URL_DYNAMODB: rig.dynamo.endpoint,
      AWS_ENDPOINT_URL_SSM: rig.ssm.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: rig.events.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      POWERTOOLS_DEV: undefined,
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    rig.stdout = captureStdout();
  });

  afterEach(() => {
    rig.stdout?.restore();
    rig.stdout = undefined;
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    savedEnv.clear();
    rig.project?.remove();
  });

  return rig;
}

/** An example event of `examples/events/`. */
export function example(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../../examples/events/${name}`, import.meta.url), 'utf8'));
}

/** A Lambda context with a generous deadline unless told otherwise. */
export function context(remaining: () => number = () => 600_000): LambdaContext {
  return {
    getRemainingTimeInMillis: remaining,
    awsRequestId: 'e2e-request',
    functionName: 'life-stats',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:life-stats',
    memoryLimitInMB: '512',
  };
}

/** Every stored metric key, checked attribute by attribute against DESIGN.md "Storage". */
export async function storedMetrics(rig: LambdaRig): Promise<Map<string, number>> {
  const items = await rig.dynamo.scan(rig.tables.metricsTable);
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
export function fetchedKeys(summaries: RunSummary[]): Set<string> {
  const keys = new Set<string>();
  for (const summary of summaries) {
    for (const run of summary.runs) {
      if (run.status !== 'ok' || !run.window) continue;
      for (const date of eachDate(run.window.start, run.window.end)) keys.add(`${run.user}|${run.metric}|${date}`);
    }
  }
  return keys;
}

export const statuses = (summary: RunSummary) =>
  Object.fromEntries(
    [...new Set(summary.runs.map((r) => r.status))].map((s) => [s, summary.runs.filter((r) => r.status === s).length]),
  );
