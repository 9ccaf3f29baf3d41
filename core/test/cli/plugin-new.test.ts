import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '@life-stats/testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { pluginNames } from '../../src/scaffold/plugin-names.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

// Inside the repository, so the new package resolves @life-stats/core, vitest and typescript
// through the workspace's node_modules, as it would after `npm install` on its own.
mkdirSync(join(REPO, '.tmp'), { recursive: true });
const root = mkdtempSync(join(REPO, '.tmp', 'scaffold-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('plugin names', () => {
  it('prefixes a plain id and keeps a full plugin package name', () => {
    expect(pluginNames('acme-water')).toEqual({
      packageName: 'life-stats-plugin-acme-water',
      folder: 'life-stats-plugin-acme-water',
      id: 'acme-water',
      metricType: 'acme_water',
    });
    expect(pluginNames('life-stats-plugin-sleep')).toMatchObject({
      packageName: 'life-stats-plugin-sleep',
      id: 'sleep',
    });
    expect(pluginNames('@acme/life-stats-plugin-mood')).toMatchObject({
      packageName: '@acme/life-stats-plugin-mood',
      folder: 'life-stats-plugin-mood',
      id: 'mood',
    });
    expect(pluginNames('@life-stats/plugin-oura')).toMatchObject({ folder: 'plugin-oura', id: 'oura' });
    expect(() => pluginNames('Acme Water')).toThrow(/plugin id "Acme Water"/);
  });
});

describe('life-stats plugin new', () => {
  it('creates a package whose own tests and typecheck pass right away', async () => {
    const res = await runCli(['plugin', 'new', 'acme-water', '--dir', root], { cwd: REPO });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Created life-stats-plugin-acme-water');
    const dir = join(root, 'life-stats-plugin-acme-water');

    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'life-stats-plugin-acme-water',
      version: '0.1.0',
      type: 'module',
      keywords: expect.arrayContaining(['life-stats-plugin']),
      peerDependencies: { '@life-stats/core': '^0.1.0' },
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      files: ['dist'],
      scripts: { build: expect.any(String), test: 'vitest run' },
    });
    for (const file of ['src/index.ts', 'test/plugin.test.ts', 'tsconfig.json', 'README.md']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toMatch(/definePlugin[\s\S]*signal: ctx\.signal/);

    expect(
      existsSync(join(REPO, 'core/dist/testing/index.js')),
      'core/dist is missing: run `npm run build` first',
    ).toBe(true);
    const vitest = await run(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run'], {
      cwd: dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
    });
    expect(vitest.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(vitest.stdout).not.toMatch(/failed/);
    await run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], {
      cwd: dir,
    });
  }, 60_000);

  it('refuses a folder that exists and is not empty, and an invalid name', async () => {
    const first = await runCli(['plugin', 'new', 'life-stats-plugin-twice', '--dir', root], { cwd: REPO });
    expect(first.code).toBe(0);
    const again = await runCli(['plugin', 'new', 'twice', '--dir', root], { cwd: REPO });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists and is not empty/);
    const bad = await runCli(['plugin', 'new', 'Bad_Name', '--dir', root], { cwd: REPO });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not valid/);
  });
});
