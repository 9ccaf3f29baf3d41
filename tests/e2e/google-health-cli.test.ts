import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { type FakeGoogle, startFakeGoogle } from '@life-stats/testing/fake-google';
import { ROOT } from '@life-stats/testing/sample-project';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectThroughCli } from './support/oauth-cli.js';

/**
 * A Fit user moving to `google-health` through the CLI against the fake Google: `validate` warns
 * about the Fit entry with the exact change (exit 0), one `auth google-health` asks for every data
 * type's scope and stores one refresh token, and `run` collects every Health entry with it.
 */
let google: FakeGoogle;
let dir: string;

beforeEach(async () => {
  dir = tempDir('life-stats-google-health-cli-');
  google = await startFakeGoogle({
    steps: [{ at: '2026-11-20T12:00:00Z', steps: 4321 }],
    health: {
      records: [{ type: 'weight', at: '2026-11-21T07:00:00Z', value: 70_500 }],
      sleeps: [{ start: '2026-11-21T23:00:00Z', end: '2026-11-22T06:30:00Z', minutesAsleep: 420 }],
    },
  });
});
afterEach(() => google.close());

function writeConfig() {
  const file = path.join(dir, 'life-stats.config.json');
  const endpoints = { apiRootUrl: google.apiRootUrl, tokenUrl: google.tokenUrl };
  writeFileSync(
    file,
    JSON.stringify({
      storage: { type: 'sqlite', path: 'ls.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'alice', timezone: 'UTC' }],
      plugins: [
        { use: 'google-health', config: { dataType: 'steps', ...endpoints } },
        { use: 'google-fit-steps', metric: 'fit_steps', config: endpoints },
        { use: 'google-health', config: { dataType: 'weight', ...endpoints } },
        { use: 'google-health', config: { dataType: 'sleep', ...endpoints } },
      ],
    }),
  );
  return file;
}

const cli = (argv: string[], config: string, extra: Partial<Parameters<typeof runCli>[1]> = {}) =>
  runCli([...argv, '--config', config], { cwd: ROOT, env: { TZ: 'UTC' }, ...extra });

describe('google-health through the CLI', () => {
  it('warns about Fit, asks one consent for every data type, and collects every entry with it', async () => {
    const config = writeConfig();

    const validate = await cli(['validate'], config);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain(
      'warning: plugins[1] (google-fit-steps): Google Fit\'s REST API ends on 2026-12-31. Change the entry to { "use": "google-health", "config": { "dataType": "steps" } }',
    );
    expect(validate.stderr.match(/^warning: /gm)).toHaveLength(1);

    const { consent, auth } = await connectThroughCli(
      cli,
      {
        clientId: google.clientId,
        clientSecret: google.clientSecret,
        consentPrefix: 'https://accounts.google.com/',
        approve: (url) => fetch(`${google.authUrl}${url.search}`).then((r) => r.text()),
      },
      { config, pluginId: 'google-health', user: 'alice' },
    );
    expect(auth.code).toBe(0);
    // The union of what the namespace's enabled entries need (steps, weight, sleep): no nutrition.
    expect(consent?.searchParams.get('scope')?.split(' ').sort()).toEqual([
      'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
      'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly',
      'https://www.googleapis.com/auth/googlehealth.sleep.readonly',
    ]);

    const run = await cli(
      ['backfill', '--from', '2026-11-18', '--to', '2026-11-25', '--user', 'alice', '--json', '--metric', 'steps'],
      config,
    );
    expect(run.code).toBe(0);
    for (const metric of ['weight_kg', 'sleep_minutes']) {
      const res = await cli(['backfill', '--from', '2026-11-18', '--to', '2026-11-25', '--metric', metric], config);
      expect(res.code).toBe(0);
    }
    const query = JSON.parse((await cli(['query', '--format', 'json'], config)).stdout) as {
      metric_type: string;
      date: string;
      value: number;
      source: string;
    }[];
    expect(query.map((r) => [r.metric_type, r.date, r.value, r.source]).sort()).toEqual([
      ['sleep_minutes', '2026-11-22', 420, 'google-health'],
      ['steps', '2026-11-20', 4321, 'google-health'],
      ['weight_kg', '2026-11-21', 70.5, 'google-health'],
    ]);
    const secrets = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
    expect(Object.keys(secrets['google-health'].users)).toEqual(['alice']);
  });
});
