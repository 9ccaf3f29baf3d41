import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { PluginDefinition } from '../../src/plugins/types.js';
import { createPluginChecks, type DescribePluginOptions, describePlugin } from '../../src/testing/describe-plugin.js';
import { type FakeServer, startFakeServer } from '../../src/testing/fake-server.js';

type WaterConfig = { baseUrl: string; glassMl?: number };

const API_KEY = 'key-1234-secret';

/** A fake ACME API: glasses per day for a window, behind a bearer key. */
function startAcme(): Promise<FakeServer> {
  return startFakeServer({
    'GET /glasses': (req) =>
      req.headers.authorization === `Bearer ${API_KEY}`
        ? {
            json: {
              days: [
                { day: '2026-11-20', glasses: 4 },
                { day: '2026-11-24', glasses: 8 },
              ].filter((d) => d.day >= (req.query.from ?? '') && d.day <= (req.query.to ?? '')),
            },
          }
        : { status: 401, json: { error: 'bad key' } },
    'GET /me': (req) => (req.headers.authorization === `Bearer ${API_KEY}` ? { json: { ok: true } } : { status: 401 }),
  });
}

/** A well-behaved plugin, as a third-party author would write it. */
function water(overrides: Partial<PluginDefinition<WaterConfig>> = {}): PluginDefinition<WaterConfig> {
  return definePlugin<WaterConfig>({
    id: 'acme-water',
    apiVersion: 1,
    metric: { type: 'water_ml', unit: 'ml' },
    configSchema: {
      type: 'object',
      properties: { baseUrl: { type: 'string' }, glassMl: { type: 'integer', minimum: 1, default: 250 } },
      required: ['baseUrl'],
      additionalProperties: false,
    },
    secrets: { namespace: 'acme', user: ['api_key'] },
    async fetch(ctx) {
      const url = `${ctx.config.baseUrl}/glasses?from=${ctx.window.start}&to=${ctx.window.end}`;
      const res = await globalThis.fetch(url, {
        headers: { authorization: `Bearer ${ctx.secrets.get('api_key')}` },
        signal: ctx.signal,
      });
      if (!res.ok) throw new Error(`[plugin:acme-water] HTTP ${res.status}`);
      const body = (await res.json()) as { days: { day: string; glasses: number }[] };
      ctx.log.debug('fetched', { days: body.days.length });
      return body.days.map((d) => ({ date: d.day, value: d.glasses * (ctx.config.glassMl ?? 0) }));
    },
    async check(ctx) {
      const res = await globalThis.fetch(`${ctx.config.baseUrl}/me`, {
        headers: { authorization: `Bearer ${ctx.secrets.get('api_key')}` },
        signal: ctx.signal,
      });
      if (!res.ok) throw new Error(`[plugin:acme-water] check failed: HTTP ${res.status}`);
    },
    ...overrides,
  });
}

const goodOptions: DescribePluginOptions<WaterConfig> = {
  server: startAcme,
  config: (url) => ({ baseUrl: url }),
  secrets: { api_key: API_KEY },
};

// The kit on a good plugin: every case must pass.
describePlugin(water(), goodOptions);

describe('createPluginChecks', () => {
  /** Run one check of the kit against a plugin and its fake, returning what it threw. */
  async function failureOf(
    plugin: PluginDefinition<WaterConfig>,
    check: 'manifest' | 'configSchema' | 'fetch' | 'abortBefore' | 'abortDuring' | 'secrets' | 'check',
    options: DescribePluginOptions<WaterConfig> = goodOptions,
  ): Promise<Error | undefined> {
    const checks = createPluginChecks(plugin, { abortTimeoutMs: 300, fetchTimeoutMs: 2000, ...options });
    await checks.setup();
    try {
      await checks[check]();
      return undefined;
    } catch (error) {
      return error as Error;
    } finally {
      await checks.teardown();
    }
  }

  it('applies schema defaults to the example config before fetching', async () => {
    const checks = createPluginChecks(water(), goodOptions);
    await checks.setup();
    try {
      expect(await checks.fetch()).toEqual([
        { date: '2026-11-20', value: 1000 },
        { date: '2026-11-24', value: 2000 },
      ]);
    } finally {
      await checks.teardown();
    }
  });

  it('passes the good plugin on every check', async () => {
    for (const check of [
      'manifest',
      'configSchema',
      'fetch',
      'abortBefore',
      'abortDuring',
      'secrets',
      'check',
    ] as const) {
      expect(await failureOf(water(), check), check).toBeUndefined();
    }
  });

  it('fails an invalid manifest with core’s message', async () => {
    const error = await failureOf(water({ id: 'Acme' }), 'manifest');
    expect(error?.message).toContain('- id: must match /^[a-z][a-z0-9-]*$/');
  });

  it('fails an example config the schema refuses, naming the path', async () => {
    const error = await failureOf(water(), 'configSchema', {
      ...goodOptions,
      config: (url) => ({ baseUrl: url, glassMl: 0 }),
    });
    expect(error?.message).toBe('the example config does not match configSchema: config/glassMl must be >= 1');
  });

  it('fails a fetch whose output core would reject', async () => {
    const error = await failureOf(water({ fetch: async () => [{ date: '2026-11-20', value: Number.NaN }] }), 'fetch');
    expect(error?.message).toContain('[plugin:acme-water] fetch() returned a bad observation: item 0');
  });

  it('fails a fetch that returns nothing for the sample window, unless allowed', async () => {
    const empty = water({ fetch: async () => [] });
    expect((await failureOf(empty, 'fetch'))?.message).toContain(
      'fetch returned no observation for 2026-11-18..2026-11-25',
    );
    expect(await failureOf(empty, 'fetch', { ...goodOptions, allowEmpty: true })).toBeUndefined();
  });

  it('fails a fetch that ignores an aborted signal', async () => {
    const deaf = water({
      async fetch(ctx) {
        const res = await globalThis.fetch(`${ctx.config.baseUrl}/glasses?from=2026-11-18&to=2026-11-25`);
        await res.arrayBuffer();
        return [{ date: '2026-11-20', value: 1 }];
      },
    });
    expect((await failureOf(deaf, 'abortBefore'))?.message).toBe(
      'fetch resolved although ctx.signal was already aborted; pass ctx.signal to every request and let its abort reject',
    );
    expect((await failureOf(deaf, 'abortDuring'))?.message).toBe(
      'fetch was still running 300 ms after ctx.signal aborted mid-request; pass ctx.signal to every request',
    );
  });

  it('fails a fetch that reads an undeclared secret, even when it swallows the error', async () => {
    const nosy = water({
      async fetch(ctx) {
        try {
          ctx.secrets.get('client_secret');
        } catch {
          // a plugin hiding its mistake
        }
        return [{ date: '2026-11-20', value: 1 }];
      },
    });
    expect((await failureOf(nosy, 'secrets'))?.message).toBe(
      'the plugin used secrets it does not declare in `secrets`: client_secret',
    );
  });

  it('fails a plugin that logs a secret value', async () => {
    const chatty = water({
      async fetch(ctx) {
        ctx.log.info('using key', { key: ctx.secrets.get('api_key') });
        return [{ date: '2026-11-20', value: 1 }];
      },
    });
    expect((await failureOf(chatty, 'secrets'))?.message).toBe('the plugin logged the value of secret(s): api_key');
  });

  it('fails a check() that rejects against the fake', async () => {
    const error = await failureOf(water(), 'check', { ...goodOptions, secrets: { api_key: 'wrong-key' } });
    expect(error?.message).toBe('check() rejected: [plugin:acme-water] check failed: HTTP 401');
  });

  it('fails a config function without a server', async () => {
    await expect(createPluginChecks(water(), { config: (url) => ({ baseUrl: url }) }).setup()).rejects.toThrow(
      'no `server` was given',
    );
  });
});

describe('describePlugin with a plugin that has no server', () => {
  let calls = 0;
  beforeAll(() => {
    calls = 0;
  });
  afterAll(() => {
    // fetch ran for: observations, aborted before, aborted during, secrets.
    expect(calls).toBe(4);
  });
  describePlugin(
    definePlugin({
      id: 'constant',
      apiVersion: 1,
      metric: { type: 'constant' },
      async fetch(ctx) {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        ctx.signal.throwIfAborted();
        return [{ date: ctx.window.end, value: 1 }];
      },
    }),
  );
});
