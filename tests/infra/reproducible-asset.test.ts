/**
 * Issue 17 item 18: the same project synthesized in two folders gives the same Lambda asset — the
 * same bytes, so the same asset hash (no redeploy per machine) — and the asset carries no path of
 * the machine that built it. Each copy holds the repository's config, its sample data and the csv
 * plugin installed in the copy's own node_modules, so the config, the data and the plugin all sit
 * at different absolute paths in the two copies.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSynthOutputs, synthLifeStats } from './support/synth.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const noDeployEnv = { ...process.env, CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', LIFE_STATS_CONFIG: '' };
const copies: string[] = [];

/** A copy of the project in a fresh temp folder (every copy at the same depth). */
function copyProject(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'life-stats-repro-')), 'project');
  mkdirSync(dir);
  copies.push(dirname(dir));
  cpSync(join(repoRoot, 'life-stats.config.json'), join(dir, 'life-stats.config.json'));
  cpSync(join(repoRoot, 'examples/data'), join(dir, 'examples/data'), { recursive: true });
  const plugin = join(dir, 'node_modules/@life-stats/plugin-csv');
  for (const part of ['package.json', 'dist']) {
    cpSync(join(repoRoot, 'plugins/csv', part), join(plugin, part), { recursive: true });
  }
  // What the plugin imports comes from the repository's install (real paths, shared by both copies).
  for (const name of ['@life-stats/core', 'csv-parse']) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

interface Synthesized {
  dir: string;
  code: unknown;
  asset: string;
  assetFiles: string[];
  environments: Record<string, string>[];
}

async function synthCopy(): Promise<Synthesized> {
  const dir = copyProject();
  const built = await synthLifeStats({
    configPath: join(dir, 'life-stats.config.json'),
    cwd: dir,
    env: noDeployEnv,
  });
  const functions = Template.fromStack(built.stack).findResources('AWS::Lambda::Function');
  const collector = Object.values(functions).find((f) => JSON.stringify(f).includes('index.handler')) as {
    Properties: { Code: unknown };
  };
  return {
    dir,
    code: collector.Properties.Code,
    // The entry and every chunk (a `.mjs` each), by name: the whole code of the asset.
    asset: assetFiles(built.bundle.assetDir)
      .filter((file) => file.endsWith('.mjs'))
      .map((file) => `// ${file}\n${readFileSync(join(built.bundle.assetDir, file), 'utf8')}`)
      .join('\n'),
    assetFiles: assetFiles(built.bundle.assetDir),
    environments: Object.values(functions).map(
      (f) =>
        (f as { Properties: { Environment?: { Variables?: Record<string, string> } } }).Properties.Environment
          ?.Variables ?? {},
    ),
  };
}

function assetFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((file) => String(file).split('\\').join('/'))
    .sort();
}

let first: Synthesized;
let second: Synthesized;

beforeAll(async () => {
  first = await synthCopy();
  second = await synthCopy();
}, 120_000);

afterAll(() => {
  removeSynthOutputs();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('the Lambda asset of one project synthesized in two folders', () => {
  it('is byte for byte the same, so its asset hash is', () => {
    expect(first.dir).not.toBe(second.dir);
    expect(second.assetFiles).toEqual(first.assetFiles);
    expect(first.assetFiles.filter((file) => file.startsWith('chunks/')).length).toBeGreaterThan(3);
    expect(second.asset === first.asset, 'the two bundles differ').toBe(true);
    expect(second.code).toEqual(first.code);
    expect(JSON.stringify(first.code)).toMatch(/[0-9a-f]{64}\.zip/);
  });

  it("names no path of the machine that built it, only paths relative to the config's folder", () => {
    for (const { dir, asset } of [first, second]) {
      // Booleans: a failure should not print a megabyte of bundle.
      expect(asset.includes(dir), `the asset names ${dir}`).toBe(false);
      expect(asset.includes(repoRoot), `the asset names ${repoRoot}`).toBe(false);
    }
    expect(first.asset.includes('"life-stats.config.json"')).toBe(true);
    expect(first.asset.includes('"node_modules/@life-stats/plugin-csv/dist/index.bundle.js"')).toBe(true);
  });

  it('asks Node for source maps only when it ships one (issue 17 item 17)', () => {
    const shipsMap = first.assetFiles.some((file) => file.endsWith('.map'));
    expect(first.environments.length).toBeGreaterThan(0);
    for (const variables of first.environments) {
      expect(variables.LIFE_STATS_STORAGE).toBe('dynamodb');
      expect((variables.NODE_OPTIONS ?? '').includes('--enable-source-maps')).toBe(shipsMap);
    }
  });
});
