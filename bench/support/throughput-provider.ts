/**
 * A fake provider for the run benchmarks: a real HTTP server on loopback that really waits `delayMs`
 * before answering each request, and inline plugins that fetch from it (one request per fetch).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PluginDefinition } from '@life-stats/core';
import { definePlugin, eachDate } from '@life-stats/core';

export interface FakeProvider {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Requests answered since the last {@link FakeProvider.reset}. */
  readonly requests: number;
  /** Most requests being answered at once since the last reset. */
  readonly peakInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

/** A deterministic value per (user, metric, date): the provider's "truth". */
export function providerValue(user: string, metric: string, date: string): number {
  let hash = 2166136261;
  for (const ch of `${user}|${metric}|${date}`) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619);
  return (hash >>> 0) % 20_000;
}

/**
 * `GET /days?user=U&metric=M&start=YYYY-MM-DD&end=YYYY-MM-DD` → `{ days: [{ date, value }] }`,
 * one entry per date of the window, after `delayMs` (a timer, so the wait costs no CPU).
 */
export async function startFakeProvider(options: { delayMs: number }): Promise<FakeProvider> {
  let requests = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    const url = new URL(req.url ?? '/', 'http://provider.invalid');
    const user = url.searchParams.get('user') ?? '';
    const metric = url.searchParams.get('metric') ?? '';
    const start = url.searchParams.get('start') ?? '';
    const end = url.searchParams.get('end') ?? '';
    const answer = () => {
      inFlight--;
      requests++;
      if (url.pathname !== '/days' || !start || !end) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `no route for ${req.method} ${url.pathname}` }));
        return;
      }
      const days = eachDate(start, end).map((date) => ({ date, value: providerValue(user, metric, date) }));
      const body = JSON.stringify({ days });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    req.resume();
    req.on('end', () => {
      if (options.delayMs > 0) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    reset() {
      requests = 0;
      peakInFlight = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

interface ProviderConfig {
  baseUrl: string;
}

/**
 * A plugin (as a plugin author writes one) that fetches its window from the fake provider in one
 * request. `maxDaysPerFetch` 31: a first run (backfillDays ≤ 30) is a single chunk.
 */
export function providerPlugin(id: string, metric: string): PluginDefinition<ProviderConfig> {
  return definePlugin<ProviderConfig>({
    id,
    apiVersion: 1,
    metric: { type: metric },
    configSchema: {
      type: 'object',
      properties: { baseUrl: { type: 'string' } },
      required: ['baseUrl'],
      additionalProperties: false,
    },
    maxDaysPerFetch: 31,
    async fetch(ctx) {
      const url = new URL('/days', ctx.config.baseUrl);
      url.searchParams.set('user', ctx.user.id);
      url.searchParams.set('metric', ctx.metric);
      url.searchParams.set('start', ctx.window.start);
      url.searchParams.set('end', ctx.window.end);
      const response = await fetch(url, { signal: ctx.signal });
      if (!response.ok) throw new Error(`provider answered ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { days: { date: string; value: number }[] };
      return body.days;
    },
  });
}
