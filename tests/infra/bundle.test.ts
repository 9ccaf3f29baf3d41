/**
 * The Lambda bundle for the repository's config: small enough, and it really runs — imported by a
 * plain Node process from a folder with no node_modules, invoked with an EventBridge rule's input,
 * storing in DynamoDB (dynalite on loopback) with secrets in SSM (a fake), as deployed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { RunSummary } from '@life-stats/core';
import { loadConfig } from '@life-stats/core';
import { bundleHandler, type HandlerBundle } from '@life-stats/infra';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Issue 18's target for the root config's asset: 800 KB. */
const MAX_BYTES = 800 * 1000;

let outDir: string;
let bundle: HandlerBundle;
let dynamo: LocalDynamoDb;
let ssm: SsmFake;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'life-stats-bundle-'));
  const config = await loadConfig({ configPath: join(repoRoot, 'life-stats.config.json'), env: {} });
  [bundle, dynamo, ssm] = await Promise.all([bundleHandler({ config, outDir }), startLocalDynamoDb(), startSsmFake()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([dynamo?.stop(), ssm?.stop()]);
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Invoke the bundled handler in a fresh Node process, as the Lambda runtime would. */
async function invoke(event: unknown, env: Record<string, string>): Promise<{ summary: RunSummary; stdout: string }> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
    const summary = await handler(${JSON.stringify(event)}, {
      getRemainingTimeInMillis: () => 300000, awsRequestId: 'bundle-test', functionName: 'life-stats',
    });
    process.stderr.write('SUMMARY ' + JSON.stringify(summary) + '\\n');
  `;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: outDir,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const line = stderr.split('\n').find((l) => l.startsWith('SUMMARY '));
  if (!line) throw new Error(`no summary; stderr: ${stderr}`);
  return { summary: JSON.parse(line.slice('SUMMARY '.length)) as RunSummary, stdout };
}

describe('the Lambda bundle of the repository config', () => {
  it('is at most 800 KB minified', () => {
    console.info(
      `[life-stats] Lambda bundle for life-stats.config.json: ${bundle.bytes} bytes (${(bundle.bytes / 1024 / 1024).toFixed(2)} MB)`,
    );
    expect(bundle.bytes).toBeGreaterThan(0);
    expect(bundle.bytes).toBeLessThanOrEqual(MAX_BYTES);
  });

  it("holds one copy of every workspace module, from its source, also through a package's published bundle", () => {
    const inputs = Object.keys(bundle.inputs);
    // The plugin entry and the csv plugin are exported as bundles (dist/*.bundle.js): the asset
    // takes their sources instead, so core's error classes, dates and token cache are not twice in it.
    expect(inputs).toContain('core/src/errors.ts');
    expect(inputs).toContain('plugins/csv/src/index.ts');
    expect(inputs.filter((path) => /^(?:core|plugins\/[^/]+|infra)\/dist\//.test(path))).toEqual([]);
  });

  it('carries no config search, YAML parser or JSON Schema compiler: the config was settled at synth', () => {
    const packages = new Set(
      Object.keys(bundle.inputs).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []),
    );
    // The bundle's real dependencies are there, so an empty list cannot pass this by accident.
    expect(packages).toContain('@aws-sdk/client-dynamodb');
    expect(packages).toContain('csv-parse');
    for (const name of ['ajv', 'cosmiconfig', 'js-yaml', 'import-meta-resolve', 'fast-uri', 'commander']) {
      expect(packages, name).not.toContain(name);
    }
    // Nor core's own file loader and validators: `createHandler`'s `import()` of the loader, which
    // tree shaking drops, is a stand-in that throws (see infra's split-build.ts).
    const dropped = Object.keys(bundle.inputs).filter((path) => path.startsWith('life-stats-dropped:'));
    expect(dropped).toContain('life-stats-dropped:src/config/load-config.ts');
    const core = Object.keys(bundle.inputs).filter(
      (path) => path.includes('core/src/config/') && !dropped.includes(path),
    );
    expect(core.some((path) => path.endsWith('static-config.ts'))).toBe(true);
    for (const file of ['load-config.ts', 'validate-config.ts', 'plugin-config.ts', 'ajv-problems.ts']) {
      expect(core.filter((path) => path.endsWith(file))).toEqual([]);
    }
  });

  it("leaves out what the function never runs: a developer's credential providers, bowser, and OAuth with no OAuth plugin", () => {
    const packages = new Set(
      Object.keys(bundle.inputs).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []),
    );
    // The chain's first link (the role's credentials in the environment) and its last are there.
    expect(packages).toContain('@aws-sdk/credential-provider-env');
    expect(packages).toContain('@smithy/credential-provider-imds');
    for (const name of [
      '@aws-sdk/nested-clients',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-web-identity',
      'bowser',
      'oauth4webapi',
    ]) {
      expect(packages, name).not.toContain(name);
    }
  });

  it('starts with the run engine only: each AWS client is compiled on first use, from a chunk of its own', () => {
    const packagesOf = (inputs: Record<string, number>) =>
      new Set(Object.keys(inputs).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []));
    const atStart = packagesOf(bundle.startInputs);
    // What every answer needs is there: the logger and the EMF metrics.
    for (const name of ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics']) {
      expect(atStart, name).toContain(name);
    }
    // The csv plugin imports its parser on its first fetch (a rerun with nothing new parses anyway,
    // but an import of the plugin alone does not).
    expect(atStart, 'csv-parse').not.toContain('csv-parse');
    expect(packagesOf(bundle.inputs), 'csv-parse').toContain('csv-parse');
    // The SDK is not: the DynamoDB client comes when the store opens, the SSM client when a secret
    // is first read (the csv plugin has none), EventBridge when an event is published.
    for (const name of [
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-ssm',
      '@aws-sdk/client-eventbridge',
      '@smithy/core',
      '@smithy/node-http-handler',
    ]) {
      expect(atStart, name).not.toContain(name);
      expect(packagesOf(bundle.inputs), name).toContain(name);
    }
    console.info(
      `[life-stats] Lambda bundle: ${bundle.startBytes} bytes compiled at start of ${bundle.bytes} in the asset`,
    );
    expect(bundle.startBytes).toBeLessThan(bundle.bytes / 3);
  });

  it('imports exactly the enabled plugins statically', () => {
    const entry = readFileSync(bundle.entryFile, 'utf8');
    const imports = entry.match(/^import \* as plugin\d+ from .*$/gm) ?? [];
    // csv serves both enabled entries (weight and mood) and is imported once; google-fit-steps is disabled.
    expect(imports).toHaveLength(1);
    expect(imports[0]).toContain('plugins/csv/');
    expect(entry).not.toContain('google-fit-steps/src');
    expect(bundle.files.sort()).toEqual(['examples/data/mood.csv', 'examples/data/weight.csv']);
    expect(bundle.notShipped).toEqual([]);
  });

  it('runs an EventBridge input against DynamoDB and SSM and stores the rows', async () => {
    // The CSV file ships in the asset: cut its copy to two days to see that the function reads it there.
    const shipped = join(bundle.assetDir, 'files/examples/data/weight.csv');
    const lines = readFileSync(shipped, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    writeFileSync(shipped, `${lines.slice(0, 3).join('\n')}\n`);
    const tables = await dynamo.createTables();
    const { summary, stdout } = await invoke(
      { metric: 'weight' },
      {
        LIFE_STATS_STORAGE: 'dynamodb',
        LIFE_STATS_METRICS_TABLE: tables.metricsTable,
        LIFE_STATS_RUNS_TABLE: tables.runsTable,
        LIFE_STATS_SECRETS: 'ssm',
        LIFE_STATS_SSM_PREFIX: '/life-stats',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    );
    expect(summary.runs).toHaveLength(1);
    expect(summary.runs[0]).toMatchObject({ user: 'me', metric: 'weight', plugin: 'csv', status: 'ok' });
    const rows = await dynamo.scan(tables.metricsTable);
    expect(rows.map((row) => row.date?.S).sort()).toEqual(lines.slice(1, 3).map((line) => line.split(',')[0]));
    expect(rows.every((row) => row.metric_type?.S === 'weight' && row.source?.S === 'csv')).toBe(true);
    expect(await dynamo.scan(tables.runsTable)).toEqual([
      expect.objectContaining({ user_id: { S: 'me' }, metric_type: { S: 'weight' }, last_status: { S: 'ok' } }),
    ]);
    // Structured JSON logs and the EMF metrics the alarm watches, on stdout.
    expect(stdout).toContain('"FailedPairs"');
  }, 60_000);
});
