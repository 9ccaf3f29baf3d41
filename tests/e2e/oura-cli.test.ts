import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { type FakeOura, startFakeOura } from '@life-stats/testing/fake-oura';
import { ROOT } from '@life-stats/testing/sample-project';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectThroughCli } from './support/oauth-cli.js';

/**
 * An Oura user in Pacific/Auckland through the CLI against the fake Oura: one `auth oura` asks for
 * `daily` once for three entries and stores one refresh token, `check` proves it, `backfill`
 * collects every entry on Oura's local days, and nothing printed holds a secret.
 */
let oura: FakeOura;
let dir: string;

beforeEach(async () => {
  dir = tempDir('life-stats-oura-cli-');
  oura = await startFakeOura({
    grants: {},
    data: {
      timeZone: 'Pacific/Auckland',
      // 09:30 on 2026-11-20 in Auckland: 20:30 on the 19th in UTC.
      activity: [{ at: '2026-11-19T20:30:00Z', steps: 7777, activeCalories: 321 }],
      // 23:30 on the 20th to 06:45 on the 21st in Auckland: it ends on the 20th in UTC.
      sleeps: [
        {
          bedtimeStart: '2026-11-20T10:30:00Z',
          bedtimeEnd: '2026-11-20T17:45:00Z',
          totalSleepSeconds: 24_300,
          lowestHeartRate: 51,
        },
      ],
      scores: [{ day: '2026-11-21', sleep: 83 }],
    },
  });
});
afterEach(() => oura.close());

function writeConfig() {
  const file = path.join(dir, 'life-stats.config.json');
  const endpoints = { apiRootUrl: oura.apiRootUrl, authUrl: oura.authUrl, tokenUrl: oura.tokenUrl };
  writeFileSync(
    file,
    JSON.stringify({
      storage: { type: 'sqlite', path: 'ls.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'aroha', timezone: 'Pacific/Auckland' }],
      plugins: [
        { use: 'oura', config: { dataType: 'steps', ...endpoints } },
        { use: 'oura', config: { dataType: 'sleep-score', ...endpoints } },
        { use: 'oura', config: { dataType: 'resting-heart-rate', ...endpoints } },
      ],
    }),
  );
  return file;
}

const cli = (argv: string[], config: string, extra: Partial<Parameters<typeof runCli>[1]> = {}) =>
  runCli([...argv, '--config', config], { cwd: ROOT, env: { TZ: 'UTC' }, ...extra });

describe('oura through the CLI', () => {
  it("connects with one consent for every entry and collects them on the user's own days", async () => {
    const config = writeConfig();
    const printed: string[] = [];
    const keep = <T extends { stdout: string; stderr: string }>(r: T): T => {
      printed.push(r.stdout, r.stderr);
      return r;
    };

    const { consent, auth } = await connectThroughCli(
      cli,
      {
        clientId: oura.clientId,
        clientSecret: oura.clientSecret,
        consentPrefix: oura.authUrl,
        approve: (url) => oura.approve(url.href),
      },
      { config, pluginId: 'oura', user: 'aroha', keep },
    );
    expect(auth.code).toBe(0);
    expect(consent?.searchParams.get('scope')).toBe('daily');
    expect(consent?.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    const stored = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).oura.users.aroha.token;
    expect(oura.liveRefreshTokens()).toEqual([stored]);

    expect(keep(await cli(['check', '--user', 'aroha'], config)).code).toBe(0);

    const backfill = keep(
      await cli(['backfill', '--from', '2026-11-18', '--to', '2026-11-25', '--user', 'aroha', '--json'], config),
    );
    expect(backfill.code).toBe(0);
    expect(JSON.parse(backfill.stdout).runs.map((r: { status: string }) => r.status)).toEqual(['ok', 'ok', 'ok']);
    const query = keep(await cli(['query', '--format', 'json'], config));
    const rows = (JSON.parse(query.stdout) as { metric_type: string; date: string; value: number; source: string }[])
      .map((r) => [r.metric_type, r.date, r.value, r.source])
      .sort();
    expect(rows).toEqual([
      ['resting_heart_rate_bpm', '2026-11-21', 51, 'oura'],
      ['sleep_score', '2026-11-21', 83, 'oura'],
      ['steps', '2026-11-20', 7777, 'oura'],
    ]);
    // Every refresh replaced the token, and the file kept up: the stored one is the live one.
    const latest = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).oura.users.aroha.token;
    expect(oura.liveRefreshTokens()).toEqual([latest]);
    expectNoSecret(printed.join('\n'), [oura.clientSecret, ...oura.accessTokens, ...oura.refreshTokens]);
  });
});
