import path from 'node:path';
import type { RunSummary, Storage } from '@life-stats/core';
import { loadConfig, runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { captureLogger, FAST_RETRY } from '@life-stats/testing/engine';
import { describe, expect } from 'vitest';
import { faultCase } from './support/case.js';
import { METRIC, startProvider } from './support/level-provider.js';
import {
  type Child,
  cleanUpAfterEach,
  expectWholeWindows,
  integrity,
  plantTokens,
  servedRows,
  spawnCli,
  stopMidRun,
  track,
  until,
  writeProject,
} from './support/process-rig.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

cleanUpAfterEach();

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
      track(undefined, provider);
      provider.delayMs = 25;
      const project = writeProject(c, users, provider.url, tokens);

      // Both start on a store that does not exist yet: both create it, both write every pair.
      const before = new Date().toISOString();
      const args = ['run', '--config', project.config, '--json', '--concurrency', '2'];
      const [a, b] = [spawnCli(c, args, project.dir), spawnCli(c, args, project.dir)] as [Child, Child];
      track(a.process);
      track(b.process);
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
