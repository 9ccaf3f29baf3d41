/**
 * Secrets faults: the secrets file missing, corrupt or readable by others (driven through the CLI,
 * so exit codes and stderr are what a user sees), and SSM parameters missing or access denied
 * (driven through the engine with the SSM store). Each case checks the message names the file or
 * parameter and the fix, that nothing was written and the cursor did not move, that no secret value
 * shows, and that the next run after the fix collects every day once.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Storage } from '@life-stats/core';
import { addDays, definePlugin, eachDate, formatError, hasErrorCode, runPairs } from '@life-stats/core';
import { createHandler } from '@life-stats/core/lambda';
import { createSsmSecrets } from '@life-stats/core/secrets/ssm';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { captureStdout } from '@life-stats/testing/capture-stdout';
import { runCli } from '@life-stats/testing/cli';
import { fastSdkRetry } from '@life-stats/testing/dynalite';
import { at, captureLogger, FAST_RETRY, makeConfig, tempDir } from '@life-stats/testing/engine';
import { CLI } from '@life-stats/testing/sample-project';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, expectedDays, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

const posix = process.platform !== 'win32';

/** What the provider holds for a date: a distinct, non-integer number per day. */
const dayValue = (date: string) => Number(date.slice(2).replaceAll('-', '')) / 100;

/** A provider on loopback that answers only to the current token. */
let provider: { url: string; token: string; server: Server };
let ssm: SsmFake;
const projects: TempProject[] = [];
const open: Storage[] = [];

beforeAll(async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${provider.token}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: 'invalid_token' }));
    }
    const dates = eachDate(url.searchParams.get('start') ?? '', url.searchParams.get('end') ?? '');
    res.end(JSON.stringify({ days: dates.map((date) => ({ date, value: dayValue(date) })) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  provider = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, token: '', server };
  ssm = await startSsmFake();
});

afterAll(async () => {
  provider?.server.closeAllConnections();
  await new Promise<void>((resolve) => (provider ? provider.server.close(() => resolve()) : resolve()));
  await ssm?.stop();
});

afterEach(async () => {
  ssm.denyAccess();
  ssm.throttle();
  ssm.resetRequests();
  ssm.parameters.clear();
  for (const s of open.splice(0)) await s.close();
  for (const p of projects.splice(0)) p.remove();
});

const PLUGIN = `
export default {
  id: 'counter',
  apiVersion: 1,
  metric: { type: 'steps' },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 90,
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  async fetch(ctx) {
    const url = new URL('days?start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.baseUrl);
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + ctx.secrets.get('token') }, signal: ctx.signal });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    return (await response.json()).days;
  },
};
`;

/** A project on disk: config, plugin file, a SQLite store and a secrets file path (not created). */
function project(c: CaseRecorder) {
  const p = createTempProject({
    'plugins/counter.mjs': PLUGIN,
    'life-stats.config.json': {
      timezone: 'UTC',
      backfillDays: 3,
      storage: { type: 'sqlite', path: 'data/life-stats.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'me', timezone: 'UTC' }],
      plugins: [{ use: './plugins/counter.mjs', config: { baseUrl: provider.url } }],
    },
  });
  projects.push(p);
  provider.token = c.secret('token');
  const config = p.path('life-stats.config.json');
  const db = p.path('data/life-stats.db');
  const secretsFile = p.path('secrets.json');
  const cli = async (argv: string[], stdin?: string) => {
    const result = await runCli(argv, { cwd: p.dir, ...(stdin === undefined ? {} : { stdin }) });
    c.see(argv, result.stdout, result.stderr);
    return result;
  };
  const run = () => cli(['run', '--config', config]);
  /** The secrets file as the user keeps it: the token of `me`, mode 0600. */
  const goodFile = () => {
    writeFileSync(
      secretsFile,
      `${JSON.stringify({ counter: { users: { me: { token: provider.token } } } }, null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
    chmodSync(secretsFile, 0o600);
  };
  const expected = () => {
    const today = new Date().toISOString().slice(0, 10);
    return expectedDays('me', 'steps', eachDate(addDays(today, -3), today), dayValue);
  };
  return { p, config, db, secretsFile, cli, run, goodFile, expected };
}

describe('secrets faults', () => {
  faultCase(
    'secrets',
    'the secrets file is missing: the pair is skipped with the command to run; set, it heals',
    async (c) => {
      const t = project(c);
      const first = await t.run();
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/me\s+steps\s+counter\s+skipped/);
      expect(first.stdout).toContain('run `life-stats secrets set counter token --user me`');
      expect(existsSync(t.secretsFile)).toBe(false);
      c.checkNothingWritten(sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'skipped' });

      // The fix the hint gives: the value goes through stdin, never argv.
      const set = await t.cli(
        ['secrets', 'set', 'counter', 'token', '--user', 'me', '--config', t.config],
        `${provider.token}\n`,
      );
      expect(set.code).toBe(0);
      if (posix) expect(statSync(t.secretsFile).mode & 0o777).toBe(0o600);

      const second = await t.run();
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/me\s+steps\s+counter\s+ok/);
      c.checkRows(t.expected(), sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
      expect(sqliteRun(t.db, 'me', 'steps')?.last_run_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    },
  );

  faultCase(
    'secrets',
    'the secrets file is not valid JSON: exit 1 naming the file and line, no value shown; fixed, it heals',
    async (c) => {
      const t = project(c);
      t.goodFile();
      const ok = await t.run();
      expect(ok.code).toBe(0);
      const cursor = sqliteRun(t.db, 'me', 'steps')?.last_run_time;
      expect(cursor).toBeTruthy();
      const rowsBefore = sqliteRows(t.db);

      // A hand edit that lost the closing braces, right after the token.
      writeFileSync(t.secretsFile, `{\n  "counter": { "users": { "me": { "token": "${provider.token}" ,\n`, {
        mode: 0o600,
      });
      const broken = await t.run();
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`[life-stats] [secrets:file] ${t.secretsFile} is not valid JSON at line`);
      expect(broken.stderr).toContain(
        'Fix the file by hand, or delete it and store the secrets again with `life-stats secrets set`.',
      );
      expect(sqliteRows(t.db)).toEqual(rowsBefore);
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: cursor, last_status: 'ok' });

      t.goodFile();
      const healed = await t.run();
      expect(healed.code).toBe(0);
      c.checkRows(t.expected(), sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')?.last_run_time).not.toBe(cursor);
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
    },
  );

  faultCase(
    'secrets',
    'the secrets file is readable by others: exit 1 with the chmod to run; after chmod 600 it heals',
    async (c) => {
      const t = project(c);
      t.goodFile();
      expect((await t.run()).code).toBe(0);
      const cursor = sqliteRun(t.db, 'me', 'steps')?.last_run_time;
      const rowsBefore = sqliteRows(t.db);

      // The mode is checked on the open file's bits, so this holds for root too; Windows has no such bits.
      if (posix) {
        chmodSync(t.secretsFile, 0o644);
        const refused = await t.run();
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          `[life-stats] [secrets:file] refusing to read ${t.secretsFile}: it is readable by other users (mode 0644); run: chmod 600 ${t.secretsFile}`,
        );
        expect(sqliteRows(t.db)).toEqual(rowsBefore);
        expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: cursor, last_status: 'ok' });
        chmodSync(t.secretsFile, 0o600);
      }

      const healed = await t.run();
      expect(healed.code).toBe(0);
      c.checkRows(t.expected(), sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
    },
  );

  faultCase(
    'secrets',
    'the secrets file has the wrong layout: exit 1 naming the entry, not its value; fixed, it heals',
    async (c) => {
      const t = project(c);
      // The token nested one level too deep, as a hand edit might do.
      writeFileSync(
        t.secretsFile,
        JSON.stringify({ counter: { users: { me: { token: { value: provider.token } } } } }),
        { mode: 0o600 },
      );
      const broken = await t.run();
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`[life-stats] [secrets:file] ${t.secretsFile} does not have the expected layout`);
      expect(broken.stderr).toContain('  - counter.users.me.token: must be a string (found object)');
      expect(broken.stderr).toContain('life-stats secrets set');
      c.checkNothingWritten(sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toBeUndefined();

      t.goodFile();
      const healed = await t.run();
      expect(healed.code).toBe(0);
      c.checkRows(t.expected(), sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
    },
  );
});

/**
 * A provider whose tokens are single-use, as Oura's refresh tokens are: each answer carries the
 * user's next token and the presented one dies.
 */
async function startRotatingProvider(c: CaseRecorder, users: string[]) {
  const tokens = new Map(users.map((u) => [u, c.secret(`rotating-${u}`)]));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user') ?? '';
    res.setHeader('content-type', 'application/json');
    if (!tokens.has(user) || req.headers.authorization !== `Bearer ${tokens.get(user)}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: 'invalid_token' }));
    }
    const next = `${user}-next-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    c.watchSecret(next);
    tokens.set(user, next);
    const dates = eachDate(url.searchParams.get('start') ?? '', url.searchParams.get('end') ?? '');
    res.end(JSON.stringify({ next, days: dates.map((date) => ({ date, value: dayValue(date) })) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    tokens,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ROTATOR = `
export default {
  id: 'rotator',
  apiVersion: 1,
  metric: { type: 'steps' },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 90,
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  async fetch(ctx) {
    const url = new URL('days?user=' + ctx.user.id + '&start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.baseUrl);
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + ctx.secrets.get('token') }, signal: ctx.signal });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    const body = await response.json();
    // The presented token is dead now: the next one must be stored before anything else.
    await ctx.secrets.set('token', body.next);
    return body.days;
  },
};
`;

/** A real CLI process (the built one), its output seen by the case. */
function spawnCli(
  c: CaseRecorder,
  args: string[],
  cwd: string,
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = [process.execPath, CLI, ...args];
  c.see(argv.join(' '));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('LIFE_STATS_')) env[key] = value;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      c.see(stdout, stderr);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('secrets faults across processes', () => {
  faultCase(
    'secrets',
    'two runs rotating single-use tokens and ten `secrets set` in separate processes at once: every stored write is in the file, the next runs go on',
    async (c) => {
      const users = ['ann', 'bob'];
      const rotating = await startRotatingProvider(c, users);
      try {
        const p = createTempProject({
          'plugins/rotator.mjs': ROTATOR,
          'life-stats.config.json': {
            timezone: 'UTC',
            backfillDays: 3,
            storage: { type: 'sqlite', path: 'data/life-stats.db' },
            secrets: { type: 'file', path: 'secrets.json' },
            users: users.map((id) => ({ id, timezone: 'UTC' })),
            plugins: [{ use: './plugins/rotator.mjs', config: { baseUrl: rotating.url } }],
          },
        });
        projects.push(p);
        const config = p.path('life-stats.config.json');
        const secretsFile = p.path('secrets.json');
        writeFileSync(
          secretsFile,
          JSON.stringify({
            rotator: { users: Object.fromEntries(users.map((u) => [u, { token: rotating.tokens.get(u) }])) },
          }),
          { mode: 0o600 },
        );
        chmodSync(secretsFile, 0o600);
        const extras = Array.from({ length: 10 }, (_, i) => c.secret(`extra-${i}`));
        // SQLite takes one writer at a time; the two runs would also contend for the cursor rows,
        // so each runs one user: the contention under test is the secrets file.
        const results = await Promise.all([
          ...users.map((u) => spawnCli(c, ['run', '--user', u, '--config', config], p.dir)),
          ...extras.map((value, i) =>
            spawnCli(c, ['secrets', 'set', 'other', `key_${i}`, '--config', config], p.dir, value),
          ),
        ]);
        for (const result of results) expect(result.code, result.stderr).toBe(0);
        const file = JSON.parse(readFileSync(secretsFile, 'utf8'));
        for (const u of users) expect(file.rotator.users[u].token).toBe(rotating.tokens.get(u));
        for (const [i, value] of extras.entries()) expect(file.other[`key_${i}`]).toBe(value);

        // The stored tokens are the live ones: the next runs (again at once) work and rotate again.
        const again = await Promise.all(users.map((u) => spawnCli(c, ['run', '--user', u, '--config', config], p.dir)));
        for (const result of again) expect(result.code, result.stderr).toBe(0);
        const after = JSON.parse(readFileSync(secretsFile, 'utf8'));
        for (const u of users) expect(after.rotator.users[u].token).toBe(rotating.tokens.get(u));
        const today = new Date().toISOString().slice(0, 10);
        const dates = eachDate(addDays(today, -3), today);
        c.checkRows(
          users.flatMap((u) => expectedDays(u, 'steps', dates, dayValue)),
          sqliteRows(p.path('data/life-stats.db')),
        );
        for (const u of users)
          expect(sqliteRun(p.path('data/life-stats.db'), u, 'steps')).toMatchObject({ last_status: 'ok' });
      } finally {
        await rotating.close();
      }
    },
    120_000,
  );
});

const PREFIX = '/life-stats-faults';
const RUN1 = '2026-11-25T12:00:00.000Z';
const RUN2 = '2026-11-25T13:00:00.000Z';
const RUN3 = '2026-11-25T14:00:00.000Z';

/** Engine + SSM store + SQLite: as the Lambda runs, with an inline plugin that checks the token. */
function ssmSetup(c: CaseRecorder, options: { cacheTtlMs?: number; rotateTo?: string } = {}) {
  const { rotateTo, ...storeOptions } = options;
  const dir = tempDir();
  const token = c.secret('token');
  const plugin = definePlugin({
    id: 'counter',
    apiVersion: 1,
    metric: { type: 'steps' },
    secrets: { user: ['token'] },
    maxDaysPerFetch: 90,
    async fetch(ctx) {
      if (ctx.secrets.get('token') !== token) throw new Error('provider answered 401');
      // An OAuth plugin whose provider hands out a new refresh token stores it.
      if (rotateTo) await ctx.secrets.set('token', rotateTo);
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: dayValue(date) }));
    },
  });
  const config = makeConfig(dir, [{ plugin }], { backfillDays: 3 });
  const file = join(dir, 'db.sqlite');
  const storage = createSqliteStorage({ path: file });
  open.push(storage);
  const secrets = createSsmSecrets({
    prefix: PREFIX,
    // The SDK's retry decisions and attempt count (SSM default: 3, standard mode), with 5 ms waits.
    clientConfig: { ...ssm.clientConfig, retryStrategy: fastSdkRetry(3, 5) },
    ...storeOptions,
  });
  const parameter = `${PREFIX}/counter/me/token`;
  const putToken = () => ssm.parameters.set(parameter, { value: token, type: 'SecureString', version: 1 });
  const run = async (iso: string) => {
    const log = captureLogger();
    const summary = await runPairs({ config, storage, secrets, logger: log.logger, retry: FAST_RETRY, now: at(iso) });
    c.see(summary, log.text());
    return summary;
  };
  const expected = expectedDays('me', 'steps', eachDate('2026-11-22', '2026-11-25'), dayValue);
  return { config, file, storage, secrets, parameter, putToken, run, expected };
}

describe('SSM secrets faults', () => {
  faultCase(
    'secrets',
    'the SSM token parameter does not exist: skipped with the command to run; put, it heals',
    async (c) => {
      // No read cache, so the store asks GetParameter and meets ParameterNotFound (with the default
      // cache, the namespace listing already says the parameter is missing).
      const t = ssmSetup(c, { cacheTtlMs: 0 });
      ssm.resetRequests();
      const first = await t.run(RUN1);
      expect(first.runs).toEqual([
        {
          user: 'me',
          metric: 'steps',
          plugin: 'counter',
          status: 'skipped',
          hint: `run \`life-stats secrets set counter token --user me\` (read from SSM parameter ${PREFIX}/counter/me/token)`,
        },
      ]);
      expect(ssm.requests).toContainEqual({
        operation: 'GetParameter',
        input: { Name: t.parameter, WithDecryption: true },
      });
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'skipped' });

      // What `life-stats secrets set` (or `aws ssm put-parameter`) does.
      t.putToken();
      const second = await t.run(RUN2);
      expect(second.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN2, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'SSM denies access to the parameters: the run fails naming the path and IAM action; allowed, it heals',
    async (c) => {
      const t = ssmSetup(c);
      t.putToken();
      const first = await t.run(RUN1);
      expect(first.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      const rowsBefore = sqliteRows(t.file);

      // The role loses its SSM permissions on the namespace (a policy change, a narrowed prefix).
      ssm.denyAccess((_operation, name) => name.startsWith(`${PREFIX}/counter`));
      const error = await t.run(RUN2).then(
        () => undefined,
        (e: unknown) => e,
      );
      c.see(error, formatError(error));
      expect(hasErrorCode(error, 'E_SECRETS')).toBe(true);
      expect(formatError(error)).toBe(
        `[life-stats] [secrets:ssm] cannot list the users under ${PREFIX}/counter: access denied (ssm:GetParametersByPath is missing)\n` +
          `  → Allow ssm:GetParametersByPath on arn:aws:ssm:<region>:<account>:parameter${PREFIX}/counter* (IAM can scope it to the prefix) to the role or user running life-stats.`,
      );
      expect(sqliteRows(t.file)).toEqual(rowsBefore);
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN1, last_status: 'ok' });

      ssm.denyAccess();
      const third = await t.run(RUN3);
      // The cursor stayed at RUN1, so the window starts settleDays (1) before that day.
      expect(third.runs[0]).toMatchObject({ status: 'ok', window: { start: '2026-11-24', end: '2026-11-25' } });
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN3, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'SSM refuses to store a rotated token: the pair fails naming the path and IAM action, the new token never shows; allowed, it heals',
    async (c) => {
      const rotated = c.secret('rotated');
      const t = ssmSetup(c, { rotateTo: rotated });
      t.putToken();
      ssm.denyAccess((operation) => operation === 'PutParameter');
      const first = await t.run(RUN1);
      expect(first.runs[0]?.status).toBe('failed');
      expect(first.runs[0]?.error).toContain(
        `[life-stats] [secrets:ssm] cannot write ${t.parameter}: access denied (ssm:PutParameter is missing)`,
      );
      expect(first.runs[0]?.error).toContain(
        `Allow ssm:PutParameter on arn:aws:ssm:<region>:<account>:parameter${t.parameter} (IAM can scope it to the prefix)`,
      );
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'failed' });
      expect(ssm.parameters.get(t.parameter)?.value).not.toBe(rotated);

      ssm.denyAccess();
      const second = await t.run(RUN2);
      expect(second.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      expect(ssm.parameters.get(t.parameter)?.value).toBe(rotated);
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN2, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'SSM throttles the user listing: a whole run fails saying to run later; a brief throttle is healed by SDK retries',
    async (c) => {
      const t = ssmSetup(c);
      t.putToken();
      ssm.throttle((operation) => operation === 'GetParametersByPath');
      const error = await t.run(RUN1).then(
        () => undefined,
        (e: unknown) => e,
      );
      c.see(error, formatError(error));
      expect(formatError(error)).toBe(
        `[life-stats] [secrets:ssm] cannot list the users under ${PREFIX}/counter: SSM is throttling requests even after retries (ThrottlingException)\n` +
          '  → Run again later; consider raising the Parameter Store throughput setting of the account.',
      );
      expect(ssm.count('GetParametersByPath')).toBe(3);
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toBeUndefined();

      // The next run meets two throttled answers only: the SDK's retries absorb them.
      ssm.resetRequests();
      ssm.throttle((operation, request) => operation === 'GetParametersByPath' && request <= 2);
      const second = await t.run(RUN2);
      expect(second.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      expect(ssm.count('GetParametersByPath')).toBe(3);
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN2, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'the Lambda role may not list the SSM parameters: the invocation fails with one error line naming the IAM action; allowed, the next invocation heals',
    async (c) => {
      const t = ssmSetup(c);
      t.putToken();
      const config = { ...t.config, secrets: { type: 'ssm' as const, prefix: PREFIX } };
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      delete process.env.POWERTOOLS_DEV;
      const stdout = captureStdout();
      try {
        const handler = createHandler({ loadConfig: async () => config });
        const context = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'fault-request' };
        ssm.denyAccess((operation) => operation === 'GetParametersByPath');
        const error = await handler({}, context).then(
          () => undefined,
          (e: unknown) => e,
        );
        c.see(error, stdout.text());
        expect(hasErrorCode(error, 'E_SECRETS')).toBe(true);
        const errors = stdout.json().filter((line) => line.level === 'ERROR');
        expect(errors).toHaveLength(1);
        expect(errors[0]?.message).toBe(
          `run failed before any pair ran: [life-stats] [secrets:ssm] cannot list the users under ${PREFIX}/counter: access denied (ssm:GetParametersByPath is missing)\n` +
            `  → Allow ssm:GetParametersByPath on arn:aws:ssm:<region>:<account>:parameter${PREFIX}/counter* (IAM can scope it to the prefix) to the role or user running life-stats.`,
        );
        c.checkNothingWritten(sqliteRows(t.file));
        expect(sqliteRun(t.file, 'me', 'steps')).toBeUndefined();

        ssm.denyAccess();
        const summary = await handler({}, context);
        c.see(summary, stdout.text());
        expect(summary.runs).toMatchObject([{ user: 'me', metric: 'steps', status: 'ok', items: 4 }]);
        const today = new Date().toISOString().slice(0, 10);
        c.checkRows(expectedDays('me', 'steps', eachDate(addDays(today, -3), today), dayValue), sqliteRows(t.file));
        expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
      } finally {
        stdout.restore();
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    },
  );
});
