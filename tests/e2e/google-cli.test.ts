import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { type FakeGoogle, startFakeGoogle } from '@life-stats/testing/fake-google';
import { ROOT } from '@life-stats/testing/sample-project';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * A user's whole path with the Google plugins, through the CLI against the fake Google: store the
 * OAuth client, `auth` (the test plays the browser), `check`, `run`; then move from Fit to Health by
 * changing one config line and keep writing the same `steps` history.
 */
let google: FakeGoogle;
let dir: string;

beforeEach(async () => {
  dir = tempDir('life-stats-google-cli-');
  google = await startFakeGoogle({
    // The phone was in New York: the Health API dates samples by the zone they were recorded in.
    timeZone: 'America/New_York',
    steps: [
      { at: '2026-10-30T12:00:00-04:00', steps: 700 },
      // 2026-11-01 in New York is 25 hours long: both samples belong to it.
      { at: '2026-11-01T00:10:00-04:00', steps: 1000 },
      { at: '2026-11-01T23:30:00-05:00', steps: 4 },
      { at: '2026-11-02T00:30:00-05:00', steps: 5000 },
    ],
  });
});
afterEach(() => google.close());

function writeConfig(use: string) {
  const file = path.join(dir, 'life-stats.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      timezone: 'UTC',
      backfillDays: 7,
      storage: { type: 'sqlite', path: 'ls.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'alice', timezone: 'America/New_York' }],
      plugins: [{ use, metric: 'steps', config: { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl } }],
    }),
  );
  return file;
}

const cli = (
  argv: string[],
  config: string,
  extra: Parameters<typeof runCli>[1] extends infer O ? Partial<O> : never = {},
) => runCli([...argv, '--config', config], { cwd: ROOT, env: { TZ: 'UTC' }, ...extra });

/** Run `life-stats auth`, answering the consent page like a user who clicks "Allow". */
async function auth(pluginId: string, config: string) {
  let browsed: Promise<unknown> | undefined;
  const result = await cli(['auth', pluginId, '--user', 'alice', '--no-open'], config, {
    onStderr: (chunk) => {
      const printed = chunk.split('\n').find((l) => l.trim().startsWith('https://accounts.google.com/'));
      if (!printed || browsed) return;
      // The real consent page is Google's; the fake's serves the same query and redirects to the loopback.
      const url = new URL(printed.trim());
      browsed = fetch(`${google.authUrl}${url.search}`).then((r) => r.text());
    },
  });
  await browsed;
  return result;
}

async function storeClient(namespace: string, config: string) {
  expect((await cli(['secrets', 'set', namespace, 'client_id'], config, { stdin: `${google.clientId}\n` })).code).toBe(
    0,
  );
  expect(
    (await cli(['secrets', 'set', namespace, 'client_secret'], config, { stdin: `${google.clientSecret}\n` })).code,
  ).toBe(0);
}

describe('Google steps through the CLI', () => {
  it('auth, check, run on Fit; switch one line to Health; the same steps history continues', async () => {
    const fitConfig = writeConfig('google-fit-steps');

    const skipped = await cli(['run', '--json'], fitConfig);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout).runs).toEqual([
      expect.objectContaining({
        status: 'skipped',
        // The command, and where the token will be (never a value).
        hint: `run \`life-stats auth google-fit-steps --user alice\` (it stores the refresh token as ${path.join(dir, 'secrets.json')} at google-fit.users.alice.token)`,
      }),
    ]);

    await storeClient('google-fit', fitConfig);
    const noUser = await cli(['auth', 'google-fit-steps'], fitConfig);
    expect(noUser.code).toBe(2);

    const authed = await auth('google-fit-steps', fitConfig);
    expect(authed.stderr).toContain('Stored alice');
    expect(authed.code).toBe(0);
    const secrets = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
    expect(secrets['google-fit'].users.alice.token).toMatch(/\S/);
    expect(authed.stderr).not.toContain(secrets['google-fit'].users.alice.token);

    const check = await cli(['check'], fitConfig);
    expect(check.stdout).toMatch(/alice\s+steps\s+google-fit-steps\s+ok/);
    expect(check.code).toBe(0);

    const run = await cli(['backfill', '--from', '2026-10-29', '--to', '2026-11-04', '--json'], fitConfig);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).runs[0]).toMatchObject({ plugin: 'google-fit-steps', status: 'ok', items: 3 });
    const fitRows = JSON.parse((await cli(['query', '--format', 'json'], fitConfig)).stdout);
    expect(fitRows.map((r: { date: string; value: number; source: string }) => [r.date, r.value, r.source])).toEqual([
      ['2026-10-30', 700, 'google-fit-steps'],
      ['2026-11-01', 1004, 'google-fit-steps'],
      ['2026-11-02', 5000, 'google-fit-steps'],
    ]);

    // Moving to the Health API: one config line, and a grant for its scope.
    const healthConfig = writeConfig('google-health-steps');
    await storeClient('google-health', healthConfig);
    expect((await auth('google-health-steps', healthConfig)).code).toBe(0);
    const again = await cli(['backfill', '--from', '2026-10-29', '--to', '2026-11-04', '--json'], healthConfig);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).runs[0]).toMatchObject({
      plugin: 'google-health-steps',
      metric: 'steps',
      status: 'ok',
    });
    const rows = JSON.parse((await cli(['query', '--format', 'json', '--metric', 'steps'], healthConfig)).stdout);
    expect(rows.map((r: { date: string; value: number; source: string }) => [r.date, r.value, r.source])).toEqual([
      ['2026-10-30', 700, 'google-health-steps'],
      ['2026-11-01', 1004, 'google-health-steps'],
      ['2026-11-02', 5000, 'google-health-steps'],
    ]);
  });

  it('a revoked grant: run exits 1 with status reconnect and the auth command to run', async () => {
    const config = writeConfig('google-fit-steps');
    await storeClient('google-fit', config);
    expect((await auth('google-fit-steps', config)).code).toBe(0);
    const token = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'))['google-fit'].users.alice.token;
    google.revoke(token);
    const run = await cli(['run', '--json'], config);
    expect(run.code).toBe(1);
    const pair = JSON.parse(run.stdout).runs[0];
    expect(pair).toMatchObject({ status: 'reconnect' });
    expect(pair.error).toContain('life-stats auth google-fit-steps --user alice');
    expect(run.stdout + run.stderr).not.toContain(token);
  });
});
