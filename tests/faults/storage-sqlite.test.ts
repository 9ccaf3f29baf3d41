/**
 * Fault suite, group `storage`, on SQLite: a file locked by another process, a file that is not a
 * database, a damaged one. Each ends with the file left untouched until the user acts, and healed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { addDays, eachDate } from '@life-stats/core';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { runCli } from '@life-stats/testing/cli';
import { makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { describe, expect } from 'vitest';
import { expectedDays, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';
import { afterCase, cleanUpAfterEach, cliProject, dayValue, run, sourcePlugin } from './support/storage-rig.js';

cleanUpAfterEach();

const require = createRequire(import.meta.url);

describe('storage faults', () => {
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
      afterCase({ storage: storage });
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
      afterCase({ child: holder });
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
