import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'life-stats-lazy-sdk-'));
const src = (file: string) => pathToFileURL(fileURLToPath(new URL(`../../src/${file}`, import.meta.url))).href;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A module resolve hook that reports every AWS SDK or Powertools package a process loads.
writeFileSync(
  join(dir, 'hooks.mjs'),
  `export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    if (/@aws-sdk\\/client-|@aws-lambda-powertools\\//.test(result.url)) process.stderr.write('LOADED ' + specifier + '\\n');
    return result;
  }\n`,
);
writeFileSync(
  join(dir, 'register.mjs'),
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
);

/** Run an ESM TypeScript snippet in a fresh Node process; returns the packages it loaded. */
function loadedBy(code: string, env: Record<string, string> = {}): { loaded: string[]; stdout: string } {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, code);
  const result = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--import', 'tsx', file], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  const loaded = [
    ...new Set(
      result.stderr
        .split('\n')
        .filter((l) => l.startsWith('LOADED '))
        .map((l) => l.slice(7)),
    ),
  ];
  return { loaded: loaded.sort(), stdout: result.stdout };
}

describe('AWS SDK and Powertools are loaded only where they are used', () => {
  it('the local path (core API, SQLite, file and env secrets, the events module) loads neither', () => {
    const { loaded, stdout } = loadedBy(`
      import '${src('index.ts')}';
      import '${src('run/publish-events.ts')}';
      import { openSecrets, openStorage } from '${src('run/open-stores.ts')}';
      const storage = await openStorage({ type: 'sqlite', path: ':memory:' });
      await storage.putMetrics([{ user_id: 'me', metric_type: 'steps', date: '2026-11-24', value: 1, timestamp: 't', source: 's' }]);
      await openSecrets({ type: 'env' });
      // Opening the AWS stores is free: nothing is loaded until they are used.
      await openStorage({ type: 'dynamodb', metricsTable: 'life-stats-metrics', runsTable: 'life-stats-runs' });
      await openSecrets({ type: 'ssm', prefix: '/life-stats' });
      console.log((await storage.queryMetrics()).length);
    `);
    expect(stdout.trim()).toBe('1');
    expect(loaded).toEqual([]);
  });

  it('a DynamoDB store loads only the DynamoDB client, on first use', () => {
    const { loaded } = loadedBy(
      `
      import { createDynamoDbStorage } from '${src('storage/dynamodb.ts')}';
      const storage = createDynamoDbStorage({ clientConfig: { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 } });
      await storage.getCursor('me', 'steps').catch(() => undefined);
    `,
      { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
    );
    expect(loaded).toEqual(['@aws-sdk/client-dynamodb']);
  });
});
