import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { type FakeWithings, startFakeWithings } from '@life-stats/testing/fake-withings';
import { ROOT } from '@life-stats/testing/sample-project';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectThroughCli } from './support/oauth-cli.js';

/**
 * A Withings user through the CLI against the fake Withings: `life-stats auth withings` asks one
 * consent for the scopes of every enabled entry (comma-separated, no PKCE), exchanges the code with
 * `action=requesttoken`, stores the refresh token; `backfill` collects weight and steps with it;
 * `check` proves the grant (a refresh, rotated and stored) and reads today.
 */
let w: FakeWithings;
let dir: string;

beforeEach(async () => {
  dir = tempDir('life-stats-withings-cli-');
  w = await startFakeWithings({
    users: {
      '4242': {
        refreshTokens: [],
        timezone: 'Europe/Paris',
        measures: [{ at: '2026-11-21T06:45:00Z', weight: 81.35 }],
        activities: [{ date: '2026-11-20', steps: 10_532 }],
      },
    },
  });
});
afterEach(() => w.close());

function writeConfig() {
  const file = path.join(dir, 'life-stats.config.json');
  const endpoints = { apiRootUrl: w.apiRootUrl, authUrl: w.authUrl };
  writeFileSync(
    file,
    JSON.stringify({
      storage: { type: 'sqlite', path: 'ls.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'alice', timezone: 'Europe/Paris' }],
      plugins: [
        { use: 'withings', config: { dataType: 'weight', ...endpoints } },
        { use: 'withings', config: { dataType: 'steps', ...endpoints } },
      ],
    }),
  );
  return file;
}

const cli = (argv: string[], config: string, extra: Partial<Parameters<typeof runCli>[1]> = {}) =>
  runCli([...argv, '--config', config], { cwd: ROOT, env: { TZ: 'UTC' }, ...extra });

describe('withings through the CLI', () => {
  it('one consent for every entry, then backfill and check with the token it stored', async () => {
    const config = writeConfig();
    const { consent, auth } = await connectThroughCli(
      cli,
      {
        clientId: w.clientId,
        clientSecret: w.clientSecret,
        consentPrefix: w.authUrl,
        approve: (url) => w.approve(url.href),
      },
      { config, pluginId: 'withings', user: 'alice' },
    );
    expect(auth.code).toBe(0);
    expect(consent?.searchParams.get('scope')).toMatch(/^(user\.metrics,user\.activity|user\.activity,user\.metrics)$/);
    expect(consent?.searchParams.has('code_challenge')).toBe(false);
    expect(consent?.searchParams.get('response_type')).toBe('code');
    const [exchange] = w.tokenRequests();
    expect(exchange?.form).toMatchObject({
      action: 'requesttoken',
      grant_type: 'authorization_code',
      client_id: w.clientId,
      client_secret: w.clientSecret,
      redirect_uri: consent?.searchParams.get('redirect_uri'),
    });
    const token = () => JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).withings.users.alice.token;
    const connected = token();
    expect(w.userOf(connected)).toBe('4242');

    const backfill = await cli(['backfill', '--from', '2026-11-18', '--to', '2026-11-25', '--json'], config);
    expect(backfill.code).toBe(0);
    const query = JSON.parse((await cli(['query', '--format', 'json'], config)).stdout) as {
      metric_type: string;
      date: string;
      value: number;
      source: string;
    }[];
    expect(query.map((r) => [r.metric_type, r.date, r.value, r.source]).sort()).toEqual([
      ['steps', '2026-11-20', 10_532, 'withings'],
      ['weight_kg', '2026-11-21', 81.35, 'withings'],
    ]);
    // The backfill rotated the token once (both entries share the grant) and stored the new one.
    const afterBackfill = token();
    expect(afterBackfill).not.toBe(connected);
    expect(w.liveRefreshTokens()).toEqual([afterBackfill]);

    const check = await cli(['check', '--metric', 'weight_kg'], config);
    expect(check.code).toBe(0);
    expect(token()).not.toBe(afterBackfill);
    expect(w.liveRefreshTokens()).toEqual([token()]);
    for (const out of [auth, backfill, check]) {
      for (const secret of [w.clientSecret, ...w.refreshTokens, ...w.accessTokens]) {
        expect(out.stdout + out.stderr).not.toContain(secret);
      }
    }
  });
});
