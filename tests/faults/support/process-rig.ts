/**
 * The `process` fault group's rig: a project on disk (config, a plugin author's .mjs, a secrets
 * file), the real CLI as a child process, and the run stopped mid-way and completed again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RunSummary } from '@life-stats/core';
import { eachDate } from '@life-stats/core';
import { tempDir } from '@life-stats/testing/engine';
import { CLI } from '@life-stats/testing/sample-project';
import { afterEach, expect } from 'vitest';
import type { CaseRecorder, ExpectedRow } from './case.js';
import { METRIC, PLUGIN_ID, type Provider, sourceValue, startProvider } from './level-provider.js';
import { sqliteRows, sqliteRun } from './rows.js';

const children: ChildProcess[] = [];
const providers: Provider[] = [];

/** Kill the children and stop the providers a case left behind, after each case. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const p of providers.splice(0)) await p.stop();
  });
}

/** Track a child process and a provider for {@link cleanUpAfterEach}. */
export function track(child: ChildProcess | undefined, provider?: Provider): void {
  if (child) children.push(child);
  if (provider) providers.push(provider);
}

const require = createRequire(import.meta.url);

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

export interface Project {
  dir: string;
  config: string;
  db: string;
  users: string[];
  tokens: Map<string, string>;
}

export function writeProject(
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

export function plantTokens(c: CaseRecorder, users: string[]): Map<string, string> {
  return new Map(users.map((u) => [u, c.secret(`token-${u}`)]));
}

/** The environment of a CLI child: this one, without anything that would point it elsewhere. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('LIFE_STATS_') && !key.startsWith('AWS_')) env[key] = value;
  }
  // The test run's validator cache (vitest.config.ts), not the user's ~/.cache.
  return { ...env, LIFE_STATS_CACHE_DIR: process.env.LIFE_STATS_CACHE_DIR, NO_COLOR: '1' };
}

export interface Child {
  process: ChildProcess;
  argv: string[];
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the real CLI (the built dist) as a child process. */
export function spawnCli(c: CaseRecorder, args: string[], cwd: string): Child {
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

export async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function untilAsync(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function integrity(file: string): string {
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** The (user, date) rows the provider answered: what the store must hold, exactly once each. */
export function servedRows(provider: Provider): ExpectedRow[] {
  return [...provider.served.values()];
}

/** Every user got the whole backfill window (today and three days before) from the provider. */
export function expectWholeWindows(provider: Provider, users: string[]): void {
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
export async function stopMidRun(
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
