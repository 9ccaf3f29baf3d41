/**
 * Run throughput: USERS users × 2 plugin entries (two plugins, each a different metric) against a
 * fake provider on loopback that takes 100 ms per request, through the real engine (`runPairs`) and
 * the real stores: a SQLite file, and the DynamoDB adapter against dynalite behind the counting proxy.
 *
 * Figures: wall ÷ ideal, ideal = pairs × 100 ms ÷ concurrency (target ≤ 1.2), at the default
 * concurrency 8 (what the CLI and the Lambda use); and DynamoDB `BatchWriteItem` requests on the wire
 * per stored item (target ≤ 1/25). Each run starts on fresh stores (a first run: backfillDays 7, so
 * every pair fetches one 8-day window in one request and writes 8 items). A second concurrency
 * (HIGH_CONCURRENCY) is measured too and reported in the detail, with the CPU time per pair of this
 * process (the engine) and of the servers' process: the provider, the proxy and dynalite run in a
 * child process of their own (support/throughput-servers.ts), as a real provider and DynamoDB would
 * not share the run's CPU.
 *
 *   npx tsx bench/throughput.ts [--quick]
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { RunSummary, Storage } from '@life-stats/core';
import { runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createDynamoDbStorage } from '@life-stats/core/storage/dynamodb';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { makeConfig, tempDir } from '@life-stats/testing/engine';
import { runIfMain } from './lib/standalone.js';
import { formatNumber, median } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';
import { providerPlugin } from './support/throughput-provider.js';
import { type RemoteServers, startRemoteServers } from './support/throughput-servers.js';

const DELAY_MS = 100;
/** The engine's default, used by `life-stats run` and the Lambda handler. */
const CONCURRENCY = 8;
const HIGH_CONCURRENCY = 64;
const BACKFILL_DAYS = 7;
const DAYS_PER_PAIR = BACKFILL_DAYS + 1;
const TARGET_RATIO = 1.2;
const TARGET_REQUESTS_PER_ITEM = 1 / 25;
const RETRY = { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 50 };

interface Sample {
  wallMs: number;
  idealMs: number;
  ratio: number;
  pairs: number;
  items: number;
  batchWrites: number;
  wire: Record<string, number>;
  peakInFlight: number;
  /** CPU of this process (the engine) during the run, per pair, in ms. */
  engineCpuPerPair: number;
  /** CPU of the remote servers (provider, proxy, dynalite) during the run, per pair, in ms. */
  remoteCpuPerPair: number;
  /** 1-minute load average when the run started. */
  load: number;
}

type StoreKind = 'sqlite' | 'dynamodb';

async function runOnce(kind: StoreKind, users: number, concurrency: number, remote: RemoteServers): Promise<Sample> {
  const dir = tempDir('life-stats-bench-throughput-');
  const config = makeConfig(
    dir,
    [
      { plugin: providerPlugin('bench-steps', 'steps'), config: { baseUrl: remote.providerUrl } },
      { plugin: providerPlugin('bench-water', 'water_ml'), config: { baseUrl: remote.providerUrl } },
    ],
    {
      users: Array.from({ length: users }, (_, i) => ({ id: `user-${i}@example.com`, timezone: 'UTC' })),
      backfillDays: BACKFILL_DAYS,
    },
  );
  const secrets = createFileSecrets({ path: `${dir}/secrets.json` });
  let storage: Storage;
  let metricsTable = '';
  if (kind === 'sqlite') {
    storage = createSqliteStorage({ path: `${dir}/db.sqlite` });
  } else {
    const tables = await remote.createTables();
    metricsTable = tables.metricsTable;
    storage = createDynamoDbStorage({ ...tables, clientConfig: remote.clientConfig });
  }
  try {
    await remote.reset();
    const load = loadavg()[0] ?? 0;
    const remoteCpu = await remote.cpuMs();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const summary: RunSummary = await runPairs({ config, storage, secrets, concurrency, retry: RETRY });
    const wallMs = performance.now() - started;
    const engineCpu = process.cpuUsage(cpu);
    const remoteCpuMs = (await remote.cpuMs()) - remoteCpu;

    const pairs = users * 2;
    const failed = summary.runs.filter((r) => r.status !== 'ok');
    if (summary.runs.length !== pairs || failed.length > 0) {
      throw new Error(
        `throughput (${kind}): ${failed.length} of ${summary.runs.length} pairs did not end ok: ${failed[0]?.error}`,
      );
    }
    const { providerRequests, peakInFlight, wire } = await remote.stats();
    if (providerRequests !== pairs) throw new Error(`expected ${pairs} provider requests, got ${providerRequests}`);
    const items = summary.runs.reduce((n, r) => n + (r.items ?? 0), 0);
    const stored = kind === 'sqlite' ? (await storage.queryMetrics()).length : await remote.countItems(metricsTable);
    if (items !== pairs * DAYS_PER_PAIR || stored !== items) {
      throw new Error(
        `throughput (${kind}): expected ${pairs * DAYS_PER_PAIR} rows, run wrote ${items}, stored ${stored}`,
      );
    }
    const idealMs = (pairs * DELAY_MS) / concurrency;
    return {
      wallMs,
      idealMs,
      ratio: wallMs / idealMs,
      pairs,
      items,
      batchWrites: wire.BatchWriteItem ?? 0,
      wire,
      peakInFlight,
      engineCpuPerPair: (engineCpu.user + engineCpu.system) / 1000 / pairs,
      remoteCpuPerPair: remoteCpuMs / pairs,
      load,
    };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  kind: StoreKind,
  options: { users: number; runs: number; concurrency: number },
  remote: RemoteServers,
  log: (line: string) => void,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < options.runs; i++) {
    const sample = await runOnce(kind, options.users, options.concurrency, remote);
    log(
      `  ${kind} C=${options.concurrency} run ${i + 1}/${options.runs}: ${formatNumber(sample.wallMs)} ms ` +
        `(ideal ${formatNumber(sample.idealMs)} ms, ×${sample.ratio.toFixed(3)}, peak ${sample.peakInFlight} in flight; CPU per pair: engine ${sample.engineCpuPerPair.toFixed(2)} ms, ` +
        `provider+DynamoDB ${sample.remoteCpuPerPair.toFixed(2)} ms; load ${sample.load.toFixed(1)})`,
    );
    samples.push(sample);
  }
  return samples;
}

const benchmark: Benchmark = {
  name: 'throughput',
  async run({ quick }) {
    const users = quick ? 100 : 1000;
    const runs = 3;
    const highRuns = quick ? 2 : 1;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const remote = await startRemoteServers({ delayMs: DELAY_MS });
    try {
      const rows: BenchRow[] = [];
      const batch: Sample[] = [];
      for (const kind of ['sqlite', 'dynamodb'] as const) {
        // One untimed warm-up (module loading, SDK import, first connections) on a few users.
        await runOnce(kind, 10, CONCURRENCY, remote);
        const base = await measure(kind, { users, runs, concurrency: CONCURRENCY }, remote, log);
        const high = await measure(kind, { users, runs: highRuns, concurrency: HIGH_CONCURRENCY }, remote, log);
        if (kind === 'dynamodb') batch.push(...base, ...high);
        const ratio = median(base.map((s) => s.ratio));
        const highRatio = median(high.map((s) => s.ratio));
        const first = base[0] as Sample;
        const perPair = (pick: (s: Sample) => number) => median(base.map(pick)).toFixed(2);
        rows.push({
          benchmark: `Run throughput, ${kind === 'sqlite' ? 'SQLite' : 'DynamoDB'}`,
          figure: 'wall ÷ ideal',
          value: ratio,
          unit: '×',
          display: `${ratio.toFixed(3)}× (${formatNumber(median(base.map((s) => s.wallMs)))} ms)`,
          target: `≤ ${TARGET_RATIO}`,
          pass: ratio <= TARGET_RATIO,
          detail:
            `${formatNumber(users)} users × 2 entries = ${formatNumber(first.pairs)} pairs, ${DELAY_MS} ms per provider request, ` +
            `concurrency ${CONCURRENCY}, ideal ${formatNumber(first.idealMs)} ms, median of ${runs} runs on fresh stores; ` +
            `at concurrency ${HIGH_CONCURRENCY}: ×${highRatio.toFixed(3)} ` +
            `(${formatNumber(median(high.map((s) => s.wallMs)))} ms, ideal ${formatNumber((high[0] as Sample).idealMs)} ms, median of ${highRuns}); ` +
            `CPU per pair at concurrency ${CONCURRENCY}: engine process ${perPair((s) => s.engineCpuPerPair)} ms, ` +
            `provider${kind === 'dynamodb' ? ' + DynamoDB proxy + dynalite' : ''} process ${perPair((s) => s.remoteCpuPerPair)} ms; ` +
            `1-min load average ${perPair((s) => s.load)} on ${cpus().length} CPUs`,
          samples: base.map((s) => s.ratio),
        });
      }
      const items = batch.reduce((n, s) => n + s.items, 0);
      const writes = batch.reduce((n, s) => n + s.batchWrites, 0);
      const perItem = writes / items;
      const wire = batch[0]?.wire ?? {};
      // The fewest requests possible: every run's items in full batches of 25 (the proxy injects no
      // throttling here, so there are no retries to add).
      const minimum = batch.reduce((n, s) => n + Math.ceil(s.items / 25), 0);
      // What writing each pair's chunk on its own would take (no batching across pairs).
      const perPairMinimum = batch.reduce((n, s) => n + s.pairs * Math.ceil(DAYS_PER_PAIR / 25), 0);
      rows.push({
        benchmark: 'DynamoDB write requests per stored item',
        figure: 'BatchWriteItem ÷ items',
        value: perItem,
        unit: 'requests/item',
        display: `${perItem.toFixed(4)} (1/${(1 / perItem).toFixed(1)})`,
        target: `≤ ${TARGET_REQUESTS_PER_ITEM} (1/25) + retries`,
        // "≤ 1/25 plus retries": at most ⌈items / 25⌉ per run (a run's last batch may be partial).
        pass: writes <= minimum || perItem <= TARGET_REQUESTS_PER_ITEM,
        detail:
          `${formatNumber(writes)} BatchWriteItem requests for ${formatNumber(items)} items over ${batch.length} runs, ` +
          `the minimum Σ⌈items/25⌉ per run being ${formatNumber(minimum)} ` +
          `(${DAYS_PER_PAIR} items per pair: one request per pair would be ${formatNumber(perPairMinimum)}); wire per run: ` +
          Object.entries(wire)
            .map(([op, n]) => `${op} ${formatNumber(n)}`)
            .join(', '),
        samples: batch.map((s) => s.batchWrites / s.items),
      });
      return rows;
    } finally {
      await remote.stop();
    }
  },
};

export default benchmark;

await runIfMain(import.meta.url, benchmark);
