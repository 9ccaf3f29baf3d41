/**
 * Provider faults (issue #7), around the grant and the clock: an expired access token, a revoked
 * grant, a failing token endpoint, a provider slower than the run's deadline (see
 * provider-http.test.ts for the method).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addDays, eachDate, localDate } from '@life-stats/core';
import { runCli } from '@life-stats/testing/cli';
import { makeStores, tempDir } from '@life-stats/testing/engine';
import { startFakeGoogle } from '@life-stats/testing/fake-google';
import { ROOT } from '@life-stats/testing/sample-project';
import { describe, expect } from 'vitest';
import { faultCase } from './support/case.js';
import { cleanUpAfterEach, closeAfterCase, fullWeek, only, rig, Source, T0, T1, WINDOW } from './support/google-rig.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

cleanUpAfterEach();

describe('provider faults (Google plugins, real engine, SQLite)', () => {
  faultCase('provider', '401 on an expired access token → refreshed transparently, the run is ok', async (c) => {
    const source = fullWeek();
    const r = await rig(c, { source });
    expect(only(await r.run(T0)).status).toBe('ok');
    expect(r.google.requestsTo('token')).toHaveLength(1);

    // The cached access token dies (revoked early, clock skew): the API answers 401.
    r.google.expireAccessTokens();
    source.days.set('2026-11-26', 321);
    r.google.addSteps(source.samples(['2026-11-26']));
    const next = '2026-11-26T09:00:00.000Z';
    const second = only(await r.run(next));
    expect(second.status).toBe('ok');
    const health = r.google.requestsTo('health');
    expect(health).toHaveLength(3); // ok, 401 with the cached token, ok with a fresh one
    expect(r.google.requestsTo('token')).toHaveLength(2);
    c.checkRows(source.expected(['alice'], eachDate('2026-11-18', '2026-11-26')), sqliteRows(r.file));
    expect(r.cursor()).toBe(next);
    expect(r.status()).toBe('ok');
    r.watchTokens();
  });

  faultCase(
    'provider',
    'slower than the run deadline → later pairs deferred (cursor untouched); the next run collects them all',
    async (c) => {
      const source = fullWeek();
      const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
      const r = await rig(c, { source, users });
      r.google.slow('health', 300);
      // A Lambda with 900 ms left, that starts no pair with less than 250 ms left, one pair at a time.
      let deadline: number | undefined;
      const first = await r.run(T0, {
        concurrency: 1,
        // The clock starts when the first pair asks, so a slow planning step cannot defer it.
        remainingTimeMs: () => {
          deadline ??= Date.now() + 900;
          return deadline - Date.now();
        },
        deadlineMarginMs: 250,
      });
      const statuses = first.runs.map((p) => p.status);
      expect(statuses[0]).toBe('ok');
      expect(statuses).toContain('deferred');
      expect(statuses.every((s) => s === 'ok' || s === 'deferred')).toBe(true);
      for (const pair of first.runs) {
        if (pair.status === 'ok') {
          expect(r.cursor(pair.user)).toBe(T0);
        } else {
          expect(pair.error).toMatch(/deadline/);
          expect(r.cursor(pair.user)).toBeNull();
          expect(sqliteRows(r.file).filter((row) => row.user_id === pair.user)).toEqual([]);
        }
      }

      r.google.slow('health', 0);
      const second = await r.run(T1, { concurrency: 1 });
      expect(second.runs.map((p) => p.status)).toEqual(users.map(() => 'ok'));
      c.checkRows(source.expected(users, WINDOW), sqliteRows(r.file));
      for (const user of users) expect(r.cursor(user)).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'invalid_grant (grant revoked, CLI) → status reconnect naming `life-stats auth`, exit 1, cursor kept; after auth the next run heals',
    async (c) => {
      const dir = tempDir('life-stats-faults-reconnect-');
      const oldRefresh = c.secret('1//refresh-alice');
      const clientSecret = c.secret('GOCSPX-client-secret');
      const today = localDate(new Date(), 'UTC');
      const window = eachDate(addDays(today, -7), today);
      const source = new Source(
        Object.fromEntries(window.filter((_, i) => i !== 2).map((date, i) => [date, 2000 + 31 * i])),
      );
      const google = await startFakeGoogle({ clientSecret, refreshTokens: [oldRefresh], steps: source.samples() });
      closeAfterCase(google);
      const configFile = path.join(dir, 'life-stats.config.json');
      writeFileSync(
        configFile,
        JSON.stringify({
          timezone: 'UTC',
          backfillDays: 7,
          storage: { type: 'sqlite', path: 'ls.db' },
          secrets: { type: 'file', path: 'secrets.json' },
          users: [{ id: 'alice', timezone: 'UTC' }],
          plugins: [
            {
              use: 'google-health-steps',
              metric: 'steps',
              config: { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl },
            },
          ],
        }),
      );
      const { secrets, storage } = makeStores(dir);
      await storage.close();
      await secrets.set('google-health', 'client_id', google.clientId);
      await secrets.set('google-health', 'client_secret', clientSecret);
      await secrets.set('google-health', 'token', oldRefresh, 'alice');
      const file = path.join(dir, 'ls.db');
      const cursor = () => sqliteRun(file, 'alice', 'steps');
      const cli = async (argv: string[], onStderr?: (chunk: string) => void) => {
        const result = await runCli([...argv, '--config', configFile], {
          cwd: ROOT,
          env: { TZ: 'UTC' },
          ...(onStderr ? { onStderr } : {}),
        });
        c.see(result.stdout, result.stderr);
        return result;
      };

      const good = await cli(['run']);
      expect(good.code, good.stderr).toBe(0);
      const before = cursor()?.last_run_time;
      expect(before).toMatch(/^\d{4}-/);

      // The user revoked life-stats' access in their Google account: the refresh token and the
      // access tokens it issued stop working.
      google.revoke(oldRefresh);
      google.expireAccessTokens();
      const revoked = await cli(['run']);
      expect(revoked.code).toBe(1);
      expect(revoked.stdout).toMatch(/alice\s+steps\s+google-health-steps\s+reconnect/);
      expect(revoked.stdout).toContain('life-stats auth google-health-steps --user alice');
      // Named in the message and its hint, not a third time by core.
      expect(revoked.stdout.match(/life-stats auth google-health-steps --user alice/g)).toHaveLength(2);
      expect(cursor()).toMatchObject({ last_run_time: before, last_status: 'reconnect' });

      // `life-stats auth` (the test plays the browser at the fake consent page) stores a new refresh token.
      let browsed: Promise<unknown> | undefined;
      const authed = await cli(['auth', 'google-health-steps', '--user', 'alice', '--no-open'], (chunk) => {
        const printed = chunk.split('\n').find((l) => l.trim().startsWith('https://accounts.google.com/'));
        if (!printed || browsed) return;
        browsed = fetch(`${google.authUrl}${new URL(printed.trim()).search}`).then((res) => res.text());
      });
      await browsed;
      expect(authed.code, authed.stderr).toBe(0);
      const newRefresh = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'))['google-health']?.users?.alice
        ?.token as string | undefined;
      expect(newRefresh).toBeTruthy();
      expect(newRefresh).not.toBe(oldRefresh);
      c.watchSecret(newRefresh as string);

      const healed = await cli(['run', '--json']);
      expect(healed.code, healed.stderr).toBe(0);
      expect(JSON.parse(healed.stdout).runs).toEqual([expect.objectContaining({ user: 'alice', status: 'ok' })]);
      c.checkRows(source.expected(['alice'], window), sqliteRows(file));
      const after = cursor();
      expect(after?.last_status).toBe('ok');
      expect(after?.last_run_time && before && after.last_run_time > before).toBe(true);
      for (const token of google.accessTokens) c.watchSecret(token);
    },
  );

  faultCase(
    'provider',
    'the token endpoint answers 503 past the retries → failed, cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      r.google.inject('token', { status: 503, body: 'Service Unavailable' }, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/token endpoint/);
      expect(first.error).toMatch(/503/);
      expect(r.google.requestsTo('token')).toHaveLength(4);
      expect(r.google.requestsTo('health')).toHaveLength(0);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );
});
