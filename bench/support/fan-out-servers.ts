/**
 * The "remote" side of the fan-out benchmark, in a process of its own (so its CPU is not charged to
 * the planner and workers being measured, as AWS's and a provider's are not): the fake provider
 * (a real wait per request), the wire-level SQS fake and the SSM fake. Driven over IPC by
 * {@link startFanOutServers}.
 *
 * Child entry point: `node --import tsx bench/support/fan-out-servers.ts <delayMs>` with an IPC channel.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSqsFake } from '@life-stats/testing/sqs-fake';
import { startSsmFake } from '@life-stats/testing/ssm-fake';
import { ROOT } from '../lib/paths.js';
import { isMain } from '../lib/standalone.js';
import { startFakeProvider } from './throughput-provider.js';

export interface FanOutServers {
  providerUrl: string;
  sqsEndpoint: string;
  ssmEndpoint: string;
  /** Store a `token` user secret for `users` ids under `<prefix>/<namespace>/`. */
  seedUsers(prefix: string, namespace: string, users: string[]): Promise<void>;
  /** A fresh queue; its URL. */
  createQueue(name: string): Promise<string>;
  /** Messages a queue still holds, and every body it ever took. */
  queueState(name: string): Promise<{ left: number; sent: number; distinctSent: number }>;
  /** When (epoch ms) SQS last took a message, on any queue; 0 before the first. */
  lastSendAt(): Promise<number>;
  /** Answer every SSM request after `ms` (SSM's latency rather than loopback's); 0: at once. */
  setSsmLatency(ms: number): Promise<void>;
  reset(): Promise<void>;
  stats(): Promise<{
    providerRequests: number;
    peakInFlight: number;
    sqs: Record<string, number>;
    ssm: Record<string, number>;
  }>;
  /** CPU time the remote process used since it started, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

type Request = { id: number; cmd: string; args?: unknown[] };
type Reply = { id: number; result?: unknown; error?: string };

/** Start the servers in a child process. */
export async function startFanOutServers(options: { delayMs: number }): Promise<FanOutServers> {
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
    if (message.error !== undefined) waiter.reject(new Error(`fan-out servers: ${message.error}`));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`fan-out servers exited with code ${code}`));
    pending.clear();
  });
  const call = <T>(cmd: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error('fan-out servers are not running'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd, args } satisfies Request);
    });
  const ready = await call<{ providerUrl: string; sqsEndpoint: string; ssmEndpoint: string }>('ready');
  return {
    ...ready,
    seedUsers: (prefix, namespace, users) => call('seedUsers', prefix, namespace, users),
    createQueue: (name) => call('createQueue', name),
    queueState: (name) => call('queueState', name),
    lastSendAt: () => call('lastSendAt'),
    setSsmLatency: (ms) => call('setSsmLatency', ms),
    reset: () => call('reset'),
    stats: () => call('stats'),
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
  const [provider, sqs, ssm] = await Promise.all([startFakeProvider({ delayMs }), startSqsFake(), startSsmFake()]);
  // Every entry SQS takes passes this rule (it fails none): the time of the last one.
  let lastSendAt = 0;
  sqs.failBatchEntries(() => {
    lastSendAt = Date.now();
    return false;
  });
  const handlers: Record<string, (...args: never[]) => Promise<unknown> | unknown> = {
    ready: () => ({ providerUrl: provider.url, sqsEndpoint: sqs.endpoint, ssmEndpoint: ssm.endpoint }),
    seedUsers: (prefix: string, namespace: string, users: string[]) => {
      for (const user of users) {
        ssm.parameters.set(`${prefix}/${namespace}/${user}/token`, {
          value: `token-of-${user}`,
          type: 'SecureString',
          version: 1,
        });
      }
    },
    createQueue: (name: string) => sqs.createQueue(name).url,
    queueState: (name: string) => {
      const queue = sqs.queues.get(name);
      if (!queue) throw new Error(`no queue ${name}`);
      const sent = sqs.sent(queue);
      return { left: queue.messages.length, sent: sent.length, distinctSent: new Set(sent).size };
    },
    lastSendAt: () => lastSendAt,
    setSsmLatency: (ms: number) => ssm.setLatency(ms),
    reset: () => {
      provider.reset();
      sqs.counts.clear();
      ssm.resetRequests();
    },
    stats: () => {
      const ssmCounts: Record<string, number> = {};
      for (const r of ssm.requests) ssmCounts[r.operation] = (ssmCounts[r.operation] ?? 0) + 1;
      // The SSM fake keeps every request (for tests); a benchmark only needs the counts.
      ssm.resetRequests();
      return {
        providerRequests: provider.requests,
        peakInFlight: provider.peakInFlight,
        sqs: Object.fromEntries(sqs.counts),
        ssm: ssmCounts,
      };
    },
    cpuMs: () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1000;
    },
    stop: async () => {
      await Promise.all([provider.close(), sqs.stop(), ssm.stop()]);
      setImmediate(() => process.disconnect?.());
    },
  };
  process.on('message', (request: Request) => {
    void (async () => {
      const reply: Reply = { id: request.id };
      try {
        const handler = handlers[request.cmd];
        if (!handler) throw new Error(`unknown command ${request.cmd}`);
        reply.result = (await handler(...((request.args ?? []) as never[]))) ?? null;
      } catch (error) {
        reply.error = (error as Error)?.stack ?? String(error);
      }
      process.send?.(reply);
    })();
  });
}

if (isMain(import.meta.url)) await serve(Number(process.argv[2] ?? 300));
