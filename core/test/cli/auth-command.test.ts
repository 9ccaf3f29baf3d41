import { readFileSync } from 'node:fs';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { runCli } from '@life-stats/testing/cli';
import { ACME_PLUGIN_MODULE, type FakeAcme, startFakeAcme } from '@life-stats/testing/fake-acme';
import { useTempProjects } from '@life-stats/testing/temp-project';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `life-stats auth` for a third-party OAuth plugin (a file the config `use`s, declaring only its
 * `oauth` field), through the CLI against the kit's fake provider: the test plays the browser. Then
 * `check` and `run` use the stored grant, and a revoked one ends `reconnect` with the command.
 */
const project = useTempProjects();
let provider: FakeAcme | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

async function setup(entries: Record<string, unknown>[] = [{}]) {
  provider = await startFakeAcme({ grants: {}, rotate: true });
  const p = provider;
  const proj = project({
    'plugins/acme.mjs': ACME_PLUGIN_MODULE,
    'life-stats.config.json': {
      timezone: 'UTC',
      backfillDays: 2,
      storage: { type: 'sqlite', path: 'data.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'ann', timezone: 'UTC' }],
      plugins: entries.map((extra, i) => ({
        use: './plugins/acme.mjs',
        metric: `acme_${i}`,
        config: { apiRootUrl: p.apiRootUrl, authUrl: p.authUrl, tokenUrl: p.tokenUrl, ...extra },
      })),
    },
  });
  const config = proj.path('life-stats.config.json');
  const outputs: string[] = [];
  const cli = async (argv: string[], extra: Parameters<typeof runCli>[1] extends infer O ? Partial<O> : never = {}) => {
    const result = await runCli([...argv, '--config', config], { cwd: proj.dir, ...extra });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const stored = () => JSON.parse(readFileSync(proj.path('secrets.json'), 'utf8')).acme;
  return { p, proj, config, cli, outputs, stored };
}

/** `auth`, answering the consent page like a user who clicks "Allow". */
async function auth(t: Awaited<ReturnType<typeof setup>>, argv: string[] = []) {
  let consent: string | undefined;
  let browsed: Promise<unknown> | undefined;
  const result = await t.cli(['auth', 'acme', '--user', 'ann', '--no-open', ...argv], {
    onStderr: (chunk) => {
      const line = chunk.split('\n').find((l) => l.trim().startsWith(t.p.authUrl));
      if (!line || browsed) return;
      consent = line.trim();
      browsed = t.p.approve(consent);
    },
  });
  await browsed;
  return { ...result, consent: consent ? new URL(consent) : undefined };
}

async function storeClient(t: Awaited<ReturnType<typeof setup>>) {
  expect((await t.cli(['secrets', 'set', 'acme', 'client_id'], { stdin: t.p.clientId })).code).toBe(0);
  expect((await t.cli(['secrets', 'set', 'acme', 'client_secret'], { stdin: `${t.p.clientSecret}\n` })).code).toBe(0);
}

describe('life-stats auth for a plugin that declares oauth', () => {
  it('asks for the union of the namespace’s scopes, stores the refresh token, and run/check use it', async () => {
    const t = await setup([{ dataType: 'steps' }, { dataType: 'sleep' }]);
    const skipped = await t.cli(['run', '--json']);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout).runs.map((r: { status: string }) => r.status)).toEqual(['skipped', 'skipped']);

    const missing = await t.cli(['auth', 'acme', '--user', 'ann', '--no-open']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('the OAuth client of "acme" is not set');
    expect(missing.stderr).toContain('life-stats secrets set acme client_id');

    await storeClient(t);
    const authed = await auth(t);
    expect(authed.code, authed.stderr).toBe(0);
    expect(authed.consent?.searchParams.get('scope')).toBe('activity:read sleep:read');
    expect(authed.consent?.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    expect(authed.consent?.searchParams.get('code_challenge_method')).toBe('S256');
    const token = t.stored().users.ann.token as string;
    expect(t.p.liveRefreshTokens()).toEqual([token]);
    expect(authed.stderr).toContain(
      `Stored ann's acme/token in the file secret store (${t.proj.path('secrets.json')} at acme.users.ann.token)`,
    );

    const check = await t.cli(['check']);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/ann\s+acme_0\s+acme\s+ok/);

    const run = await t.cli(['run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).runs.map((r: { status: string; items: number }) => [r.status, r.items])).toEqual([
      ['ok', 3],
      ['ok', 3],
    ]);
    // Every refresh rotated the token; the file holds the live one.
    expect(t.p.liveRefreshTokens()).toEqual([t.stored().users.ann.token]);
    expectNoSecret(t.outputs.join('\n'), [token, t.p.clientSecret, ...t.p.accessTokens, ...t.p.refreshTokens]);
  });

  it('a revoked grant: run exits 1 with `reconnect` and the exact auth command; auth again heals it', async () => {
    const t = await setup();
    await storeClient(t);
    expect((await auth(t)).code).toBe(0);
    t.p.revoke(t.stored().users.ann.token);
    const run = await t.cli(['run', '--json']);
    expect(run.code).toBe(1);
    const [pair] = JSON.parse(run.stdout).runs;
    expect(pair.status).toBe('reconnect');
    expect(pair.error).toContain('`life-stats auth acme --user ann`');

    expect((await auth(t)).code).toBe(0);
    const healed = await t.cli(['run', '--json']);
    expect(healed.code, healed.stderr).toBe(0);
    expectNoSecret(t.outputs.join('\n'), [t.p.clientSecret, ...t.p.accessTokens, ...t.p.refreshTokens]);
  });

  it('a declined consent exits 1 and stores nothing; --port and --user are checked', async () => {
    const t = await setup();
    await storeClient(t);
    t.p.denyConsent();
    const declined = await auth(t);
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('the consent was not given (access_denied');
    expect(t.stored().users).toBeUndefined();

    expect((await t.cli(['auth', 'acme', '--user', 'ann', '--port', 'eighty'])).code).toBe(2);
    expect((await t.cli(['auth', 'acme', '--user', '../ann'])).code).toBe(2);
    const unknown = await t.cli(['auth', 'nope', '--user', 'ann']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no enabled plugin "nope" in the config (enabled: acme)');
  });
});
