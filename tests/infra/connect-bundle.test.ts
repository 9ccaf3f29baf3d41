/**
 * The bundle of a config with `"connect"` exports the connect function beside the collector, and
 * that export really connects a user: served as a function URL on loopback, against the SSM fake,
 * dynalite and the kit's fake provider, opened by a browser with a link the CLI made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '@life-stats/core';
import { bundleHandler, type HandlerBundle } from '@life-stats/infra';
import { runCli } from '@life-stats/testing/cli';
import { createCookieBrowser } from '@life-stats/testing/cookie-browser';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { ACME_PLUGIN_MODULE, type FakeAcme, startFakeAcme } from '@life-stats/testing/fake-acme';
import {
  type FunctionUrlServer,
  type FunctionUrlTestHandler,
  startFunctionUrlServer,
} from '@life-stats/testing/function-url-server';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const PREFIX = '/ls-bundle';
const saved = { ...process.env };

let outDir: string;
let bundle: HandlerBundle;
let dynamo: LocalDynamoDb;
let ssm: SsmFake;
let acme: FakeAcme;
let server: FunctionUrlServer;
let project: TempProject;
let handler: FunctionUrlTestHandler = async () => ({ statusCode: 503, body: '' });

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'life-stats-connect-bundle-'));
  [dynamo, ssm, acme, server] = await Promise.all([
    startLocalDynamoDb(),
    startSsmFake(),
    startFakeAcme({ grants: {} }),
    startFunctionUrlServer((event, context) => handler(event, context)),
  ]);
  const tables = await dynamo.createTables();
  project = createTempProject({
    'plugins/acme.mjs': ACME_PLUGIN_MODULE,
    'life-stats.config.json': {
      timezone: 'UTC',
      storage: { type: 'dynamodb', ...tables },
      secrets: { type: 'ssm', prefix: PREFIX },
      connect: { baseUrl: server.url },
      plugins: [
        {
          use: './plugins/acme.mjs',
          config: { apiRootUrl: acme.apiRootUrl, authUrl: acme.authUrl, tokenUrl: acme.tokenUrl },
        },
      ],
    },
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  for (const [name, value] of [
    ['client_id', acme.clientId],
    ['client_secret', acme.clientSecret],
  ] as const) {
    ssm.parameters.set(`${PREFIX}/acme/${name}`, { value, type: 'SecureString', version: 1 });
  }
  const config = await loadConfig({ configPath: project.path('life-stats.config.json'), env: {} });
  bundle = await bundleHandler({ config, outDir });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await Promise.all([dynamo?.stop(), ssm?.stop(), acme?.close(), server?.close()]);
  project?.remove();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the bundle of a config with connect', () => {
  it('carries the connect function and no config file loader', () => {
    const inputs = Object.keys(bundle.inputs);
    expect(inputs.some((path) => path.endsWith('core/src/connect/callback.ts'))).toBe(true);
    for (const file of ['load-config.ts', 'validate-config.ts']) {
      expect(inputs.filter((path) => path.endsWith(`core/src/config/${file}`))).toEqual([]);
    }
  });

  it('connects a user through its `connect` export, served as a function URL', async () => {
    const module = (await import(/* @vite-ignore */ pathToFileURL(bundle.file).href)) as {
      connect: FunctionUrlTestHandler;
      handler: unknown;
    };
    expect(typeof module.handler).toBe('function');
    handler = module.connect;
    const made = await runCli(
      ['connect-link', 'acme', '--user', 'ann', '--json', '--config', project.path('life-stats.config.json')],
      {
        cwd: repoRoot,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const page = await createCookieBrowser().open(JSON.parse(made.stdout).url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connected Acme for ann');
    expect(acme.liveRefreshTokens()).toEqual([ssm.parameters.get(`${PREFIX}/acme/ann/token`)?.value]);
  }, 60_000);
});
