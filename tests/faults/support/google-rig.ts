import path from 'node:path';
import type { RunOptions, RunSummary, SecretStore, Storage, UserConfig } from '@life-stats/core';
import { eachDate, runPairs } from '@life-stats/core';
import fitPlugin from '@life-stats/plugin-google-fit-steps';
import healthPlugin from '@life-stats/plugin-google-health-steps';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { type FakeGoogle, googleApiError, type StepSample, startFakeGoogle } from '@life-stats/testing/fake-google';
import { afterEach, expect } from 'vitest';
import type { CaseRecorder, ExpectedRow } from './case.js';
import { sqliteRun } from './rows.js';

export const T0 = '2026-11-25T12:00:00.000Z';
export const T1 = '2026-11-25T13:00:00.000Z';
/** The first run's window at T0 and T1 (backfillDays 7, UTC): no cursor yet, so the same window. */
export const WINDOW = eachDate('2026-11-18', '2026-11-25');

const open: { close(): Promise<void> }[] = [];

/** Close `thing` after the case (fakes, stores). */
export function closeAfterCase(thing: { close(): Promise<void> }): void {
  open.push(thing);
}

/** Close the fakes and stores a case opened, after each case. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close();
  });
}

export type Which = 'health' | 'fit';

/** The provider's data: steps per UTC day (a sample at noon), and the rows that must end up stored. */
export class Source {
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
export const fullWeek = () =>
  new Source(
    Object.fromEntries(
      WINDOW.filter((d) => d !== '2026-11-21').map((date, i) => [date, 1000 + i * 137 + (i % 2 ? 5 : 0)]),
    ),
  );

export interface Rig {
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

export async function rig(
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

export const only = (summary: RunSummary) => {
  expect(summary.runs).toHaveLength(1);
  return summary.runs[0] as NonNullable<RunSummary['runs'][0]>;
};

export const serverError = (status: 500 | 503) =>
  status === 500
    ? googleApiError(500, 'INTERNAL', 'Internal error encountered.', { legacy: 'backendError' })
    : googleApiError(503, 'UNAVAILABLE', 'The service is currently unavailable.', { legacy: 'backendError' });

export const rateLimited = (retryAfter: string) => ({
  ...googleApiError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Queries per minute'", {
    legacy: 'rateLimitExceeded',
  }),
  headers: { 'retry-after': retryAfter },
});

/** Milliseconds between consecutive requests to a route. */
export function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}
