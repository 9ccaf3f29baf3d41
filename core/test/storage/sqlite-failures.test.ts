/** The SQLite store when the file is not what it should be: not a database, corrupt, locked, unwritable, newer, closed, raced. */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rejection } from '@life-stats/testing/assertions';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../../src/storage/sqlite.js';
import type { CursorUpdate } from '../../src/storage/types.js';
import { row, useSqliteRig } from './support/sqlite-rig.js';

const { freshPath, unique, track, handles } = useSqliteRig();

describe('createSqliteStorage: failures', () => {
  it('reports a file that is not a SQLite database and leaves its bytes alone', async () => {
    const path = freshPath();
    const storage = track(createSqliteStorage({ path }));
    await storage.queryMetrics(); // creates the folder
    await storage.close();
    const garbage = Buffer.from('these are my notes, not a database\n'.repeat(200));
    writeFileSync(path, garbage);

    const other = track(createSqliteStorage({ path }));
    for (const attempt of [other.putMetrics([row()]), other.queryMetrics(), other.putCursor(runUpdate())]) {
      const error = await rejection(attempt);
      expect(error.code).toBe('E_STORAGE');
      expect(error.message).toMatch(/^\[life-stats\] \[storage:sqlite\] /);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/is not a SQLite database/);
      expect(error.hint).toMatch(/storage\.path/);
      expect(error.cause).toMatchObject({ code: 'SQLITE_NOTADB' });
    }
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('reports a corrupt database and leaves its bytes alone', async () => {
    const path = freshPath();
    const first = createSqliteStorage({ path });
    await first.putMetrics(Array.from({ length: 2000 }, (_, i) => row({ user_id: `user-${i}` })));
    await first.close();
    // Keep page 1 (header and schema) and scribble over the data pages.
    const bytes = readFileSync(path);
    bytes.fill(0xab, 4096);
    writeFileSync(path, bytes);

    const storage = track(createSqliteStorage({ path }));
    const error = await rejection(storage.queryMetrics());
    expect(error.code).toBe('E_STORAGE');
    expect(error.message).toMatch(/^\[life-stats\] \[storage:sqlite\] cannot query metrics: /);
    expect(error.message).toContain(`${path} is corrupt`);
    expect(error.hint).toMatch(/backup/);
    expect(error.cause).toMatchObject({ code: expect.stringMatching(/^SQLITE_CORRUPT/) });
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('reports a database another process holds locked, and works once it is released', async () => {
    const path = freshPath();
    const owner = createSqliteStorage({ path });
    await owner.putMetrics([row({ value: 1 })]);
    await owner.close();

    const holder = new Database(path);
    handles.push(holder);
    holder.exec('BEGIN EXCLUSIVE');
    const storage = track(createSqliteStorage({ path, busyTimeoutMs: 100 }));
    const started = Date.now();
    const error = await rejection(storage.putMetrics([row({ value: 2 })]));
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(error.code).toBe('E_STORAGE');
    expect(error.message).toBe(
      `[life-stats] [storage:sqlite] cannot write metrics: ${path} is locked by another life-stats process (gave up after 100 ms)`,
    );
    expect(error.hint).toMatch(/Wait for the other run/);
    expect(error.cause).toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    const runError = await rejection(storage.putCursor(runUpdate()));
    expect(runError.message).toMatch(/cannot write a run: .* is locked by another life-stats process/);

    holder.exec('ROLLBACK');
    await storage.putMetrics([row({ value: 3 })]);
    expect(await storage.queryMetrics()).toEqual([row({ value: 3 })]);
  });

  it('reports a lock held while opening a new file, and opens once it is released', async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    const holder = new Database(path);
    handles.push(holder);
    holder.exec('CREATE TABLE other (x); BEGIN EXCLUSIVE; INSERT INTO other VALUES (1)');

    const waiting = track(createSqliteStorage({ path, busyTimeoutMs: 50 }));
    const error = await rejection(waiting.queryMetrics());
    expect(error.message).toMatch(/cannot open: .* is locked by another life-stats process/);

    holder.exec('COMMIT');
    expect(await waiting.queryMetrics()).toEqual([]);
  });

  it('reports a parent folder that cannot be created', async () => {
    const blocker = unique('plain-file');
    writeFileSync(blocker, 'a file where a folder should be');
    const path = join(blocker, 'sub', 'life-stats.db');
    const storage = track(createSqliteStorage({ path }));
    const error = await rejection(storage.queryMetrics());
    expect(error.code).toBe('E_STORAGE');
    expect(error.message).toMatch(/^\[life-stats\] \[storage:sqlite\] cannot create the folder /);
    expect(error.message).toContain(join(blocker, 'sub'));
    expect(error.hint).toMatch(/storage\.path/);
    expect(error.cause).toMatchObject({ code: 'ENOTDIR' });
    expect(readFileSync(blocker, 'utf8')).toBe('a file where a folder should be');
  });

  it('refuses a database written by a newer schema', async () => {
    const path = freshPath();
    const storage = track(createSqliteStorage({ path }));
    await storage.queryMetrics();
    await storage.close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();

    const newer = track(createSqliteStorage({ path }));
    const error = await rejection(newer.queryMetrics());
    expect(error.code).toBe('E_STORAGE');
    expect(error.message).toMatch(/written by a newer life-stats \(schema version 99/);
  });

  it('refuses use after close', async () => {
    const storage = createSqliteStorage({ path: freshPath() });
    await storage.queryMetrics();
    await storage.close();
    const error = await rejection(storage.queryMetrics());
    expect(error.message).toMatch(/cannot query metrics: the store for .* is closed/);
  });

  it('two storage instances on one file never move last_run_time back', async () => {
    const path = freshPath();
    const a = track(createSqliteStorage({ path }));
    const b = track(createSqliteStorage({ path }));
    await a.putCursor(runUpdate({ last_run_time: '2026-11-25T05:30:00.000Z' }));
    await b.putCursor(runUpdate({ last_run_time: '2026-11-24T05:30:00.000Z', last_status: 'failed', last_error: 'x' }));
    expect(await a.getCursor('me', 'steps')).toEqual({
      user_id: 'me',
      metric_type: 'steps',
      last_status: 'failed',
      last_error: 'x',
      last_run_time: '2026-11-25T05:30:00.000Z',
    });
  });

  it('four processes opening one new database file at once all get it, in WAL mode, with every row', async () => {
    // Cron lines that fire together on a new store: every process creates the folder, the file,
    // the schema and its WAL switch as if it were the only one (sqlite-wal.ts's tests cover the
    // switch's retries); none may fail or lose another's rows.
    const dir = unique('first-open');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'open.mjs');
    writeFileSync(
      script,
      `import { existsSync, writeFileSync } from 'node:fs';
const [moduleUrl, path, dir, me, count] = process.argv.slice(2);
const { createSqliteStorage } = await import(moduleUrl);
const storage = createSqliteStorage({ path, busyTimeoutMs: 20000 });
// Open only once every process is ready (the store opens its file on first use), so they race.
writeFileSync(dir + '/ready-' + me, '');
for (let i = 0; i < Number(count); i++) {
  while (!existsSync(dir + '/ready-' + i)) await new Promise((r) => setTimeout(r, 1));
}
await storage.putMetrics([{ user_id: 'user-' + me, metric_type: 'steps', date: '2026-01-01', value: Number(me), timestamp: '2026-01-02T00:00:00.000Z', source: 'race' }]);
await storage.putCursor({ user_id: 'user-' + me, metric_type: 'steps', last_status: 'ok', last_run_time: '2026-01-02T00:00:00.000Z' });
await storage.close();
`,
    );
    const count = 4;
    for (const round of [1, 2, 3]) {
      const roundDir = join(dir, `round-${round}`);
      mkdirSync(roundDir, { recursive: true });
      const path = join(roundDir, 'store', 'life-stats.db');
      const open = (me: number) =>
        runStoreScript(script, [path, roundDir, String(me), String(count)], `opener ${me} of round ${round}`);
      await Promise.all(Array.from({ length: count }, (_, me) => open(me)));

      const db = new Database(path, { readonly: true });
      handles.push(db);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT user_id, value FROM metrics ORDER BY user_id').all()).toEqual(
        Array.from({ length: count }, (_, me) => ({ user_id: `user-${me}`, value: me })),
      );
      expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: count });
    }
  }, 90_000);

  it('two processes racing putCursor with different times end with the latest time', async () => {
    const dir = unique('race');
    const path = join(dir, 'life-stats.db');
    const setup = createSqliteStorage({ path });
    await setup.queryMetrics();
    await setup.close();

    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const times = (offset: number) =>
      Array.from({ length: 1500 }, (_, i) => new Date(base + ((i * 7919 + offset) % 100_000) * 1000).toISOString());
    const timesA = times(1);
    const timesB = times(50_000);
    const latest = [...timesA, ...timesB].sort().at(-1);

    const script = join(dir, 'race.mjs');
    writeFileSync(
      script,
      `import { existsSync, writeFileSync } from 'node:fs';
const [moduleUrl, path, dir, me, other, timesJson] = process.argv.slice(2);
const { createSqliteStorage } = await import(moduleUrl);
const storage = createSqliteStorage({ path, busyTimeoutMs: 20000 });
await storage.getCursor('me', 'steps');
// Start writing only once both processes are ready, so the writes really interleave.
writeFileSync(dir + '/ready-' + me, '');
while (!existsSync(dir + '/ready-' + other)) await new Promise((r) => setTimeout(r, 2));
for (const time of JSON.parse(timesJson)) {
  await storage.putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok-' + me, last_run_time: time });
}
await storage.close();
`,
    );
    const run = (me: string, other: string, list: string[]) =>
      runStoreScript(script, [path, dir, me, other, JSON.stringify(list)], `racer ${me}`);
    await Promise.all([run('a', 'b', timesA), run('b', 'a', timesB)]);

    const storage = track(createSqliteStorage({ path }));
    expect((await storage.getCursor('me', 'steps'))?.last_run_time).toBe(latest);
  }, 60_000);
});

/**
 * Run `script` in a process of its own, through tsx, with the store's source module's URL as its first
 * argument and `args` after it; resolves when it exits 0, else rejects with `label` and its stderr.
 */
function runStoreScript(script: string, args: string[], label: string): Promise<void> {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const moduleUrl = pathToFileURL(fileURLToPath(new URL('../../src/storage/sqlite.ts', import.meta.url))).href;
  return new Promise<void>((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, moduleUrl, ...args], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${label} exited ${code}: ${stderr}`)),
    );
  });
}

function runUpdate(fields: Partial<CursorUpdate> = {}): CursorUpdate {
  return {
    user_id: 'me',
    metric_type: 'steps',
    last_status: 'ok',
    last_run_time: '2026-11-24T05:30:00.000Z',
    ...fields,
  };
}
