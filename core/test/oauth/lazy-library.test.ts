import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `oauth4webapi` (and the file store's lock library) load only where they are used: a run without an
 * OAuth entry, the CLI included, never imports them. A fresh Node process reports every resolution.
 */
const dir = mkdtempSync(join(tmpdir(), 'life-stats-lazy-oauth-'));
const src = (file: string) => pathToFileURL(fileURLToPath(new URL(`../../src/${file}`, import.meta.url))).href;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'hooks.mjs'),
  `export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    if (/\\/node_modules\\/(oauth4webapi|proper-lockfile)\\//.test(result.url)) process.stderr.write('LOADED ' + specifier + '\\n');
    return result;
  }\n`,
);
writeFileSync(
  join(dir, 'register.mjs'),
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
);

function loadedBy(code: string): { loaded: string[]; stdout: string } {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, code);
  const result = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--import', 'tsx', file], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  const loaded = result.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice(7));
  return { loaded: [...new Set(loaded)].sort(), stdout: result.stdout.trim() };
}

const RUN = `
  import '${src('cli/main.ts')}';
  import { runPairs } from '${src('run/run-pairs.ts')}';
  import { createTestConfig } from '${src('testing/test-config.ts')}';
  import { startFakeOAuthProvider } from '${src('testing/fake-oauth-provider.ts')}';
  import { createSqliteStorage } from '${src('storage/sqlite.ts')}';
  import { createEnvSecrets } from '${src('secrets/env.ts')}';
  const provider = await startFakeOAuthProvider({ grants: { 'lazy-refresh-token': undefined } });
  const daily = { id: 'daily', apiVersion: 1, metric: { type: 'daily' }, fetch: async (ctx) => [{ date: ctx.window.end, value: 1 }] };
  const oauthPlugin = {
    id: 'acme', apiVersion: 1, metric: { type: 'acme' },
    oauth: { provider: 'Acme', authUrl: provider.authUrl, tokenUrl: provider.tokenUrl, scopes: [] },
    async fetch(ctx) { await ctx.oauth.accessToken(); return [{ date: ctx.window.end, value: 2 }]; },
  };
  const env = { LIFE_STATS_SECRET__ACME__CLIENT_ID: provider.clientId, LIFE_STATS_SECRET__ACME__CLIENT_SECRET: provider.clientSecret, LIFE_STATS_SECRET__ACME__ME__TOKEN: 'lazy-refresh-token' };
  const entries = process.argv.includes('oauth') ? [{ plugin: daily }, { plugin: oauthPlugin }] : [{ plugin: daily }];
  const summary = await runPairs({ config: createTestConfig('/tmp', entries), storage: createSqliteStorage({ path: ':memory:' }), secrets: createEnvSecrets({ env }) });
  console.log(summary.runs.map((r) => r.plugin + ':' + r.status).join(' '));
  await provider.close();
`;

describe('the OAuth library is loaded only when an OAuth entry runs', () => {
  it('a run of plugins without oauth (the CLI module loaded) imports neither oauth4webapi nor the lock library', () => {
    const { loaded, stdout } = loadedBy(RUN);
    expect(stdout).toBe('daily:ok');
    expect(loaded).toEqual([]);
  });

  it('a run with an OAuth entry imports oauth4webapi, on its first refresh', () => {
    const { loaded, stdout } = loadedBy(RUN.replace("process.argv.includes('oauth')", 'true'));
    expect(stdout).toBe('daily:ok acme:ok');
    expect(loaded).toEqual(['oauth4webapi']);
  });
});
