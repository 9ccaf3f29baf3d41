import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedConfig, runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { createTestConfig } from '@life-stats/core/testing';
import { type FakeGoogle, googleApiError, startFakeGoogle } from '@life-stats/testing/fake-google';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

/**
 * The plugin inside core's run engine, end to end: a real SQLite store, a real secrets file, and
 * the fake Google on loopback. Retries, the reconnect status and the token write-back are core's
 * and the plugin's behaviour together.
 */
const REFRESH = '1//fake-refresh-token';
const WINDOW = { start: '2026-10-29', end: '2026-11-04' };
let dir: string;
let google: FakeGoogle;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'life-stats-google-fit-'));
  google = await startFakeGoogle({
    steps: [
      { at: '2026-10-29T12:00:00-04:00', steps: 700 },
      { at: '2026-11-01T00:10:00-04:00', steps: 1000 },
      { at: '2026-11-01T23:30:00-05:00', steps: 4 },
      { at: '2026-11-02T00:30:00-05:00', steps: 5000 },
    ],
  });
});

afterEach(async () => {
  await google.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup() {
  const secretsPath = join(dir, 'secrets.json');
  const secrets = createFileSecrets({ path: secretsPath });
  await secrets.set('google-fit', 'client_id', google.clientId);
  await secrets.set('google-fit', 'client_secret', google.clientSecret);
  await secrets.set('google-fit', 'token', REFRESH, 'alice');
  const storage = createSqliteStorage({ path: join(dir, 'life-stats.db') });
  const config: LoadedConfig = createTestConfig(
    dir,
    [{ plugin, metric: 'steps', config: { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl } }],
    { users: [{ id: 'alice', timezone: 'America/New_York' }] },
  );
  return { config, storage, secrets, secretsPath };
}

describe('google-fit-steps in the run engine', () => {
  it('retries after a 429 (waiting Retry-After), stores local-day steps, and writes the rotated token to the secrets file', async () => {
    const { config, storage, secrets, secretsPath } = await setup();
    google.inject('fit', {
      ...googleApiError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'),
      headers: { 'retry-after': '1' },
    });
    google.rotateOnNextRefresh(REFRESH, '1//rotated-in-a-run');
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => lines.push(m),
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
      child: () => logger,
    };

    const started = Date.now();
    const summary = await runPairs({
      config,
      storage,
      secrets,
      logger,
      mode: 'backfill',
      window: WINDOW,
      retry: { minTimeoutMs: 10, maxTimeoutMs: 50 },
    });

    expect(summary.runs).toEqual([
      { user: 'alice', metric: 'steps', plugin: 'google-fit-steps', status: 'ok', window: WINDOW, items: 3 },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(google.requestsTo('fit')).toHaveLength(2);
    const rows = await storage.queryMetrics({ userId: 'alice', metricType: 'steps' });
    expect(rows.map((r) => [r.date, r.value, r.source])).toEqual([
      ['2026-10-29', 700, 'google-fit-steps'],
      ['2026-11-01', 1004, 'google-fit-steps'],
      ['2026-11-02', 5000, 'google-fit-steps'],
    ]);
    const file = JSON.parse(await readFile(secretsPath, 'utf8'));
    expect(file['google-fit'].users.alice.token).toBe('1//rotated-in-a-run');
    const text = `${JSON.stringify(summary)}\n${lines.join('\n')}`;
    for (const secret of [REFRESH, '1//rotated-in-a-run', google.clientSecret, ...google.accessTokens]) {
      expect(text).not.toContain(secret);
    }
    await storage.close();
  });

  it('ends the pair as `reconnect` on invalid_grant, without retrying', async () => {
    const { config, storage, secrets } = await setup();
    google.revoke(REFRESH);

    const summary = await runPairs({
      config,
      storage,
      secrets,
      mode: 'backfill',
      window: WINDOW,
      retry: { minTimeoutMs: 10 },
    });

    expect(summary.runs[0]?.status).toBe('reconnect');
    expect(summary.runs[0]?.error).toContain('life-stats auth google-fit-steps --user alice');
    expect(google.requestsTo('token')).toHaveLength(1);
    expect(await storage.queryMetrics({ userId: 'alice' })).toEqual([]);
    await storage.close();
  });
});
