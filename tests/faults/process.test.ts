/**
 * Fault suite, group `process`: the process running life-stats dies or overlaps another.
 * - `kill -9` in the middle of a CLI run (real CLI child process, real SQLite file);
 * - two CLI runs at once on one SQLite store;
 * - the Lambda deadline arriving mid-run (real handler, DynamoDB on loopback, SSM fake).
 * Each ends with the store holding every day exactly once and the cursors right.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RunSummary, Storage } from '@life-stats/core';
import { definePlugin, eachDate, loadConfig, runPairs } from '@life-stats/core';
import { createHandler, type LambdaContext } from '@life-stats/core/lambda';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { type CapturedStdout, captureStdout } from '@life-stats/testing/capture-stdout';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { captureLogger, FAST_RETRY, makeConfig, tempDir } from '@life-stats/testing/engine';
import { CLI } from '@life-stats/testing/sample-project';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, type ExpectedRow, faultCase } from './support/case.js';
import { dynamoRows, sqliteRows, sqliteRun } from './support/rows.js';

const require = createRequire(import.meta.url);

const PLUGIN_ID = 'slow-level';
const METRIC = 'level';
/** What the source holds for a user on a date. */
const sourceValue = (user: string, date: string) =>
  [...`${user}${date}`].reduce((n, ch) => n + ch.charCodeAt(0), 0) * 7 + 0.5;

// ---------------------------------------------------------------------------------------------
// A provider on loopback: per user and date, only with the user's own token; it can hold answers.

interface Provider {
  url: string;
  /** Every (user, date) it answered, with the answer's value. */
  served: Map<string, ExpectedRow>;
  /** Requests per user. */
  requests: Map<string, number>;
  /** Every request: which process sent it, and when. */
  log: { pid: string; at: number }[];
  /** Answers held back right now. */
  held: () => number;
  /** Hold the answers `rule` picks (user, the user's request number from 0); none by default. */
  hold(rule: (user: string, n: number) => boolean): void;
  /** Answer everything held, and hold nothing more. */
  release(): void;
  /** Delay every answer by this much. */
  delayMs: number;
  stop(): Promise<void>;
}

async function startProvider(tokens: Map<string, string>): Promise<Provider> {
  const held: (() => void)[] = [];
  let rule: (user: string, n: number) => boolean = () => false;
  const provider: Omit<Provider, 'url' | 'stop'> & { url: string; stop: () => Promise<void> } = {
    url: '',
    served: new Map(),
    requests: new Map(),
    log: [],
    held: () => held.length,
    hold: (r) => {
      rule = r;
    },
    release: () => {
      rule = () => false;
      for (const answer of held.splice(0)) answer();
    },
    delayMs: 0,
    stop: async () => {},
  };
  const answer = (res: ServerResponse, user: string, start: string, end: string) => {
    if (res.destroyed) return;
    const days = eachDate(start, end).map((date) => ({ date, value: sourceValue(user, date) }));
    for (const d of days) provider.served.set(`${user}|${d.date}`, { user, metric: METRIC, ...d });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ days }));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, , user = '', kind] = url.pathname.split('/');
    const start = url.searchParams.get('start') ?? '';
    const end = url.searchParams.get('end') ?? '';
    provider.log.push({ pid: url.searchParams.get('pid') ?? '', at: Date.now() });
    if (kind !== 'level' || req.headers.authorization !== `Bearer ${tokens.get(user)}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const n = provider.requests.get(user) ?? 0;
    provider.requests.set(user, n + 1);
    if (rule(user, n)) {
      held.push(() => answer(res, user, start, end));
      return;
    }
    if (provider.delayMs > 0) setTimeout(() => answer(res, user, start, end), provider.delayMs);
    else answer(res, user, start, end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  provider.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return provider as Provider;
}

// ---------------------------------------------------------------------------------------------
// A project on disk: a config, a plugin module (a plugin author's .mjs, no imports), a secrets file.

/**
 * Two-day chunks, so a pair writes twice before its cursor moves. `pid` tells processes apart. A
 * careless author may leave `ctx.signal` out of the request (`deaf`).
 */
const pluginSource = (deaf = false) => `
export default {
  id: '${PLUGIN_ID}',
  apiVersion: 1,
  metric: { type: '${METRIC}' },
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 2,
  async fetch(ctx) {
    const url = new URL('users/' + ctx.user.id + '/level?start=' + ctx.window.start + '&end=' + ctx.window.end + '&pid=' + process.pid, ctx.config.baseUrl);
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + ctx.secrets.get('token') }${deaf ? '' : ', signal: ctx.signal'} });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    const body = await response.json();
    return body.days.map((day) => ({ date: day.date, value: day.value }));
  },
};
`;

interface Project {
  dir: string;
  config: string;
  db: string;
  users: string[];
  tokens: Map<string, string>;
}

function writeProject(
  c: CaseRecorder,
  users: string[],
  baseUrl: string,
  tokens: Map<string, string>,
  deaf = false,
): Project {
  const dir = tempDir('life-stats-fault-process-');
  writeFileSync(path.join(dir, 'slow-level.mjs'), pluginSource(deaf));
  const config = path.join(dir, 'life-stats.config.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        timezone: 'UTC',
        backfillDays: 3,
        storage: { type: 'sqlite', path: 'db.sqlite' },
        secrets: { type: 'file', path: 'secrets.json' },
        users: users.map((id) => ({ id, timezone: 'UTC' })),
        plugins: [{ use: './slow-level.mjs', config: { baseUrl } }],
      },
      null,
      2,
    ),
  );
  const secretsFile = path.join(dir, 'secrets.json');
  writeFileSync(
    secretsFile,
    JSON.stringify({ [PLUGIN_ID]: { users: Object.fromEntries(users.map((u) => [u, { token: tokens.get(u) }])) } }),
  );
  chmodSync(secretsFile, 0o600);
  for (const token of tokens.values()) c.watchSecret(token);
  return { dir, config, db: path.join(dir, 'db.sqlite'), users, tokens };
}

function plantTokens(c: CaseRecorder, users: string[]): Map<string, string> {
  return new Map(users.map((u) => [u, c.secret(`token-${u}`)]));
}

/** The environment of a CLI child: this one, without anything that would point it elsewhere. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('LIFE_STATS_') && !key.startsWith('AWS_')) env[key] = value;
  }
  return { ...env, NO_COLOR: '1' };
}

interface Child {
  process: ChildProcess;
  argv: string[];
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the real CLI (the built dist) as a child process. */
function spawnCli(c: CaseRecorder, args: string[], cwd: string): Child {
  const argv = [process.execPath, CLI, ...args];
  c.see(argv.join(' '));
  const child = spawn(argv[0] as string, argv.slice(1), { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, argv, stdout: () => out, stderr: () => err, exit };
}

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function untilAsync(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function integrity(file: string): string {
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** The (user, date) rows the provider answered: what the store must hold, exactly once each. */
function servedRows(provider: Provider): ExpectedRow[] {
  return [...provider.served.values()];
}

/** Every user got the whole backfill window (today and three days before) from the provider. */
function expectWholeWindows(provider: Provider, users: string[]): void {
  for (const user of users) {
    const dates = servedRows(provider)
      .filter((r) => r.user === user)
      .map((r) => r.date)
      .sort();
    expect(dates.length, user).toBeGreaterThanOrEqual(4);
    expect(dates, user).toEqual(eachDate(dates[0] ?? '', dates.at(-1) ?? ''));
  }
}

/**
 * Start a CLI run, stop it with `signal` once u1–u3 are done and u4–u6 are between their two
 * chunks, check the store, then run again and check every row and cursor.
 */
async function stopMidRun(
  c: CaseRecorder,
  signal: NodeJS.Signals,
  afterStop: (stopped: { code: number | null; signal: NodeJS.Signals | null }, child: Child, slow: Set<string>) => void,
  options: { deaf?: boolean } = {},
): Promise<void> {
  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const tokens = plantTokens(c, users);
  const provider = await startProvider(tokens);
  providers.push(provider);
  const project = writeProject(c, users, provider.url, tokens, options.deaf);
  // u1–u3 are answered at once; u4–u6 get their first chunk and then wait on the second.
  const slow = new Set(['u4', 'u5', 'u6']);
  provider.hold((user, n) => slow.has(user) && n >= 1);

  const started = Date.now();
  const first = spawnCli(c, ['run', '--config', project.config, '--json'], project.dir);
  children.push(first.process);
  await until(
    'u1–u3 done and u4–u6 mid-pair',
    () =>
      provider.held() === 3 && ['u1', 'u2', 'u3'].every((u) => sqliteRun(project.db, u, METRIC)?.last_status === 'ok'),
  );
  first.process.kill(signal);
  const stopped = await Promise.race([
    first.exit,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`the CLI was still running 15 s after ${signal}`)), 15_000),
    ),
  ]);
  c.see(first.stdout(), first.stderr());
  afterStop(stopped, first, slow);

  // The store opens, is intact, and holds only committed writes: whole chunks, and a cursor only
  // for the pairs whose every chunk was written.
  expect(integrity(project.db)).toBe('ok');
  const afterStopRows = sqliteRows(project.db);
  for (const user of users) {
    const rows = afterStopRows.filter((r) => r.user_id === user);
    const cursor = sqliteRun(project.db, user, METRIC);
    if (slow.has(user)) {
      expect(rows, user).toHaveLength(2);
      expect(cursor?.last_run_time ?? null, user).toBeNull();
    } else {
      expect(rows, user).toHaveLength(4);
      expect(cursor?.last_status, user).toBe('ok');
      expect(Date.parse(cursor?.last_run_time ?? '')).toBeGreaterThanOrEqual(started - 1000);
    }
    for (const row of rows) expect(row.value).toBe(sourceValue(user, row.date));
  }
  const cursorsAfterStop = new Map(users.map((u) => [u, sqliteRun(project.db, u, METRIC)?.last_run_time]));

  // The provider is fine again; a plain run completes what the stopped one left.
  provider.release();
  const second = spawnCli(c, ['run', '--config', project.config, '--json'], project.dir);
  children.push(second.process);
  const done = await second.exit;
  c.see(second.stdout(), second.stderr());
  expect(done, second.stderr()).toEqual({ code: 0, signal: null });
  const summary = JSON.parse(second.stdout()) as RunSummary;
  expect(summary.runs.map((r) => [r.user, r.status]).sort()).toEqual(users.map((u) => [u, 'ok']));
  // The interrupted pairs had no cursor: they fetched their whole backfill window again.
  for (const run of summary.runs.filter((r) => slow.has(r.user))) expect(run.items).toBe(4);

  expectWholeWindows(provider, users);
  c.checkRows(servedRows(provider), sqliteRows(project.db));
  for (const user of users) {
    const cursor = sqliteRun(project.db, user, METRIC);
    expect(cursor?.last_status).toBe('ok');
    const before = cursorsAfterStop.get(user);
    if (before) expect(cursor?.last_run_time && cursor.last_run_time > before).toBe(true);
    else expect(cursor?.last_run_time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  }
}

const children: ChildProcess[] = [];
const providers: Provider[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const p of providers.splice(0)) await p.stop();
});

describe('process faults', () => {
  faultCase(
    'process',
    'kill -9 in the middle of a CLI run: the store stays consistent, the next run completes it',
    async (c) => {
      await stopMidRun(c, 'SIGKILL', (stopped, child) => {
        // No chance to say anything: no summary.
        expect(stopped).toEqual({ code: null, signal: 'SIGKILL' });
        expect(child.stdout()).toBe('');
      });
    },
    60_000,
  );

  faultCase(
    'process',
    'Ctrl-C (SIGINT) in the middle of a CLI run: fetches are aborted, the run reports them, the next run completes it',
    async (c) => {
      await stopMidRun(c, 'SIGINT', (stopped, child, slow) => {
        // It stops without waiting for the held answers (they never come), prints its summary, exits 1.
        expect(stopped, child.stderr()).toEqual({ code: 1, signal: null });
        const summary = JSON.parse(child.stdout()) as RunSummary;
        for (const run of summary.runs) {
          if (slow.has(run.user)) {
            expect(run).toMatchObject({
              status: 'failed',
              items: 2,
              error: expect.stringContaining('interrupted (SIGINT)'),
            });
          } else {
            expect(run).toMatchObject({ status: 'ok', items: 4 });
          }
        }
        expect(child.stderr()).toContain('interrupted (SIGINT)');
      });
    },
    60_000,
  );

  faultCase(
    'process',
    'Ctrl-C while a plugin ignores its abort signal: the CLI still exits, without waiting for the provider',
    async (c) => {
      await stopMidRun(
        c,
        'SIGINT',
        (stopped, child, slow) => {
          // The held answers only come after the process is gone (stopMidRun releases them later).
          expect(stopped, child.stderr()).toEqual({ code: 1, signal: null });
          const summary = JSON.parse(child.stdout()) as RunSummary;
          for (const run of summary.runs.filter((r) => slow.has(r.user))) {
            expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted (SIGINT)') });
          }
        },
        { deaf: true },
      );
    },
    60_000,
  );

  faultCase(
    'process',
    'two CLI runs at once on one SQLite store: both finish, nothing doubled, the cursor never goes back',
    async (c) => {
      const users = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
      const tokens = plantTokens(c, users);
      const provider = await startProvider(tokens);
      providers.push(provider);
      provider.delayMs = 25;
      const project = writeProject(c, users, provider.url, tokens);

      // Both start on a store that does not exist yet: both create it, both write every pair.
      const before = new Date().toISOString();
      const args = ['run', '--config', project.config, '--json', '--concurrency', '2'];
      const [a, b] = [spawnCli(c, args, project.dir), spawnCli(c, args, project.dir)] as [Child, Child];
      children.push(a.process, b.process);
      // Processes start at their own pace: the provider holds every answer until both are asking.
      provider.hold(() => true);
      await until('both runs asking the provider', () => new Set(provider.log.map((r) => r.pid)).size === 2);
      provider.release();
      const [exitA, exitB] = await Promise.all([a.exit, b.exit]);
      c.see(a.stdout(), a.stderr(), b.stdout(), b.stderr());
      const after = new Date().toISOString();
      // SQLite in WAL mode with a busy timeout serialises the writes: neither run fails.
      expect(exitA, a.stderr()).toEqual({ code: 0, signal: null });
      expect(exitB, b.stderr()).toEqual({ code: 0, signal: null });
      for (const child of [a, b]) {
        const summary = JSON.parse(child.stdout()) as RunSummary;
        expect(summary.runs.map((r) => [r.user, r.status]).sort()).toEqual(users.map((u) => [u, 'ok']));
        // A pair the other run had finished before this one reached it starts from that cursor:
        // two days (settleDays 1) rather than the whole backfill window.
        for (const run of summary.runs) expect([2, 4]).toContain(run.items);
      }
      // They really overlapped: each process was still asking the provider while the other was.
      const pids = [String(a.process.pid), String(b.process.pid)];
      const spans = pids.map((pid) => {
        const times = provider.log.filter((r) => r.pid === pid).map((r) => r.at);
        expect(times.length, pid).toBeGreaterThanOrEqual(users.length);
        return { first: Math.min(...times), last: Math.max(...times) };
      });
      const [spanA, spanB] = spans as [{ first: number; last: number }, { first: number; last: number }];
      expect(Math.min(spanA.last, spanB.last)).toBeGreaterThan(Math.max(spanA.first, spanB.first));

      expectWholeWindows(provider, users);
      c.checkRows(servedRows(provider), sqliteRows(project.db));
      expect(integrity(project.db)).toBe('ok');
      const cursors = new Map<string, string>();
      for (const user of users) {
        const cursor = sqliteRun(project.db, user, METRIC);
        expect(cursor?.last_status).toBe('ok');
        const time = cursor?.last_run_time ?? '';
        expect(time >= before && time <= after, `${user} cursor ${time} within ${before}..${after}`).toBe(true);
        cursors.set(user, time);
      }

      // A run whose clock is behind the stored cursor (a slow machine, a late overlapping run) writes
      // its days but never moves the cursor back.
      const config = await loadConfig({ configPath: project.config, env: {} });
      const storage: Storage = createSqliteStorage({ path: project.db });
      const log = captureLogger();
      try {
        const behind = new Date(Date.parse(before) - 3_600_000);
        const late = await runPairs({
          config,
          storage,
          secrets: createFileSecrets({ path: path.join(project.dir, 'secrets.json') }),
          logger: log.logger,
          retry: FAST_RETRY,
          now: () => behind,
        });
        c.see(late, log.text());
        expect(late.runs.map((r) => r.status)).toEqual(users.map(() => 'ok'));
      } finally {
        await storage.close();
      }
      c.checkRows(servedRows(provider), sqliteRows(project.db));
      for (const user of users) expect(sqliteRun(project.db, user, METRIC)?.last_run_time).toBe(cursors.get(user));
    },
    60_000,
  );
});

// ---------------------------------------------------------------------------------------------
// The Lambda deadline: the real handler on DynamoDB (dynalite) and SSM (fake).

describe('process faults: the Lambda deadline', () => {
  const PREFIX = '/life-stats-faults';
  let dynamo: LocalDynamoDb;
  let ssm: SsmFake;
  let stdout: CapturedStdout | undefined;
  const savedEnv = new Map<string, string | undefined>();

  beforeAll(async () => {
    [dynamo, ssm] = await Promise.all([startLocalDynamoDb(), startSsmFake()]);
    const env: Record<string, string | undefined> = {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      POWERTOOLS_DEV: undefined,
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    };
    for (const [key, value] of Object.entries(env)) {
      savedEnv.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  afterAll(async () => {
    stdout?.restore();
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await Promise.all([dynamo?.stop(), ssm?.stop()]);
  });

  faultCase(
    'process',
    'the Lambda deadline arrives mid-run: the rest is deferred, the next invocation collects it',
    async (c) => {
      const users = Array.from({ length: 12 }, (_, i) => `l${String(i + 1).padStart(2, '0')}`);
      const tokens = plantTokens(c, users);
      for (const [user, token] of tokens) {
        ssm.parameters.set(`${PREFIX}/${PLUGIN_ID}/${user}/token`, { value: token, type: 'SecureString', version: 1 });
      }
      const tables = await dynamo.createTables();
      const served = new Map<string, ExpectedRow>();
      let inFlight = 0;
      let gate: (() => void) | undefined;
      let gated = true;
      const plugin = definePlugin({
        id: PLUGIN_ID,
        apiVersion: 1,
        metric: { type: METRIC },
        secrets: { user: ['token'] },
        async fetch(ctx) {
          const token = ctx.secrets.get('token');
          if (token !== tokens.get(ctx.user.id)) throw new Error(`wrong token for ${ctx.user.id}`);
          if (gated) {
            inFlight++;
            await new Promise<void>((resolve) => {
              const previous = gate;
              gate = () => {
                previous?.();
                resolve();
              };
            });
          }
          return eachDate(ctx.window.start, ctx.window.end).map((date) => {
            const value = sourceValue(ctx.user.id, date);
            served.set(`${ctx.user.id}|${date}`, { user: ctx.user.id, metric: METRIC, date, value });
            return { date, value };
          });
        },
      });
      const config = {
        ...makeConfig(tempDir('life-stats-fault-lambda-'), [{ plugin }], {
          backfillDays: 3,
          users: users.map((id) => ({ id, timezone: 'UTC' })),
        }),
        storage: { type: 'dynamodb' as const, ...tables },
        secrets: { type: 'ssm' as const, prefix: PREFIX },
      };
      const handler = createHandler({ loadConfig: async () => config, deadlineMarginMs: 5_000 });
      let remaining = 900_000;
      const context: LambdaContext = {
        getRemainingTimeInMillis: () => remaining,
        awsRequestId: 'fault-deadline',
        functionName: 'life-stats',
      };

      stdout = captureStdout();
      let first: RunSummary;
      try {
        const invocation = handler({}, context);
        // Eight pairs (the run's concurrency) are fetching when the clock runs down; they finish,
        // the four still waiting for a slot must not start.
        await until('eight pairs in flight', () => inFlight === 8);
        remaining = 4_000;
        gate?.();
        first = await invocation;
      } finally {
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
      c.see(first);
      const ok = first.runs.filter((r) => r.status === 'ok').map((r) => r.user);
      const deferred = first.runs.filter((r) => r.status === 'deferred');
      expect(ok).toHaveLength(8);
      expect(deferred.map((r) => r.user).sort()).toEqual(users.filter((u) => !ok.includes(u)));
      expect(deferred).toHaveLength(4);
      for (const run of deferred) {
        expect(run).toMatchObject({ plugin: PLUGIN_ID, metric: METRIC, error: expect.stringMatching(/deadline/) });
      }
      // Nothing of a deferred pair is written: no rows, no run row (so its cursor is where it was).
      const rowsAfterFirst = await dynamoRows(dynamo, tables.metricsTable);
      expect(new Set(rowsAfterFirst.map((r) => r.user_id))).toEqual(new Set(ok));
      expect(rowsAfterFirst).toHaveLength(8 * 4);
      const runsAfterFirst = await dynamo.scan(tables.runsTable);
      expect(runsAfterFirst.map((r) => r.user_id?.S).sort()).toEqual([...ok].sort());
      const cursorsAfterFirst = new Map(runsAfterFirst.map((r) => [r.user_id?.S, r.last_run_time?.S]));

      // The next invocation has time: every pair runs, the deferred ones from their backfill window.
      gated = false;
      remaining = 900_000;
      stdout = captureStdout();
      let next: RunSummary;
      try {
        next = await handler({}, context);
      } finally {
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
      c.see(next);
      expect(next.runs.map((r) => [r.user, r.status]).sort()).toEqual(users.map((u) => [u, 'ok']));
      for (const run of next.runs.filter((r) => !ok.includes(r.user))) expect(run.items).toBe(4);

      const expected = [...served.values()];
      for (const user of users) expect(expected.filter((r) => r.user === user).length, user).toBeGreaterThanOrEqual(4);
      c.checkRows(expected, await dynamoRows(dynamo, tables.metricsTable));
      const runs = await dynamo.scan(tables.runsTable);
      expect(runs).toHaveLength(users.length);
      for (const row of runs) {
        const user = row.user_id?.S ?? '';
        expect(row.last_status?.S, user).toBe('ok');
        const time = row.last_run_time?.S ?? '';
        expect(time, user).toMatch(/^\d{4}-\d{2}-\d{2}T/);
        const before = cursorsAfterFirst.get(user);
        if (before) expect(time > before, user).toBe(true);
      }
    },
    60_000,
  );

  faultCase(
    'process',
    'the Lambda invocation is killed mid-pair (function timeout): the next container completes it; a thawed straggler moves no cursor back',
    async (c) => {
      const prefix = `${PREFIX}-killed`;
      const users = ['k1', 'k2', 'k3', 'k4'];
      const slow = new Set(['k3', 'k4']);
      const tokens = plantTokens(c, users);
      for (const [user, token] of tokens) {
        ssm.parameters.set(`${prefix}/${PLUGIN_ID}/${user}/token`, { value: token, type: 'SecureString', version: 1 });
      }
      const tables = await dynamo.createTables();
      const served = new Map<string, ExpectedRow>();
      const stalled: (() => void)[] = [];
      /** The same plugin code in each container; in the first one the provider stalls on k3/k4's 2nd chunk. */
      const pluginFor = (stalls: boolean) =>
        definePlugin({
          id: PLUGIN_ID,
          apiVersion: 1,
          metric: { type: METRIC },
          secrets: { user: ['token'] },
          maxDaysPerFetch: 2,
          async fetch(ctx) {
            if (ctx.secrets.get('token') !== tokens.get(ctx.user.id)) throw new Error(`wrong token for ${ctx.user.id}`);
            // Its first chunk is answered; the second one stalls.
            const answeredBefore = [...served.keys()].some((k) => k.startsWith(`${ctx.user.id}|`));
            if (stalls && slow.has(ctx.user.id) && answeredBefore) {
              await new Promise<void>((resolve) => stalled.push(resolve));
            }
            return eachDate(ctx.window.start, ctx.window.end).map((date) => {
              const value = sourceValue(ctx.user.id, date);
              served.set(`${ctx.user.id}|${date}`, { user: ctx.user.id, metric: METRIC, date, value });
              return { date, value };
            });
          },
        });
      const configFor = (stalls: boolean) => ({
        ...makeConfig(tempDir('life-stats-fault-lambda-'), [{ plugin: pluginFor(stalls) }], {
          backfillDays: 3,
          users: users.map((id) => ({ id, timezone: 'UTC' })),
        }),
        storage: { type: 'dynamodb' as const, ...tables },
        secrets: { type: 'ssm' as const, prefix },
      });
      const context: LambdaContext = {
        getRemainingTimeInMillis: () => 900_000,
        awsRequestId: 'fault-killed',
        functionName: 'life-stats',
      };
      const runsOf = async () =>
        new Map((await dynamo.scan(tables.runsTable)).map((r) => [r.user_id?.S ?? '', r.last_run_time?.S]));

      stdout = captureStdout();
      let straggler: Promise<RunSummary> | undefined;
      try {
        // Container 1: k1 and k2 finish; k3 and k4 write their first chunk, then the provider stalls
        // and Lambda's timeout ends the invocation (the handler never returns).
        straggler = createHandler({ loadConfig: async () => configFor(true) })({}, context);
        await untilAsync('k1/k2 done, k3/k4 mid-pair', async () => {
          if (stalled.length < 2) return false;
          const runs = await runsOf();
          return Boolean(runs.get('k1') && runs.get('k2'));
        });
        const rows = await dynamoRows(dynamo, tables.metricsTable);
        for (const user of users)
          expect(
            rows.filter((r) => r.user_id === user),
            user,
          ).toHaveLength(slow.has(user) ? 2 : 4);
        const runsAfterKill = await runsOf();
        expect([...runsAfterKill.keys()].sort()).toEqual(['k1', 'k2']);

        // Container 2 (Lambda starts a fresh one after a timeout): every pair completes.
        const next = await createHandler({ loadConfig: async () => configFor(false) })({}, context);
        c.see(next);
        expect(next.runs.map((r) => [r.user, r.status, r.items]).sort()).toEqual([
          ['k1', 'ok', 2],
          ['k2', 'ok', 2],
          ['k3', 'ok', 4],
          ['k4', 'ok', 4],
        ]);
        const expected = [...served.values()];
        for (const user of users)
          expect(expected.filter((r) => r.user === user).length, user).toBeGreaterThanOrEqual(4);
        c.checkRows(expected, await dynamoRows(dynamo, tables.metricsTable));
        const cursors = await runsOf();
        for (const user of users) {
          const before = runsAfterKill.get(user);
          const now = cursors.get(user) ?? '';
          expect(now, user).toMatch(/^\d{4}-\d{2}-\d{2}T/);
          if (before) expect(now > before, user).toBe(true);
        }

        // Had container 1 been frozen rather than ended, it could wake up later and finish: its
        // writes are the same upserts, and its older start time never moves a cursor back.
        for (const resume of stalled.splice(0)) resume();
        const late = await straggler;
        c.see(late);
        expect(late.runs.map((r) => r.status)).toEqual(users.map(() => 'ok'));
        c.checkRows([...served.values()], await dynamoRows(dynamo, tables.metricsTable));
        expect(await runsOf()).toEqual(cursors);
      } finally {
        for (const resume of stalled.splice(0)) resume();
        await straggler?.catch(() => undefined);
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
    },
    60_000,
  );

  faultCase(
    'process',
    'a pair still fetching when the Lambda runs out of time is stopped before the runtime kills it: deferred, collected next time',
    async (c) => {
      const prefix = `${PREFIX}-stopped`;
      const users = ['s1', 's2'];
      const tokens = plantTokens(c, users);
      for (const [user, token] of tokens) {
        ssm.parameters.set(`${prefix}/${PLUGIN_ID}/${user}/token`, { value: token, type: 'SecureString', version: 1 });
      }
      const tables = await dynamo.createTables();
      const served = new Map<string, ExpectedRow>();
      let hang = true;
      const plugin = definePlugin({
        id: PLUGIN_ID,
        apiVersion: 1,
        metric: { type: METRIC },
        secrets: { user: ['token'] },
        async fetch(ctx) {
          if (ctx.secrets.get('token') !== tokens.get(ctx.user.id)) throw new Error(`wrong token for ${ctx.user.id}`);
          // s2's provider never answers, and this plugin ignores its signal: only the run can stop it.
          if (hang && ctx.user.id === 's2') await new Promise<never>(() => {});
          return eachDate(ctx.window.start, ctx.window.end).map((date) => {
            const value = sourceValue(ctx.user.id, date);
            served.set(`${ctx.user.id}|${date}`, { user: ctx.user.id, metric: METRIC, date, value });
            return { date, value };
          });
        },
      });
      const config = {
        ...makeConfig(tempDir('life-stats-fault-lambda-'), [{ plugin }], {
          backfillDays: 3,
          users: users.map((id) => ({ id, timezone: 'UTC' })),
        }),
        storage: { type: 'dynamodb' as const, ...tables },
        secrets: { type: 'ssm' as const, prefix },
      };
      // A function with 3 s left; the fetch timeout (120 s by default) is far longer than that.
      const end = Date.now() + 3_000;
      const handler = createHandler({ loadConfig: async () => config, deadlineMarginMs: 1_500 });
      const context = (left: () => number): LambdaContext => ({
        getRemainingTimeInMillis: left,
        awsRequestId: 'fault-stopped',
        functionName: 'life-stats',
      });

      stdout = captureStdout();
      let first: RunSummary;
      try {
        first = await handler(
          {},
          context(() => end - Date.now()),
        );
      } finally {
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
      c.see(first);
      // It returned before the runtime would have killed it, with the stuck pair accounted for.
      expect(Date.now()).toBeLessThan(end);
      const byUser = new Map(first.runs.map((r) => [r.user, r]));
      expect(byUser.get('s1')?.status).toBe('ok');
      expect(byUser.get('s2')).toMatchObject({
        status: 'deferred',
        error: expect.stringMatching(/deadline while this pair was running/),
      });
      const runsAfterFirst = new Map((await dynamo.scan(tables.runsTable)).map((r) => [r.user_id?.S, r]));
      expect(runsAfterFirst.get('s2')?.last_status?.S).toBe('deferred');
      expect(runsAfterFirst.get('s2')?.last_run_time).toBeUndefined();
      expect((await dynamoRows(dynamo, tables.metricsTable)).filter((r) => r.user_id === 's2')).toEqual([]);

      hang = false;
      const next = await handler(
        {},
        context(() => 900_000),
      );
      c.see(next);
      expect(next.runs.map((r) => [r.user, r.status]).sort()).toEqual([
        ['s1', 'ok'],
        ['s2', 'ok'],
      ]);
      c.checkRows([...served.values()], await dynamoRows(dynamo, tables.metricsTable));
      const runs = await dynamo.scan(tables.runsTable);
      for (const row of runs) expect(row.last_run_time?.S, row.user_id?.S).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    },
    30_000,
  );
});
