import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { DateWindow, NormalizedPlugin, Observation, PluginDefinition, PluginUser } from '../plugins/types.js';
import { validateManifest } from '../plugins/validate-manifest.js';
import { validateObservations } from '../run/validate-output.js';
import { call, expectRejected, expectResolved, leakedSecrets, settleWithin, waitFor } from './plugin-outcome.js';
import { createTestContext, DEFAULT_TEST_WINDOW, type TestContext } from './test-context.js';

/** The parts of a fake provider the kit uses; `startFakeServer()`'s result has them all. */
export interface PluginTestServer {
  url: string;
  close(): unknown;
  /** With `hold`, `release` and `requests`, the kit aborts a fetch while a request is in flight. */
  hold?(): void;
  release?(): void;
  requests?: readonly unknown[];
}

export interface DescribePluginOptions<Config = Record<string, unknown>> {
  /**
   * The example config the plugin is tested with, before defaults. A function gets the fake
   * server's url (e.g. `(url) => ({ apiRootUrl: `${url}/` })`) and needs `server`.
   * @default the plugin's `exampleConfig`, else `{}`
   */
  config?: Config | ((serverUrl: string) => Config | Promise<Config>);
  /** Starts the author's fake provider before the cases; it is closed after them. */
  server?: () => PluginTestServer | Promise<PluginTestServer>;
  /** Secret values the fake provider accepts, by name. */
  secrets?: Record<string, string>;
  /** @default `{ id: 'test-user', timezone: 'UTC' }` */
  user?: Partial<PluginUser>;
  /** The sample window fetched. @default `{ start: '2026-11-18', end: '2026-11-25' }` */
  window?: DateWindow;
  /**
   * Accept an empty result for the sample window. Off by default: a fetch that always returns
   * `[]` would otherwise pass every case.
   * @default false
   */
  allowEmpty?: boolean;
  /** How soon a fetch must reject once its signal aborts. @default 2000 */
  abortTimeoutMs?: number;
  /** How long one fetch or check may take. @default 10000 */
  fetchTimeoutMs?: number;
}

/**
 * The cases of {@link describePlugin} as plain async functions that throw a descriptive `Error`
 * on failure, for use outside vitest (e.g. `node:test`). Call `setup()` first and `teardown()` last.
 */
export interface PluginChecks {
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** The manifest passes core's `validateManifest` (apiVersion 1). */
  manifest(): void;
  /** The configSchema compiles and accepts the example config. */
  configSchema(): void;
  /** `fetch` for the sample window resolves to valid observations; returns them. */
  fetch(): Promise<Observation[]>;
  /** `fetch` rejects promptly when `ctx.signal` is already aborted. */
  abortBefore(): Promise<void>;
  /** `fetch` rejects promptly when `ctx.signal` aborts while it runs (mid-request with a server). */
  abortDuring(): Promise<void>;
  /** `fetch` and `check` read no undeclared secret and log no secret value. */
  secrets(): Promise<void>;
  /** `check()` resolves; a no-op when the plugin has none. */
  check(): Promise<void>;
}

function pluginName(plugin: unknown): string {
  const id = (plugin as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '(no id)';
}

/** The checks behind {@link describePlugin}, bound to one plugin and its options. */
export function createPluginChecks<Config = Record<string, unknown>>(
  plugin: PluginDefinition<Config>,
  options: DescribePluginOptions<Config> = {},
): PluginChecks {
  const window = options.window ?? DEFAULT_TEST_WINDOW;
  const abortMs = options.abortTimeoutMs ?? 2000;
  const fetchMs = options.fetchTimeoutMs ?? 10_000;
  const secrets = options.secrets ?? {};
  const name = pluginName(plugin);
  const schema = (plugin.configSchema ?? { type: 'object' }) as object;

  let server: PluginTestServer | undefined;
  let rawConfig = (plugin.exampleConfig ?? {}) as Config;
  let config = rawConfig;

  const manifest = (): NormalizedPlugin<Config> =>
    validateManifest(plugin, name) as unknown as NormalizedPlugin<Config>;
  // The cases share one secret store, as the pairs of a run do: a refresh token that the provider
  // rotates in one case (Oura, Strava, Withings retire the old one) is the one the next case reads.
  const stored: Record<string, string> = { ...secrets };
  const context = (signal?: AbortSignal): TestContext<Config> => {
    const made = createTestContext<Config>({
      plugin: manifest(),
      config: structuredClone(config),
      secrets: { ...stored },
      window,
      ...(options.user ? { user: options.user } : {}),
      ...(signal ? { signal } : {}),
    });
    // ctx.oauth writes through this same object, so its rotations are kept too.
    const set = made.ctx.secrets.set.bind(made.ctx.secrets);
    made.ctx.secrets.set = async (name, value) => {
      await set(name, value);
      stored[name] = value;
    };
    return made;
  };

  return {
    async setup() {
      if (options.server) server = await options.server();
      if (typeof options.config === 'function') {
        if (!server)
          throw new Error('describePlugin: `config` is a function of the server url, but no `server` was given');
        rawConfig = await (options.config as (url: string) => Config | Promise<Config>)(server.url);
      } else if (options.config !== undefined) {
        rawConfig = options.config;
      }
      config = rawConfig;
      // Apply the schema's defaults as core does, so fetch sees what it will see in a real run.
      try {
        const defaulted = structuredClone(rawConfig);
        if (new Ajv({ strict: false, useDefaults: true }).compile(schema)(defaulted)) config = defaulted;
      } catch {
        // configSchema() reports this; the other checks still run on the raw config.
      }
    },

    async teardown() {
      await server?.close();
    },

    manifest() {
      manifest();
    },

    configSchema() {
      const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
      const validate = ajv.compile(schema);
      if (!validate(structuredClone(rawConfig))) {
        throw new Error(
          `the example config does not match configSchema: ${ajv.errorsText(validate.errors, { dataVar: 'config' })}`,
        );
      }
    },

    async fetch() {
      const { ctx } = context();
      const result = expectResolved(
        await settleWithin(
          call(() => plugin.fetch(ctx)),
          fetchMs,
        ),
        'fetch',
        fetchMs,
      );
      const observations = validateObservations(name, result, window);
      if (!options.allowEmpty && observations.length === 0) {
        throw new Error(
          `fetch returned no observation for ${window.start}..${window.end}: give the example data some in that window (or set allowEmpty)`,
        );
      }
      return observations;
    },

    async abortBefore() {
      const controller = new AbortController();
      controller.abort(new Error('aborted by the plugin kit'));
      const { ctx } = context(controller.signal);
      expectRejected(
        await settleWithin(
          call(() => plugin.fetch(ctx)),
          abortMs,
        ),
        'ctx.signal was already aborted',
        abortMs,
      );
    },

    async abortDuring() {
      const controller = new AbortController();
      const { ctx } = context(controller.signal);
      const holding = server?.hold && server.release && server.requests ? server : undefined;
      const before = holding?.requests?.length ?? 0;
      holding?.hold?.();
      try {
        let settled = false;
        const running = call(() => plugin.fetch(ctx));
        const done = () => {
          settled = true;
        };
        running.then(done, done);
        // With a holding server, abort once a request is in flight; without one, abort as soon as
        // fetch has started, which is while its first I/O is pending.
        if (holding) {
          await waitFor(() => settled || (holding.requests?.length ?? 0) > before, fetchMs);
          if (settled) throw new Error('fetch settled without sending a request to the fake server');
        }
        controller.abort(new Error('aborted by the plugin kit'));
        expectRejected(await settleWithin(running, abortMs), 'ctx.signal aborted mid-request', abortMs);
      } finally {
        holding?.release?.();
      }
    },

    async secrets() {
      const fetched = context();
      await settleWithin(
        call(() => plugin.fetch(fetched.ctx)),
        fetchMs,
      );
      const checked = context();
      if (plugin.check)
        await settleWithin(
          call(() => plugin.check!(checked.ctx)),
          fetchMs,
        );
      const denied = [...new Set([...fetched.deniedSecrets, ...checked.deniedSecrets])];
      if (denied.length > 0) {
        throw new Error(`the plugin used secrets it does not declare in \`secrets\`: ${denied.join(', ')}`);
      }
      const written = [...fetched.secretWrites, ...checked.secretWrites].map((w) => [w.name, w.value]);
      const leaked = leakedSecrets([...fetched.logs, ...checked.logs], { ...secrets, ...Object.fromEntries(written) });
      if (leaked.length > 0) throw new Error(`the plugin logged the value of secret(s): ${leaked.join(', ')}`);
    },

    async check() {
      if (!plugin.check) return;
      const { ctx } = context();
      const { window: _window, ...checkCtx } = ctx;
      expectResolved(
        await settleWithin(
          call(() => plugin.check!(checkCtx)),
          fetchMs,
        ),
        'check()',
        fetchMs,
      );
    },
  };
}

/**
 * The conformance suite every plugin runs, in one line of a vitest file:
 *
 * ```ts
 * describePlugin(plugin, {
 *   server: () => startFakeProvider(),
 *   config: (url) => ({ apiRootUrl: `${url}/`, tokenUrl: `${url}/token` }),
 *   secrets: { token: 'refresh-token', client_id: 'id', client_secret: 'secret' },
 * });
 * ```
 *
 * Its cases: the manifest is valid; the configSchema compiles and accepts the example config;
 * `fetch` returns valid, non-empty observations for the sample window; `fetch` rejects within
 * `abortTimeoutMs` when `ctx.signal` is already aborted and when it aborts mid-request; `fetch` and
 * `check` read no undeclared secret and log no secret value; `check()`, if present, resolves.
 */
export function describePlugin<Config = Record<string, unknown>>(
  plugin: PluginDefinition<Config>,
  options: DescribePluginOptions<Config> = {},
): void {
  const checks = createPluginChecks(plugin, options);
  // Above the kit's own limits, so a failure shows the kit's message rather than vitest's timeout.
  const timeout = (options.fetchTimeoutMs ?? 10_000) * 2 + (options.abortTimeoutMs ?? 2000) + 5000;

  describe(`plugin ${pluginName(plugin)} (life-stats plugin kit)`, () => {
    beforeAll(() => checks.setup(), timeout);
    afterAll(() => checks.teardown(), timeout);

    it('has a valid apiVersion 1 manifest', () => checks.manifest());
    it('has a configSchema that compiles and accepts the example config', () => checks.configSchema());
    it(
      'fetch returns valid observations for the sample window',
      async () => {
        await checks.fetch();
      },
      timeout,
    );
    it('fetch rejects promptly when ctx.signal is already aborted', () => checks.abortBefore(), timeout);
    it('fetch rejects promptly when ctx.signal aborts mid-request', () => checks.abortDuring(), timeout);
    it('fetch and check read no undeclared secret and log no secret value', () => checks.secrets(), timeout);
    it.skipIf(typeof plugin?.check !== 'function')(
      'check() resolves against the fake provider',
      () => checks.check(),
      timeout,
    );
  });
}
