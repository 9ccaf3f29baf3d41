/**
 * What a secret store or the runs table may hold that life-stats must not run with (issue 17,
 * items 4, 5, 7, 13): a FIFO where the secrets file should be, user ids that break the rule, ids
 * the env store cannot tell apart — and a Lambda event naming a bad user.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '@life-stats/core';
import { definePlugin, eachDate, formatError, hasErrorCode, runPairs } from '@life-stats/core';
import { createHandler } from '@life-stats/core/lambda';
import { createEnvSecrets } from '@life-stats/core/secrets/env';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { captureStdout } from '@life-stats/testing/capture-stdout';
import { at, captureLogger, FAST_RETRY, makeConfig, tempDir } from '@life-stats/testing/engine';
import type { TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { badInputCase, type CaseRecorder, expectedDays, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';
import { dayValue, project as projectIn, startTokenProvider, type TokenProvider } from './support/secrets-rig.js';

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

const RAW_CONTROLS = ['\u0007', '\u001b'];

describe('the secrets file is not a regular file (item 13)', () => {
  faultCase(
    'secrets',
    'a FIFO as the secrets file: refused at once (no hang), recorded; a real file heals it',
    async (c) => {
      const t = projectIn(c, provider, projects);
      if (posix) {
        execFileSync('mkfifo', [t.secretsFile]);
        const refused = await t.run();
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          `[life-stats] [secrets:file] refusing to read ${t.secretsFile}: it is a FIFO (named pipe), not a regular file.`,
        );
        c.checkNothingWritten(sqliteRows(t.db));
        expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'failed' });
        // `secrets set` meets the same refusal instead of blocking on the pipe.
        const set = await t.cli(['secrets', 'set', 'counter', 'token', '--user', 'me', '--config', t.config], 'x\n');
        expect(set.code).toBe(1);
        expect(set.stderr).toContain('it is a FIFO (named pipe)');
        rmSync(t.secretsFile);
      }
      t.goodFile();
      const healed = await t.run();
      expect(healed.code).toBe(0);
      c.checkRows(t.expected(), sqliteRows(t.db));
      expect(sqliteRun(t.db, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
    },
  );
});

describe('user ids found in a store (items 5 and 7)', () => {
  faultCase(
    'secrets',
    'ids that break the rule in the secrets file and the runs table: skipped with a warning, never run; the good user is',
    async (c) => {
      const t = projectIn(c, provider, projects);
      const bad = ['../x', 'a#b', 'x\u001b]8;;https://evil.example/\u0007y', 'a'.repeat(10_000)];
      const users: Record<string, { token: string }> = { me: { token: provider.token } };
      for (const id of bad) users[id] = { token: c.secret('other') };
      writeFileSync(t.secretsFile, JSON.stringify({ counter: { users } }), { mode: 0o600 });
      const storage = createSqliteStorage({ path: t.db });
      await storage.putCursor({
        user_id: 'has space',
        metric_type: 'steps',
        last_status: 'ok',
        last_run_time: '2026-01-01T00:00:00Z',
      });
      await storage.close();

      const res = await t.run();
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.trim().split('\n')).toHaveLength(3);
      expect(res.stdout).toMatch(/me\s+steps\s+counter\s+ok/);
      expect(res.stderr).toContain(
        'skipping user "../x" found in the file secret store (namespace counter): the id may hold only letters, digits and . _ @ + - (starting with a letter or digit); it is never run',
      );
      expect(res.stderr).toContain('skipping user "a#b" found in the file secret store');
      expect(res.stderr).toContain(
        'skipping user "x\\x1b]8;;https://evil.example/\\x07y" found in the file secret store',
      );
      expect(res.stderr).toContain(
        `skipping user "${'a'.repeat(40)}…" found in the file secret store (namespace counter): the id is 10000 characters long; a user id has at most 128`,
      );
      expect(res.stderr).toContain('skipping user "has space" found in the runs table (metric steps)');
      for (const raw of RAW_CONTROLS) expect(res.stdout + res.stderr).not.toContain(raw);
      expect(res.stderr).not.toContain('a'.repeat(200));
      c.checkRows(t.expected(), sqliteRows(t.db));
      for (const id of bad) expect(sqliteRun(t.db, id, 'steps')).toBeUndefined();
    },
  );
});

/** Engine + env store: a plugin that reads `token` and returns every day of its window. */
function envSetup(c: CaseRecorder, users: string[]) {
  const dir = tempDir();
  const token = c.secret('token');
  const plugin = definePlugin({
    id: 'counter',
    apiVersion: 1,
    metric: { type: 'steps' },
    secrets: { user: ['token'] },
    async fetch(ctx) {
      if (ctx.secrets.get('token') !== token) throw new Error('provider answered 401');
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: dayValue(date) }));
    },
  });
  const config = makeConfig(dir, [{ plugin }], {
    backfillDays: 3,
    users: users.map((id) => ({ id, timezone: 'UTC' })),
  });
  const file = join(dir, 'db.sqlite');
  const storage = createSqliteStorage({ path: file });
  open.push(storage);
  const env = { LIFE_STATS_SECRET__COUNTER__ALICE_X__TOKEN: token };
  const secrets = createEnvSecrets({ env });
  const run = async () => {
    const log = captureLogger();
    try {
      const summary = await runPairs({
        config,
        storage,
        secrets,
        logger: log.logger,
        retry: FAST_RETRY,
        now: at('2026-11-25T12:00:00Z'),
      });
      c.see(summary, log.text());
      return summary;
    } finally {
      c.see(log.text());
    }
  };
  return { file, storage, token, run };
}

describe('ids the env secret store cannot tell apart (item 4)', () => {
  faultCase(
    'secrets',
    'config user alice-x and the variable …__ALICE_X__TOKEN: one user, one pair, rows once — not a second user alice_x',
    async (c) => {
      const t = envSetup(c, ['alice-x']);
      const summary = await t.run();
      expect(summary.runs.map((r) => [r.user, r.status])).toEqual([['alice-x', 'ok']]);
      c.checkRows(expectedDays('alice-x', 'steps', eachDate('2026-11-22', '2026-11-25'), dayValue), sqliteRows(t.file));
      expect(sqliteRun(t.file, 'alice_x', 'steps')).toBeUndefined();
    },
  );

  badInputCase(
    'secrets',
    'a runs-table user Alice.X beside config user alice-x: refused naming both (exit 2), nothing run',
    async (c) => {
      const t = envSetup(c, ['alice-x']);
      await t.storage.putCursor({
        user_id: 'Alice.X',
        metric_type: 'steps',
        last_status: 'ok',
        last_run_time: '2026-11-20T00:00:00Z',
      });
      const error = await t.run().then(
        () => undefined,
        (e: unknown) => e,
      );
      c.see(error, formatError(error));
      expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
      expect(formatError(error)).toContain(
        'users "alice-x" and "Alice.X" would read the same secrets in the env secret store, which cannot tell them apart',
      );
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'alice-x', 'steps')).toBeUndefined();
    },
  );
});

describe('a Lambda event naming a user id that breaks the rule (item 5)', () => {
  badInputCase(
    'cli',
    'user_id "../x" or 10,000 characters: the invocation is refused naming user_id, nothing run',
    async (c) => {
      const t = envSetup(c, ['me']);
      const stdout = captureStdout();
      try {
        const handler = createHandler({
          loadConfig: async () => ({ ...makeConfig(tempDir(), []), storage: { type: 'sqlite', path: t.file } }),
        });
        for (const id of ['../x', 'a'.repeat(10_000)]) {
          const error = await handler({ user_id: id }, { getRemainingTimeInMillis: () => 60_000 }).then(
            () => undefined,
            (e: unknown) => e,
          );
          c.see(error, stdout.text());
          expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
          expect(formatError(error)).toMatch(
            /the Lambda event's "user_id" ".{1,44}" is not a user id: it (may hold only|is 10000 characters long)/,
          );
        }
        expect(stdout.text()).not.toContain('a'.repeat(200));
        expectNoSecret(stdout.text(), [t.token]);
      } finally {
        stdout.restore();
      }
      c.checkNothingWritten(sqliteRows(t.file));
    },
  );
});
