import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import type { Storage } from '@life-stats/core';
import type { TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';
import { project as projectIn, startTokenProvider, type TokenProvider } from './support/secrets-rig.js';

const posix = process.platform !== 'win32';

let provider: TokenProvider;
const projects: TempProject[] = [];
const open: Storage[] = [];

beforeAll(async () => {
  provider = await startTokenProvider();
});

afterAll(async () => {
  await provider?.stop();
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const p of projects.splice(0)) p.remove();
});

const project = (c: CaseRecorder) => projectIn(c, provider, projects);

describe('secrets faults', () => {
  faultCase(
    'secrets',
    'the secrets file is missing: the pair is skipped with the command to run and where it looked; set, it heals',
    async (c) => {
      const t = project(c);
      const first = await t.run();
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/me\s+steps\s+counter\s+skipped/);
      expect(first.stdout).toContain('run `life-stats secrets set counter token --user me`');
      // Where the secret was looked for: the file and the key in it, never a value.
      expect(first.stdout).toContain(`(read from ${t.secretsFile} at counter.users.me.token)`);
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
      // The store failing as a whole is recorded in the run row (the cursor stays), so `status` shows it.
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: cursor, last_status: 'failed' });
      expect(sqliteRun(t.db, 'me', 'steps')?.last_error).toContain(`${t.secretsFile} is not valid JSON at line`);
      const status = await t.cli(['status', '--json', '--config', t.config]);
      expect(status.code).toBe(1);
      expect(JSON.parse(status.stdout).status).toMatchObject([
        {
          user: 'me',
          metric: 'steps',
          last_status: 'failed',
          last_error: expect.stringContaining('is not valid JSON'),
        },
      ]);

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
        expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: cursor, last_status: 'failed' });
        const status = await t.cli(['status', '--config', t.config]);
        expect(status.stdout).toMatch(/me\s+steps\s+\S+\s+failed\s.*refusing to read/);
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
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'failed' });
      expect(sqliteRun(t.db, 'me', 'steps')?.last_error).toContain('does not have the expected layout');

      t.goodFile();
      const healed = await t.run();
      expect(healed.code).toBe(0);
      c.checkRows(t.expected(), sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
    },
  );
});
