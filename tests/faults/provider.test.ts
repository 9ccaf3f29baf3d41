import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunOptions, RunSummary, SecretStore, Storage, UserConfig } from '@life-stats/core';
import { addDays, eachDate, localDate, runPairs } from '@life-stats/core';
import fitPlugin from '@life-stats/plugin-google-fit-steps';
import healthPlugin from '@life-stats/plugin-google-health-steps';
import { runCli } from '@life-stats/testing/cli';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { type FakeGoogle, googleApiError, type StepSample, startFakeGoogle } from '@life-stats/testing/fake-google';
import { ROOT } from '@life-stats/testing/sample-project';
import { afterEach, describe, expect } from 'vitest';
import { type CaseRecorder, type ExpectedRow, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

/**
 * Provider faults (issue #7): the shipped Google plugins in the real run engine with a real SQLite
 * store, against the fake Google on loopback. Each case injects a fault, runs, checks the pair's
 * status and that the cursor stayed put, clears the fault, runs again, then checks that the store
 * holds exactly what the provider holds for every day of the window, and the cursor.
 */

const T0 = '2026-11-25T12:00:00.000Z';
const T1 = '2026-11-25T13:00:00.000Z';
/** The first run's window at T0 and T1 (backfillDays 7, UTC): no cursor yet, so the same window. */
const WINDOW = eachDate('2026-11-18', '2026-11-25');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

type Which = 'health' | 'fit';

/** The provider's data: steps per UTC day (a sample at noon), and the rows that must end up stored. */
class Source {
  readonly days = new Map<string, number>();
  constructor(days: Record<string, number>) {
    for (const [date, steps] of Object.entries(days)) this.days.set(date, steps);
  }
  samples(dates: readonly string[] = [...this.days.keys()]): StepSample[] {
    return dates.map((date) => ({ at: `${date}T12:00:00Z`, steps: this.days.get(date) ?? 0 }));
  }
  /** What the provider holds for `dates`, for every user: a day without data has no row. */
  expected(users: readonly string[], dates: readonly string[]): ExpectedRow[] {
    return users.flatMap((user) =>
      dates.flatMap((date) => {
        const value = this.days.get(date);
        return value === undefined ? [] : [{ user, metric: 'steps', date, value }];
      }),
    );
  }
}

/** Steps on every day of the window but one (`2026-11-21`: the phone stayed home). */
const fullWeek = () =>
  new Source(
    Object.fromEntries(
      WINDOW.filter((d) => d !== '2026-11-21').map((date, i) => [date, 1000 + i * 137 + (i % 2 ? 5 : 0)]),
    ),
  );

interface Rig {
  google: FakeGoogle;
  file: string;
  storage: Storage;
  secrets: SecretStore;
  refresh: Map<string, string>;
  run(now: string, extra?: Partial<RunOptions>): Promise<RunSummary>;
  cursor(user?: string): string | null;
  status(user?: string): string | undefined;
  /** Watch every access token the fake issued (call at the end of the case). */
  watchTokens(): void;
}

async function rig(
  c: CaseRecorder,
  options: { plugin?: Which; users?: string[]; source: Source; healthEmptyDays?: 'no-value' | 'omit' },
): Promise<Rig> {
  const which = options.plugin ?? 'health';
  const users = options.users ?? ['alice'];
  const refresh = new Map(users.map((u) => [u, c.secret(`1//refresh-${u}`)]));
  const clientSecret = c.secret('GOCSPX-client-secret');
  const google = await startFakeGoogle({
    clientSecret,
    refreshTokens: [...refresh.values()],
    steps: options.source.samples(),
    ...(options.healthEmptyDays ? { healthEmptyDays: options.healthEmptyDays } : {}),
  });
  open.push(google);
  const dir = tempDir('life-stats-faults-provider-');
  const plugin = which === 'health' ? healthPlugin : fitPlugin;
  const namespace = which === 'health' ? 'google-health' : 'google-fit';
  const config = makeConfig(
    dir,
    [{ plugin, metric: 'steps', config: { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl } }],
    { users: users.map((id): UserConfig => ({ id, timezone: 'UTC' })), backfillDays: 7 },
  );
  const { storage, secrets } = makeStores(dir);
  open.push(storage);
  await secrets.set(namespace, 'client_id', google.clientId);
  await secrets.set(namespace, 'client_secret', clientSecret);
  for (const [user, token] of refresh) await secrets.set(namespace, 'token', token, user);
  const log = captureLogger();
  const file = path.join(dir, 'db.sqlite');
  return {
    google,
    file,
    storage,
    secrets,
    refresh,
    async run(now, extra = {}) {
      const summary = await runPairs({
        config,
        storage,
        secrets,
        logger: log.logger,
        retry: FAST_RETRY,
        fetchTimeoutMs: 5000,
        now: at(now),
        ...extra,
      });
      c.see(summary, log.text());
      return summary;
    },
    cursor: (user = 'alice') => sqliteRun(file, user, 'steps')?.last_run_time ?? null,
    status: (user = 'alice') => sqliteRun(file, user, 'steps')?.last_status,
    watchTokens() {
      for (const token of google.accessTokens) c.watchSecret(token);
    },
  };
}

const only = (summary: RunSummary) => {
  expect(summary.runs).toHaveLength(1);
  return summary.runs[0] as NonNullable<RunSummary['runs'][0]>;
};

const serverError = (status: 500 | 503) =>
  status === 500
    ? googleApiError(500, 'INTERNAL', 'Internal error encountered.', { legacy: 'backendError' })
    : googleApiError(503, 'UNAVAILABLE', 'The service is currently unavailable.', { legacy: 'backendError' });

const rateLimited = (retryAfter: string) => ({
  ...googleApiError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Queries per minute'", {
    legacy: 'rateLimitExceeded',
  }),
  headers: { 'retry-after': retryAfter },
});

/** Milliseconds between consecutive requests to a route. */
function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

describe('provider faults (Google plugins, real engine, SQLite)', () => {
  faultCase(
    'provider',
    '429 with Retry-After: 1 — waits at least 1 s before retrying; out of retries → failed, cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      // Rate limited on both attempts of a run allowed one retry.
      r.google.inject('health', rateLimited('1'), 2);
      const first = only(await r.run(T0, { retry: { ...FAST_RETRY, retries: 1 } }));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/429/);
      const waited = gaps(r.google.requestTimes('health'));
      expect(waited).toHaveLength(1);
      expect(waited[0]).toBeGreaterThanOrEqual(990);
      expect(r.cursor()).toBeNull();
      expect(r.status()).toBe('failed');
      expect(sqliteRows(r.file)).toEqual([]);

      // Rate limited once more: the run waits Retry-After, retries, and completes.
      r.google.inject('health', rateLimited('1'), 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      const times = r.google.requestTimes('health');
      expect(times).toHaveLength(4);
      expect((times[3] as number) - (times[2] as number)).toBeGreaterThanOrEqual(990);
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase('provider', 'Retry-After as an HTTP date — no retry before that instant', async (c) => {
    const source = fullWeek();
    const r = await rig(c, { source });
    // An HTTP date has whole seconds: 2 s ahead means a wait of 1–2 s.
    const until = new Date(Date.now() + 2000).toUTCString();
    r.google.inject('health', rateLimited(until), 1);
    const summary = only(await r.run(T0));
    expect(summary.status).toBe('ok');
    const times = r.google.requestTimes('health');
    expect(times).toHaveLength(2);
    expect(times[1]).toBeGreaterThanOrEqual(Date.parse(until) - 10);
    c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
    expect(r.cursor()).toBe(T0);
    r.watchTokens();
  });

  faultCase('provider', 'a burst of 500/503 shorter than the retries is healed within the run', async (c) => {
    const source = fullWeek();
    const r = await rig(c, { source });
    r.google.inject('health', serverError(500), 1);
    r.google.inject('health', serverError(503), 1);
    r.google.inject('health', serverError(500), 1);
    const summary = only(await r.run(T0));
    expect(summary).toMatchObject({ status: 'ok', items: source.expected(['alice'], WINDOW).length });
    expect(r.google.requestsTo('health')).toHaveLength(4);
    c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
    expect(r.cursor()).toBe(T0);
    expect(r.status()).toBe('ok');
    r.watchTokens();
  });

  faultCase(
    'provider',
    'a burst of 503 longer than the retries → failed, cursor kept, nothing written; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      // 1 attempt + 3 retries, all 503, and one more waiting for the next run.
      r.google.inject('health', serverError(503), 5);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/503/);
      expect(r.google.requestsTo('health')).toHaveLength(4);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // The provider is still down for one more request: the next run retries past it.
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'connection reset (Fit) → retried, then failed with "could not reach"; cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { plugin: 'fit', source });
      r.google.inject('fit', { destroy: true }, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/could not reach 127\.0\.0\.1/);
      expect(r.google.requestsTo('fit')).toHaveLength(4);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // One reset left: healed by a retry within the next run.
      r.google.inject('fit', { destroy: true }, 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'a hang past the fetch timeout (Fit) → each attempt times out, failed; cursor kept; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { plugin: 'fit', source });
      // Load the Fitness module before timing attempts (a cold import is not the fault under test).
      await import('googleapis/build/src/apis/fitness/v1.js');
      r.google.inject('fit', { hang: true }, 4);
      const started = Date.now();
      const first = only(await r.run(T0, { fetchTimeoutMs: 400 }));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/did not finish within 400 ms/);
      expect(r.google.requestsTo('fit')).toHaveLength(4);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 400 - 50);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      const second = only(await r.run(T1, { fetchTimeoutMs: 400 }));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'malformed JSON (200 with a truncated body, Health) → failed with a clear error, nothing written; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { source });
      const truncated =
        '{"rollupDataPoints":[{"civilStartTime":{"date":{"year":2026,"month":11,"day":18}},"steps":{"countSum":"10';
      const malformed = { status: 200, headers: { 'content-type': 'application/json' }, body: truncated };
      // Every attempt of the run (1 + 3 retries) gets the truncated answer.
      r.google.inject('health', malformed, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/answered HTTP 200 with a body that is not JSON .*nothing was stored/);
      expect(first.error).toMatch(/google-health-steps/);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // One more truncated answer: retried within the run.
      r.google.inject('health', malformed, 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  faultCase(
    'provider',
    'malformed JSON (200 with a truncated body, Fit) → failed with a clear error, nothing written; next run heals',
    async (c) => {
      const source = fullWeek();
      const r = await rig(c, { plugin: 'fit', source });
      const malformed = {
        status: 200,
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        body: '{"bucket":[{"startTimeMillis":"17',
      };
      r.google.inject('fit', malformed, 4);
      const first = only(await r.run(T0));
      expect(first.status).toBe('failed');
      expect(first.error).toMatch(/answered HTTP 200 with a body that is not JSON .*nothing was stored/);
      expect(first.error).toMatch(/google-fit-steps/);
      expect(r.cursor()).toBeNull();
      expect(sqliteRows(r.file)).toEqual([]);

      // One more truncated answer: retried within the run.
      r.google.inject('fit', malformed, 1);
      const second = only(await r.run(T1));
      expect(second.status).toBe('ok');
      c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
      expect(r.cursor()).toBe(T1);
      r.watchTokens();
    },
  );

  for (const healthEmptyDays of ['no-value', 'omit'] as const) {
    faultCase(
      'provider',
      `missing days (Health answers ${healthEmptyDays === 'omit' ? 'without the days' : 'days without a value'}) → no row, never a 0; data arriving within settleDays is collected next run`,
      async (c) => {
        // The phone synced nothing for 11-20, 11-23 and 11-24 yet.
        const source = new Source({
          '2026-11-18': 4200,
          '2026-11-19': 3900,
          '2026-11-21': 0, // worn, no step: a true zero is kept
          '2026-11-22': 8800,
          '2026-11-25': 1500,
        });
        const r = await rig(c, { source, healthEmptyDays });
        const first = only(await r.run(T0));
        expect(first).toMatchObject({ status: 'ok', items: 5 });
        c.checkRows(source.expected(['alice'], WINDOW), sqliteRows(r.file));
        expect(sqliteRows(r.file).map((row) => row.date)).not.toContain('2026-11-23');
        expect(r.cursor()).toBe(T0);

        // The next day the phone syncs 11-23 and 11-24 late (within settleDays 3), 11-25 grows, and 11-26 starts.
        const late = { '2026-11-23': 6100, '2026-11-24': 7300, '2026-11-26': 900 };
        for (const [date, steps] of Object.entries(late)) source.days.set(date, steps);
        r.google.addSteps(source.samples(Object.keys(late)));
        r.google.addSteps([{ at: '2026-11-25T20:00:00Z', steps: 250 }]);
        source.days.set('2026-11-25', 1750);
        const next = '2026-11-26T12:00:00.000Z';
        const second = only(await r.run(next));
        // [cursor date − settleDays, today]
        expect(second).toMatchObject({ status: 'ok', window: { start: '2026-11-22', end: '2026-11-26' } });
        c.checkRows(source.expected(['alice'], eachDate('2026-11-18', '2026-11-26')), sqliteRows(r.file));
        expect(sqliteRows(r.file).map((row) => row.date)).not.toContain('2026-11-20');
        expect(r.cursor()).toBe(next);
        r.watchTokens();
      },
    );
  }

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
      open.push(google);
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
