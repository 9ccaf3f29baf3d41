/**
 * The connect-links rig: the connect function served as a function URL on loopback
 * (`function-url-server`), DynamoDB (dynalite) for its single-use record, the SSM fake for the
 * secrets, the fake Google (a *Web application* client whose only authorized redirect URI is the
 * function's `/callback`) and the kit's fake provider (Acme, a third-party plugin), and a project
 * whose config points at all of them. Users are played by cookie-keeping browsers; the operator by
 * the CLI. {@link useConnectRig} starts it for a test file.
 */
import { loadConfig } from '@life-stats/core';
import { type ConnectHandler, createConnectHandler } from '@life-stats/core/lambda';
import { type CapturedStdout, captureStdout } from '@life-stats/testing/capture-stdout';
import { type CliResult, runCli } from '@life-stats/testing/cli';
import type { BrowserResponse } from '@life-stats/testing/cookie-browser';
import { type CookieBrowser, createCookieBrowser } from '@life-stats/testing/cookie-browser';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { ACME_PLUGIN_MODULE, type FakeAcme, startFakeAcme } from '@life-stats/testing/fake-acme';
import { type FakeGoogle, startFakeGoogle } from '@life-stats/testing/fake-google';
import { type FunctionUrlServer, startFunctionUrlServer } from '@life-stats/testing/function-url-server';
import { ROOT } from '@life-stats/testing/sample-project';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

export const PREFIX = '/ls-connect';
/** Google's real consent page: the plugins always send the browser there; the browser's "DNS" maps it to the fake. */
export const GOOGLE_CONSENT_ORIGIN = 'https://accounts.google.com';
/** The Acme plugin's provider name, with characters a page must escape. */
export const ACME_PROVIDER = 'Acme <Labs> & "Co"';

export interface ConnectRig {
  dynamo: LocalDynamoDb;
  ssm: SsmFake;
  google: FakeGoogle;
  acme: FakeAcme;
  /** The connect function's URL (`connect.baseUrl`). */
  server: FunctionUrlServer;
  project: TempProject;
  tables: { metricsTable: string; runsTable: string };
  /** Milliseconds the connect function's clock runs ahead of the real one. */
  clockOffset: number;
  /** The handler the function URL calls (fresh per test: a cold container). */
  handler: ConnectHandler;
  /** The connect function's log lines (stdout), captured from the start of the test. */
  stdout: CapturedStdout;
  /** Every text the CLI printed during the test. */
  cliOutput: string[];
  /** Code exchanges each provider had answered before the test (the fakes live for the file). */
  exchangesBefore: { google: number; acme: number };
}

const saved = new Map<string, string | undefined>();
function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!saved.has(key)) saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** Start the servers for the file; before each case fresh tables, secrets, project and handler. */
export function useConnectRig(): ConnectRig {
  const rig = { clockOffset: 0, cliOutput: [] as string[] } as ConnectRig;
  beforeAll(async () => {
    rig.server = await startFunctionUrlServer((event, context) => rig.handler(event as never, context));
    [rig.dynamo, rig.ssm, rig.google, rig.acme] = await Promise.all([
      startLocalDynamoDb(),
      startSsmFake(),
      startFakeGoogle({
        redirectUris: [`${rig.server.url}callback`],
        steps: [
          { at: new Date(Date.now() - 86_400_000).toISOString(), steps: 4321 },
          { at: new Date().toISOString(), steps: 1234 },
        ],
      }),
      startFakeAcme({ grants: {} }),
    ]);
    // The SDK clients of the function and of the CLI read these, as in AWS.
    setEnv({
      AWS_ENDPOINT_URL_DYNAMODB: rig.dynamo.endpoint,
      AWS_ENDPOINT_URL_SSM: rig.ssm.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      POWERTOOLS_DEV: undefined,
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
  });

  afterAll(async () => {
    await Promise.all([
      rig.server?.close(),
      rig.dynamo?.stop(),
      rig.ssm?.stop(),
      rig.google?.close(),
      rig.acme?.close(),
    ]);
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  beforeEach(async () => {
    rig.tables = await rig.dynamo.createTables();
    rig.clockOffset = 0;
    rig.cliOutput = [];
    rig.exchangesBefore = { google: rig.google.requestsTo('token').length, acme: rig.acme.requestsTo('token').length };
    rig.ssm.parameters.clear();
    const secret = (name: string, value: string) =>
      rig.ssm.parameters.set(`${PREFIX}/${name}`, { value, type: 'SecureString', version: 1 });
    secret('google-health/client_id', rig.google.clientId);
    secret('google-health/client_secret', rig.google.clientSecret);
    secret('acme/client_id', rig.acme.clientId);
    secret('acme/client_secret', rig.acme.clientSecret);
    const google = { apiRootUrl: rig.google.apiRootUrl, tokenUrl: rig.google.tokenUrl };
    rig.project = createTempProject({
      'plugins/acme.mjs': ACME_PLUGIN_MODULE.replace("provider: 'Acme'", `provider: ${JSON.stringify(ACME_PROVIDER)}`),
      'life-stats.config.json': {
        timezone: 'UTC',
        backfillDays: 2,
        storage: { type: 'dynamodb', ...rig.tables },
        secrets: { type: 'ssm', prefix: PREFIX },
        // Alice is listed, so a run reports her `skipped` until she connects; others join by connecting.
        users: [{ id: 'alice' }],
        connect: { baseUrl: rig.server.url },
        plugins: [
          { use: 'google-health', metric: 'steps', config: { dataType: 'steps', ...google } },
          { use: 'google-health', metric: 'sleep_minutes', config: { dataType: 'sleep', ...google } },
          {
            use: './plugins/acme.mjs',
            config: { apiRootUrl: rig.acme.apiRootUrl, authUrl: rig.acme.authUrl, tokenUrl: rig.acme.tokenUrl },
          },
        ],
      },
    });
    const configPath = rig.project.path('life-stats.config.json');
    rig.handler = createConnectHandler({
      loadConfig: () => loadConfig({ configPath, cwd: ROOT, env: {} }),
      now: () => Date.now() + rig.clockOffset,
    });
    rig.stdout = captureStdout();
  });

  afterEach(() => {
    rig.stdout?.restore();
    rig.project?.remove();
  });

  return rig;
}

/** Run the CLI on the rig's config (its output kept for the "no secret printed" checks). */
export async function cli(rig: ConnectRig, argv: string[]): Promise<CliResult> {
  const result = await runCli([...argv, '--config', rig.project.path('life-stats.config.json')], {
    cwd: ROOT,
    env: { TZ: 'UTC' },
  });
  rig.cliOutput.push(result.stdout, result.stderr);
  return result;
}

/** A connect link for `user`, made by the operator with `connect-link --json`. */
export async function makeLink(rig: ConnectRig, plugin: string, user: string, extra: string[] = []): Promise<string> {
  const result = await cli(rig, ['connect-link', plugin, '--user', user, '--json', ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { url: string }).url;
}

/** A user's browser: Google's consent page is the fake's. */
export function browser(rig: ConnectRig, onRequest?: (url: URL) => void): CookieBrowser {
  return createCookieBrowser({
    hosts: { [GOOGLE_CONSENT_ORIGIN]: rig.google.url },
    ...(onRequest ? { onRequest } : {}),
  });
}

/** A user secret as stored in SSM, by the layout of DESIGN.md "Secrets". */
export function storedSecret(rig: ConnectRig, namespace: string, user: string, name = 'token'): string | undefined {
  return rig.ssm.parameters.get(`${PREFIX}/${namespace}/${user}/${name}`)?.value;
}

/** Names of every user secret in SSM (none of the shared ones). */
export function userSecrets(rig: ConnectRig): string[] {
  return [...rig.ssm.parameters.keys()].filter((name) => name.split('/').length > 4).sort();
}

/** Code exchanges (token requests) `provider` answered in this test. */
export function exchanges(rig: ConnectRig, provider: 'google' | 'acme'): number {
  return rig[provider].requestsTo('token').length - rig.exchangesBefore[provider];
}

/** The link token of a link. */
export const tokenOf = (link: string): string => new URL(link).searchParams.get('t') ?? '';

/** The headers every page of the connect function carries. */
export function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; /);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('script-src');
}

/** A refusal page: status, title, the content type and the security headers. */
export function expectPage(page: BrowserResponse, status: number, title: string): void {
  expect(page.status, page.body).toBe(status);
  expect(page.body).toContain(`<h1>${title}</h1>`);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expectSecurityHeaders(page.headers);
}

/** Nothing stored: no user secret in SSM, and no provider exchanged a code in this test. */
export function expectNothingStored(rig: ConnectRig): void {
  expect(userSecrets(rig)).toEqual([]);
  expect(exchanges(rig, 'google') + exchanges(rig, 'acme')).toBe(0);
}

/** The `state` of the consent a `/start` answer redirects to. */
export const stateOf = (start: BrowserResponse): string =>
  new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
