/**
 * The "remote" side of the throughput benchmark, in a process of its own (so its CPU is not charged
 * to the run being measured, as a real provider's and DynamoDB's are not): the fake provider and
 * dynalite behind the counting proxy. The parent drives it over IPC with {@link startRemoteServers}.
 *
 * Child entry point: `node --import tsx bench/support/throughput-servers.ts` with an IPC channel.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { ROOT } from '../lib/paths.js';
import { isMain } from '../lib/standalone.js';
import { startFakeProvider } from './throughput-provider.js';

/** What the parent can ask the remote servers. */
export interface RemoteServers {
  providerUrl: string;
  /** Endpoint, region and dummy credentials of the counting proxy in front of dynalite. */
  clientConfig: DynamoDBClientConfig;
  createTables(): Promise<{ metricsTable: string; runsTable: string }>;
  /** Zero the provider's and the proxy's counters. */
  reset(): Promise<void>;
  /** Provider requests answered and most in flight at once, and DynamoDB requests by operation, since the last reset. */
  stats(): Promise<{ providerRequests: number; peakInFlight: number; wire: Record<string, number> }>;
  /** Items in a table, read past the proxy (not counted). */
  countItems(table: string): Promise<number>;
  /** CPU time the remote process used since it started, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

type Request = { id: number; cmd: string; table?: string };
type Reply = { id: number; result?: unknown; error?: string };

/** Start the servers in a child process. */
export async function startRemoteServers(options: { delayMs: number }): Promise<RemoteServers> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [String(options.delayMs)], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let exited = false;
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`remote servers: ${message.error}`));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`remote servers exited with code ${code}`));
    pending.clear();
  });
  const call = <T>(cmd: string, extra: Partial<Request> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error('remote servers are not running'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd, ...extra } satisfies Request);
    });
  const ready = await call<{ providerUrl: string; clientConfig: DynamoDBClientConfig }>('ready');
  return {
    ...ready,
    createTables: () => call('createTables'),
    reset: () => call('reset'),
    stats: () => call('stats'),
    countItems: (table) => call('countItems', { table }),
    cpuMs: () => call('cpuMs'),
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call('stop').catch(() => undefined);
      await gone;
    },
  };
}

async function serve(delayMs: number): Promise<void> {
  const provider = await startFakeProvider({ delayMs });
  const local = await startLocalDynamoDb();
  const handlers: Record<string, (request: Request) => Promise<unknown> | unknown> = {
    ready: () => ({ providerUrl: provider.url, clientConfig: local.clientConfig }),
    createTables: () => local.createTables(),
    reset: () => {
      provider.reset();
      local.resetRequests();
    },
    stats: () => {
      const wire: Record<string, number> = {};
      for (const r of local.requests) wire[r.operation] = (wire[r.operation] ?? 0) + 1;
      return { providerRequests: provider.requests, peakInFlight: provider.peakInFlight, wire };
    },
    countItems: async (request) => (await local.scan(request.table ?? '')).length,
    cpuMs: () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1000;
    },
    stop: async () => {
      await local.stop();
      await provider.close();
      setImmediate(() => process.disconnect?.());
    },
  };
  process.on('message', (request: Request) => {
    void (async () => {
      const reply: Reply = { id: request.id };
      try {
        const handler = handlers[request.cmd];
        if (!handler) throw new Error(`unknown command ${request.cmd}`);
        reply.result = (await handler(request)) ?? null;
      } catch (error) {
        reply.error = (error as Error)?.stack ?? String(error);
      }
      process.send?.(reply);
    })();
  });
}

if (isMain(import.meta.url)) await serve(Number(process.argv[2] ?? 100));
