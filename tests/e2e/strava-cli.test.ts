import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { type FakeStrava, startFakeStrava } from '@life-stats/testing/fake-strava';
import { ROOT } from '@life-stats/testing/sample-project';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectThroughCli } from './support/oauth-cli.js';

/**
 * A Strava athlete in Pacific/Auckland through the CLI against the fake Strava: `auth strava` asks
 * for `activity:read_all` (comma-separated scopes, `approval_prompt=force`) and stores the refresh
 * token, `check` proves it, `backfill` collects two entries on the athlete's local days, and when
 * the app's daily limit is spent `run` ends every pair `deferred` (exit 0) saying when it resets.
 */
let strava: FakeStrava;
let dir: string;

beforeEach(async () => {
  dir = tempDir('life-stats-strava-cli-');
  strava = await startFakeStrava({
    grants: {},
    athlete: {
      timezone: 'Pacific/Auckland',
      activities: [
        // 23:30 on 2026-11-20 in Auckland (10:30 UTC): the 20th.
        { start: '2026-11-20T10:30:00Z', sportType: 'Run', distance: 10_000, movingTime: 3000 },
        // 06:15 on the 21st in Auckland, the 20th in UTC: the 21st.
        { start: '2026-11-20T17:15:00Z', sportType: 'Ride', distance: 25_000, movingTime: 4500 },
      ],
    },
  });
});
afterEach(() => strava.close());

function writeConfig() {
  const file = path.join(dir, 'life-stats.config.json');
  const endpoints = { apiRootUrl: strava.apiRootUrl, authUrl: strava.authUrl, tokenUrl: strava.tokenUrl };
  writeFileSync(
    file,
    JSON.stringify({
      storage: { type: 'sqlite', path: 'ls.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'aroha', timezone: 'Pacific/Auckland' }],
      plugins: [
        { use: 'strava', config: { dataType: 'distance', ...endpoints } },
        { use: 'strava', config: { dataType: 'activities', ...endpoints } },
      ],
    }),
  );
  return file;
}

const cli = (argv: string[], config: string, extra: Partial<Parameters<typeof runCli>[1]> = {}) =>
  runCli([...argv, '--config', config], { cwd: ROOT, env: { TZ: 'UTC' }, ...extra });

describe('strava through the CLI', () => {
  it('connects, collects on the local days, and defers every pair when the daily limit is spent', async () => {
    const config = writeConfig();
    const printed: string[] = [];
    const keep = <T extends { stdout: string; stderr: string }>(r: T): T => {
      printed.push(r.stdout, r.stderr);
      return r;
    };
    const { consent, auth } = await connectThroughCli(
      cli,
      {
        clientId: strava.clientId,
        clientSecret: strava.clientSecret,
        consentPrefix: strava.authUrl,
        approve: (url) => strava.approve(url.href),
      },
      { config, pluginId: 'strava', user: 'aroha', keep },
    );
    expect(auth.code).toBe(0);
    expect(consent?.searchParams.get('scope')).toBe('activity:read_all');
    expect(consent?.searchParams.get('approval_prompt')).toBe('force');
    expect(consent?.searchParams.get('code_challenge')).toBeNull();
    expect(consent?.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    const secretsFile = path.join(dir, 'secrets.json');
    const stored = JSON.parse(readFileSync(secretsFile, 'utf8')).strava.users.aroha.token;
    expect(strava.liveRefreshTokens()).toEqual([stored]);

    expect(keep(await cli(['check', '--user', 'aroha'], config)).code).toBe(0);

    const backfill = keep(
      await cli(['backfill', '--from', '2026-11-18', '--to', '2026-11-25', '--user', 'aroha', '--json'], config),
    );
    expect(backfill.code).toBe(0);
    expect(JSON.parse(backfill.stdout).runs.map((r: { status: string }) => r.status)).toEqual(['ok', 'ok']);
    const query = keep(await cli(['query', '--format', 'json'], config));
    const rows = (JSON.parse(query.stdout) as { metric_type: string; date: string; value: number; source: string }[])
      .map((r) => [r.metric_type, r.date, r.value, r.source])
      .sort();
    expect(rows).toEqual([
      ['activities', '2026-11-20', 1, 'strava'],
      ['activities', '2026-11-21', 1, 'strava'],
      ['distance_m', '2026-11-20', 10_000, 'strava'],
      ['distance_m', '2026-11-21', 25_000, 'strava'],
    ]);

    // Another process of the app spent today's reads: the run defers, it does not fail.
    strava.setUsage({ readDaily: 1000 });
    const run = keep(await cli(['run', '--json'], config));
    expect(run.code).toBe(0);
    const runs = JSON.parse(run.stdout).runs as { status: string; error: string }[];
    expect(runs.map((r) => r.status)).toEqual(['deferred', 'deferred']);
    for (const r of runs) {
      expect(r.error).toMatch(/Strava's daily read limit is spent \(100[12] of 1000 requests today/);
      expect(r.error).toMatch(/it resets at midnight UTC \(\d{4}-\d\d-\d\dT00:00:00\.000Z, in /);
      expect(r.error).toContain('The cursor did not move');
    }
    const status = keep(await cli(['status', '--json'], config));
    expect(status.stdout).toContain('deferred');

    const latest = JSON.parse(readFileSync(secretsFile, 'utf8')).strava.users.aroha.token;
    expect(strava.liveRefreshTokens()).toEqual([latest]);
    expectNoSecret(printed.join('\n'), [strava.clientSecret, ...strava.accessTokens, ...strava.refreshTokens]);
  });
});
