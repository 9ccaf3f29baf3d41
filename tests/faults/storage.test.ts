/**
 * Storage faults: DynamoDB throttling (UnprocessedItems, ProvisionedThroughputExceededException),
 * connections dropped mid-batch, a SQLite file locked by another process, a corrupt SQLite file.
 * Each case meets the fault, checks what the user sees and that the cursor did not move, clears the
 * fault, runs again, and checks every day is stored exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LoadedConfig, SecretStore, Storage } from '@life-stats/core';
import { addDays, definePlugin, eachDate, formatError, hasErrorCode, runPairs } from '@life-stats/core';
import { createDynamoDbStorage } from '@life-stats/core/storage/dynamodb';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { runCli } from '@life-stats/testing/cli';
import { fastSdkRetry, type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, expectedDays, faultCase } from './support/case.js';
import { dynamoRows, sqliteRows, sqliteRun } from './support/rows.js';

const require = createRequire(import.meta.url);

/** What the fake source holds for a date: a distinct, non-integer number per day. */
const dayValue = (date: string) => Number(date.slice(2).replaceAll('-', '')) / 100;

const BACKFILL = 60; // 61 days: BatchWriteItem batches of 25, 25 and 11
const DAY1 = '2026-11-25';
const RUN1 = '2026-11-25T12:00:00.000Z';
const RUN2 = '2026-11-25T13:00:00.000Z';
const PTEE = 'ProvisionedThroughputExceededException';

let local: LocalDynamoDb;
const open: Storage[] = [];
const children: ChildProcess[] = [];
const projects: TempProject[] = [];

beforeAll(async () => {
  local = await startLocalDynamoDb();
});

afterAll(async () => {
  await local?.stop();
});

afterEach(async () => {
  local.setFault();
  local.setUnprocessed();
  for (const s of open.splice(0)) await s.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  for (const p of projects.splice(0)) p.remove();
});

/** A plugin whose source holds {@link dayValue} for every day; it needs a user token. */
function sourcePlugin() {
  return definePlugin({
    id: 'counter',
    apiVersion: 1,
    metric: { type: 'steps' },
    secrets: { user: ['token'] },
    settleDays: 1,
    maxDaysPerFetch: 90,
    async fetch(ctx) {
      if (!ctx.secrets.get('token')) throw new Error('no token');
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: dayValue(date) }));
    },
  });
}

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
  open.push(storage);
  local.resetRequests();
  return { config, secrets, storage, ...tables };
}

async function run(
  c: CaseRecorder,
  stores: { config: LoadedConfig; storage: Storage; secrets: SecretStore },
  iso: string,
) {
  const log = captureLogger();
  const summary = await runPairs({ ...stores, logger: log.logger, retry: FAST_RETRY, now: at(iso) });
  c.see(summary, log.text());
  expect(summary.runs).toHaveLength(1);
  return { result: summary.runs[0] as NonNullable<(typeof summary.runs)[0]>, log: log.text() };
}

/** The run row of `me`/`steps`, scanned past the adapter and the proxy. */
async function dynamoRun(runsTable: string) {
  const item = (await local.scan(runsTable)).find((i) => i.user_id?.S === 'me' && i.metric_type?.S === 'steps');
  return (
    item && { last_run_time: item.last_run_time?.S, last_status: item.last_status?.S, last_error: item.last_error?.S }
  );
}

/** The source plugin as a file (no imports: a plugin file cannot resolve @life-stats/core from a temp folder). */
const PLUGIN_FILE = `
export default {
  id: 'counter',
  apiVersion: 1,
  metric: { type: 'steps' },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 90,
  async fetch(ctx) {
    if (!ctx.secrets.get('token')) throw new Error('no token');
    const out = [];
    for (let d = new Date(ctx.window.start + 'T00:00:00Z'); d <= new Date(ctx.window.end + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
      const date = d.toISOString().slice(0, 10);
      out.push({ date, value: Number(date.slice(2).replaceAll('-', '')) / 100 });
    }
    return out;
  },
};
`;

/** A project on disk run through the CLI: a plugin file, config, a planted token; SQLite in data/. */
async function cliProject(c: CaseRecorder) {
  const project = createTempProject({
    'plugins/counter.mjs': PLUGIN_FILE,
    'life-stats.config.json': {
      timezone: 'UTC',
      backfillDays: 3,
      storage: { type: 'sqlite', path: 'data/life-stats.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'me', timezone: 'UTC' }],
      plugins: [{ use: './plugins/counter.mjs' }],
    },
  });
  projects.push(project);
  const file = project.path('data/life-stats.db');
  const { secrets } = makeStores(project.dir);
  await secrets.set('counter', 'token', c.secret('token'), 'me');
  const argv = ['run', '--config', project.path('life-stats.config.json')];
  return { project, file, argv };
}

const window1 = eachDate('2026-09-26', DAY1);
const expected1 = expectedDays('me', 'steps', window1, dayValue);

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

  faultCase(
    'storage',
    'another process holds the SQLite file locked: clear error, cursor kept, healed after',
    async (c) => {
      const dir = tempDir();
      const file = join(dir, 'db.sqlite');
      const config = makeConfig(dir, [{ plugin: sourcePlugin() }], { backfillDays: 3 });
      const { secrets } = makeStores(dir);
      await secrets.set('counter', 'token', c.secret('token'), 'me');
      const storage = createSqliteStorage({ path: file, busyTimeoutMs: 200 });
      open.push(storage);
      const stores = { config, storage, secrets };

      const first = await run(c, stores, '2026-11-20T12:00:00.000Z');
      expect(first.result).toMatchObject({ status: 'ok', items: 4 });

      // Another process (a sqlite3 shell, a DB browser, a stuck run) takes the write lock and keeps it.
      const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(file)});
      db.exec('BEGIN EXCLUSIVE');
      process.stdout.write('locked\\n');
      process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
    `;
      const holder = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(holder);
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
      });

      const second = await run(c, stores, '2026-11-25T12:00:00.000Z');
      expect(second.result.status).toBe('failed');
      expect(second.result.error).toContain(
        `[life-stats] [storage:sqlite] cannot write metrics: ${file} is locked by another life-stats process (gave up after 200 ms)`,
      );
      expect(second.result.error).toContain('Wait for the other run to finish, then try again.');
      expect(second.log).toContain('could not record the run status');
      expect(sqliteRun(file, 'me', 'steps')).toMatchObject({
        last_run_time: '2026-11-20T12:00:00.000Z',
        last_status: 'ok',
      });
      expect(sqliteRows(file)).toHaveLength(4);

      holder.stdin?.write('release\n');
      await once(holder, 'exit');
      const third = await run(c, stores, '2026-11-25T13:00:00.000Z');
      // The cursor stayed on the 20th, so the window reaches back over the gap (minus settleDays).
      expect(third.result).toMatchObject({ status: 'ok', window: { start: '2026-11-19', end: '2026-11-25' } });
      c.checkRows(expectedDays('me', 'steps', eachDate('2026-11-17', '2026-11-25'), dayValue), sqliteRows(file));
      expect(sqliteRun(file, 'me', 'steps')).toMatchObject({
        last_run_time: '2026-11-25T13:00:00.000Z',
        last_status: 'ok',
      });
    },
  );

  faultCase(
    'storage',
    'the SQLite file is garbage: the CLI says so, leaves it untouched; moved away, the next run heals',
    async (c) => {
      const { project, file, argv } = await cliProject(c);
      const garbage = Buffer.concat([Buffer.from('not a database, just bytes\n'), Buffer.alloc(8192, 0xa5)]);
      project.write({ 'data/life-stats.db': '' });
      writeFileSync(file, garbage);

      const first = await runCli(argv, { cwd: project.dir });
      c.see(argv, first.stdout, first.stderr);
      expect(first.code).toBe(1);
      expect(first.stderr).toContain(
        `[life-stats] [storage:sqlite] cannot open: ${file} is not a SQLite database (file is not a database [SQLITE_NOTADB]); it was left untouched`,
      );
      expect(first.stderr).toContain('move this one away to start a new database');
      expect(readFileSync(file).equals(garbage)).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(false);

      // The user keeps the bad file aside (to salvage later) and lets life-stats start a new one.
      renameSync(file, `${file}.bad`);
      const second = await runCli(argv, { cwd: project.dir });
      c.see(second.stdout, second.stderr);
      expect(second.code).toBe(0);
      expect(readFileSync(`${file}.bad`).equals(garbage)).toBe(true);
      const today = new Date().toISOString().slice(0, 10);
      c.checkRows(expectedDays('me', 'steps', eachDate(addDays(today, -3), today), dayValue), sqliteRows(file));
      expect(sqliteRun(file, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
      expect(sqliteRun(file, 'me', 'steps')?.last_run_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    },
  );

  faultCase(
    'storage',
    'the SQLite file is damaged inside (valid header): the CLI says how to recover, leaves it untouched; restored, the next run heals',
    async (c) => {
      const { file, argv } = await cliProject(c);
      const ok = await runCli(argv, { cwd: dirname(dirname(file)) });
      c.see(argv, ok.stdout, ok.stderr);
      expect(ok.code).toBe(0);
      const cursor = sqliteRun(file, 'me', 'steps')?.last_run_time;
      copyFileSync(file, `${file}.backup`);

      // A disk fault damages every page after the first: the header and the schema still read.
      const damaged = readFileSync(file);
      expect(damaged.length).toBeGreaterThan(4096);
      damaged.fill(0x5a, 4096 + 100);
      writeFileSync(file, damaged);
      const broken = await runCli(argv, { cwd: dirname(dirname(file)) });
      c.see(broken.stdout, broken.stderr);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`[life-stats] [storage:sqlite] cannot list runs: ${file} is corrupt (`);
      expect(broken.stderr).toContain(`it was left untouched`);
      expect(broken.stderr).toContain(`Restore it from a backup or salvage it with \`sqlite3 "${file}" .recover\``);
      expect(readFileSync(file).equals(damaged)).toBe(true);

      // The user restores the backup; the next run covers from the backup's cursor on.
      copyFileSync(`${file}.backup`, file);
      const healed = await runCli(argv, { cwd: dirname(dirname(file)) });
      c.see(healed.stdout, healed.stderr);
      expect(healed.code).toBe(0);
      const today = new Date().toISOString().slice(0, 10);
      c.checkRows(expectedDays('me', 'steps', eachDate(addDays(today, -3), today), dayValue), sqliteRows(file));
      expect(sqliteRun(file, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
      expect(sqliteRun(file, 'me', 'steps')?.last_run_time).not.toBe(cursor);
    },
  );
});
