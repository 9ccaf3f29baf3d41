import { readFileSync, statSync } from 'node:fs';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { runCli } from '@life-stats/testing/cli';
import { ACME_PLUGIN_MODULE } from '@life-stats/testing/fake-acme';
import { useTempProjects } from '@life-stats/testing/temp-project';
import { describe, expect, it } from 'vitest';
import { verifyLinkToken } from '../../src/connect/link-token.js';

/**
 * `life-stats connect-link`: the link it prints verifies under the signing key it created in the
 * secret store, says what it should, and its errors exit 2; `--rotate-key` makes every earlier link
 * fail. No key ever appears in the output, and the link only on stdout.
 */
const project = useTempProjects();
const BASE = 'https://abc123.lambda-url.eu-central-1.on.aws/';
const DAY = 86_400_000;

function setup(
  connect: Record<string, unknown> | undefined = { baseUrl: BASE },
  secrets: object = { type: 'file', path: 'secrets.json' },
) {
  const proj = project({
    'plugins/acme.mjs': ACME_PLUGIN_MODULE,
    'plugins/plain.mjs':
      "export default { id: 'plain', apiVersion: 1, metric: { type: 'plain', unit: 'count' }, secrets: { user: ['api_key'] }, async fetch() { return []; } };",
    'life-stats.config.json': {
      timezone: 'UTC',
      storage: { type: 'sqlite', path: 'data.db' },
      secrets,
      ...(connect ? { connect } : {}),
      plugins: [
        { use: './plugins/acme.mjs', config: { apiRootUrl: 'https://api.acme.example/' } },
        { use: './plugins/plain.mjs' },
      ],
    },
  });
  const config = proj.path('life-stats.config.json');
  const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli([...argv, '--config', config], { cwd: proj.dir, env });
  const key = (): string | undefined =>
    JSON.parse(readFileSync(proj.path('secrets.json'), 'utf8')).connect?.signing_key;
  return { proj, cli, key };
}

describe('life-stats connect-link', () => {
  it('prints the link on stdout and the rest on stderr, creating the signing key on first use', async () => {
    const t = setup();
    const before = Date.now();
    const result = await t.cli(['connect-link', 'acme', '--user', 'ann']);
    expect(result.code).toBe(0);
    const key = t.key() as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(t.proj.path('secrets.json')).mode & 0o777).toBe(0o600);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const url = new URL(lines[0] as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}start`);
    const verified = verifyLinkToken(key, url.searchParams.get('t') ?? '', Date.now());
    expect(verified.ok && verified.claims).toMatchObject({ plugin: 'acme', user: 'ann' });
    const expiresAt = verified.ok ? verified.claims.expiresAt : 0;
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor((before + 7 * DAY) / 1000) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    expect(result.stderr).toContain('Created the connect signing key');
    expect(result.stderr).toContain(`Redirect URI to register with Acme: ${BASE}callback`);
    expect(result.stderr).toContain('the OAuth client of "acme" is not set yet');
    expect(result.stderr).toContain('a deployed connect function reads SSM (run with LIFE_STATS_SECRETS=ssm');
    expectNoSecret(result.stderr, [key, url.searchParams.get('t') ?? undefined]);
    expectNoSecret(result.stdout, [key]);

    // A second link reuses the key, and is another link.
    const second = await t.cli(['connect-link', 'acme', '--user', 'ann']);
    expect(second.code).toBe(0);
    expect(t.key()).toBe(key);
    expect(second.stderr).not.toContain('Created the connect signing key');
    expect(second.stdout).not.toBe(result.stdout);
  });

  it('six first runs at once agree on one signing key: every link they print verifies under it', async () => {
    const t = setup();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => t.cli(['connect-link', 'acme', '--user', `user${i}`])),
    );
    const key = t.key() as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const [i, result] of results.entries()) {
      expect(result.code, result.stderr).toBe(0);
      const url = new URL(result.stdout.trim());
      const verified = verifyLinkToken(key, url.searchParams.get('t') ?? '', Date.now());
      expect(verified.ok && verified.claims.user, `link of user${i}`).toBe(`user${i}`);
    }
    // Exactly one of them created it.
    expect(results.filter((r) => r.stderr.includes('Created the connect signing key'))).toHaveLength(1);
  });

  it('prints { url, expiresAt, plugin, user, redirectUri } with --json, honouring --expires', async () => {
    const t = setup({ baseUrl: 'https://connect.example.org/life' });
    const result = await t.cli([
      'connect-link',
      'acme',
      '--user',
      'bob.smith+fit@example.org',
      '--expires',
      '36h',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed).sort()).toEqual(['expiresAt', 'plugin', 'redirectUri', 'url', 'user']);
    expect(printed).toMatchObject({
      plugin: 'acme',
      user: 'bob.smith+fit@example.org',
      redirectUri: 'https://connect.example.org/life/callback',
    });
    expect(printed.url).toMatch(/^https:\/\/connect\.example\.org\/life\/start\?t=v1\./);
    const claims = verifyLinkToken(t.key() as string, new URL(printed.url).searchParams.get('t') ?? '', Date.now());
    expect(claims.ok && new Date(claims.claims.expiresAt).toISOString()).toBe(printed.expiresAt);
    expect(Math.abs(Date.parse(printed.expiresAt) - (Date.now() + 36 * 3_600_000))).toBeLessThan(5000);
    expectNoSecret(result.stderr, [t.key(), new URL(printed.url).searchParams.get('t') ?? undefined]);
  });

  it('refuses bad usage with exit 2 and a message that says what to do, storing no key', async () => {
    const t = setup();
    const cases: [string[], string][] = [
      [['connect-link', 'acme', '--user', 'ann', '--expires', '31d'], 'longer than 30 days'],
      [['connect-link', 'acme', '--user', 'ann', '--expires', '1 week'], '--expires must be a duration'],
      [['connect-link', 'acme', '--user', 'ann', '--expires', '0d'], '--expires must be a duration'],
      [['connect-link', 'acme', '--user', '-ann'], 'is not a user id'],
      [['connect-link', 'acme', '--user', 'a'.repeat(129)], 'is not a user id'],
      [['connect-link', 'acme', '--user', 'ann/../x'], 'is not a user id'],
      [['connect-link', 'acme'], 'needs --user'],
      [['connect-link', '--user', 'ann'], 'needs a plugin id'],
      [['connect-link', 'nope', '--user', 'ann'], 'no enabled plugin "nope" in the config (enabled: acme, plain)'],
      [['connect-link', 'plain', '--user', 'ann'], 'does not use OAuth'],
      [['connect-link', 'acme', '--user', 'ann', '--rotate-key'], '--rotate-key takes no plugin'],
    ];
    for (const [argv, message] of cases) {
      const result = await t.cli(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toContain(message);
      expect(result.stdout).toBe('');
    }
    expect(() => t.key()).toThrow(); // no secrets file: nothing was stored
    const plain = await t.cli(['connect-link', 'plain', '--user', 'ann']);
    expect(plain.stderr).toContain('life-stats secrets set plain api_key --user ann');
  });

  it('needs connect.baseUrl, and says where it comes from', async () => {
    const t = setup({});
    const result = await t.cli(['connect-link', 'acme', '--user', 'ann']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no `connect.baseUrl`');
    expect(result.stderr).toContain('ConnectUrl');
  });

  it('refuses a user id the secret store cannot hold, and a read-only store', async () => {
    const ssm = setup({ baseUrl: BASE }, { type: 'ssm', prefix: '/ls' });
    const at = await ssm.cli(['connect-link', 'acme', '--user', 'ann@example.com']);
    expect(at.code).toBe(2);
    expect(at.stderr).toContain('the ssm secret store cannot hold a secret of user "ann@example.com"');
    const env = setup({ baseUrl: BASE }, { type: 'env' });
    const readOnly = await env.cli(['connect-link', 'acme', '--user', 'ann']);
    expect(readOnly.code).toBe(2);
    expect(readOnly.stdout).toBe('');
  });

  it('--rotate-key replaces the key: earlier links stop verifying, new ones verify', async () => {
    const t = setup();
    const first = await t.cli(['connect-link', 'acme', '--user', 'ann']);
    const oldKey = t.key() as string;
    const oldToken = new URL(first.stdout.trim()).searchParams.get('t') ?? '';
    const rotated = await t.cli(['connect-link', '--rotate-key']);
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('Rotated the connect signing key');
    expect(rotated.stderr).toContain('every link made before now');
    const newKey = t.key() as string;
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newKey).not.toBe(oldKey);
    expectNoSecret(rotated.stdout + rotated.stderr, [oldKey, newKey]);
    expect(verifyLinkToken(newKey, oldToken, Date.now())).toEqual({ ok: false, reason: 'bad-signature' });
    const next = await t.cli(['connect-link', 'acme', '--user', 'ann', '--json']);
    const token = new URL(JSON.parse(next.stdout).url).searchParams.get('t') ?? '';
    expect(verifyLinkToken(newKey, token, Date.now()).ok).toBe(true);
  });

  it('refuses a signing key set by hand that is too short', async () => {
    const t = setup();
    const set = await runCli(
      ['secrets', 'set', 'connect', 'signing_key', '--config', t.proj.path('life-stats.config.json')],
      {
        cwd: t.proj.dir,
        stdin: 'short-key\n',
      },
    );
    expect(set.code).toBe(0);
    const result = await t.cli(['connect-link', 'acme', '--user', 'ann']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('shorter than 32 characters');
    expect(result.stderr).toContain('life-stats connect-link --rotate-key');
    expect(result.stdout).toBe('');
  });
});
