// Over 300 lines: one benchmark — its setup, the planner runs in child processes, the workers,
// the checks that every pair was enqueued and stored once, and its three rows with their details.
/**
 * Fan-out (issue 19): USERS users × 2 plugin entries whose users are discovered in SSM (a `token`
 * user secret each), at 300 ms per provider request. The planner (`handler` with
 * `LIFE_STATS_QUEUE_URL`) enqueues every pair into the wire-level SQS fake; then W worker invocations
 * at once (Lambda's SQS event source in process, `drainQueue`: the event source's maximum
 * concurrency W = `fanOut.maxConcurrency`, batches of `fanOut.batchSize`, each invocation fetching
 * its batch at once) collect them. The provider, SQS and SSM run in a child process of their own
 * (support/fan-out-servers.ts), as AWS and a provider do not share the workers' CPU.
 *
 * Store: the SQLite engine, not dynalite: 100,000 users are ~600,000 DynamoDB requests (a cursor
 * read, shared batch writes, a cursor write per pair), and dynalite's CPU per request on this
 * machine's two cores, not the engine, would make the figure; DynamoDB's request counts per pair
 * are the throughput benchmark's.
 *
 * Figures: the planner's wall time and the process's peak RSS after planning (target ≤ 256 MB);
 * worker wall ÷ ideal, ideal = pairs × latency ÷ (W × batch) (target ≤ 1.3); the wall time per pair
 * at USERS ÷ at USERS/10 (how it scales; ≈ 1 is linear). Checks: every pair enqueued once, every
 * message deleted, no redelivery, one provider request per pair, every row and run row stored.
 * The engine logs at WARN (POWERTOOLS_LOG_LEVEL), not one INFO line per pair, and emits no EMF metrics.
 *
 *   npx tsx bench/fan-out.ts [--quick] [--planner-only]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createWorker } from '@life-stats/core/lambda';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { HANDLER_BUILD_OPTIONS, lambdaStubs, lazyBuiltins } from '@life-stats/infra';
import { tempDir } from '@life-stats/testing/engine';
import { drainQueue } from '@life-stats/testing/sqs-event-source';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { ROOT } from './lib/paths.js';
import { runIfMain } from './lib/standalone.js';
import { formatNumber } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';
import { BACKFILL_DAYS, BATCH, fanOutConfig, NAMESPACE, WORKERS } from './support/fan-out-config.js';
import { type FanOutServers, startFanOutServers } from './support/fan-out-servers.js';

const DELAY_MS = 300;
const TARGET_RATIO = 1.3;
const TARGET_RSS_MB = 256;
const TARGET_SCALING = 1.15;
const PREFIX = '/bench-fan-out';
const PLANNER_CHILD = join(ROOT, 'bench/support/fan-out-planner-child.ts');
/** The heap cap of the planner's second run: how much of its peak RSS is garbage V8 has not collected. */
const HEAP_CAP_MB = 128;
/**
 * An assumed time per SSM request in the region (loopback answers in ~2 ms): the planner's run
 * with it shows what the SSM listing costs a deployment, and that the pairs already known (the
 * runs table) are enqueued long before it ends.
 */
const SSM_LATENCY_MS = 30;
/**
 * The function memory the target is about. Lambda's Node.js runtime starts Node with V8's heap sized
 * from it (its bootstrap: new space = memory / 10, `--max-semi-space-size` half of that,
 * `--max-old-space-size` the rest), so the planner's main figure runs the bundled planner with those
 * flags: what a 256 MB function would run.
 */
const LAMBDA_MEMORY_MB = 256;
const LAMBDA_V8_FLAGS = [
  `--max-semi-space-size=${Math.floor(LAMBDA_MEMORY_MB / 10 / 2)}`,
  `--max-old-space-size=${LAMBDA_MEMORY_MB - Math.floor(LAMBDA_MEMORY_MB / 10)}`,
];

/**
 * The planner child bundled as the asset is (the same esbuild options and stand-ins), so its process
 * holds what a deployed function holds — not tsx and TypeScript sources. better-sqlite3 (the bench's
 * store) stays external and resolves from the repository's node_modules.
 */
async function buildPlannerChild(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'life-stats-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'fan-out-planner.mjs');
  const result = await build({
    ...HANDLER_BUILD_OPTIONS,
    entryPoints: [PLANNER_CHILD],
    outfile,
    external: [...HANDLER_BUILD_OPTIONS.external, 'better-sqlite3'],
    plugins: [lazyBuiltins(), lambdaStubs({ oauth: false })],
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  return outfile;
}

interface Sample {
  users: number;
  pairs: number;
  planMs: number;
  rssBeforeMb: number;
  rssAfterPlanMb: number;
  /** The planner's peak RSS with V8's old generation capped at HEAP_CAP_MB (on a second queue). */
  cappedRssMb: number;
  /** The bundled planner's peak RSS under a LAMBDA_MEMORY_MB function's V8 flags (on a third queue). */
  lambdaRssMb: number;
  lambdaRssBeforeMb: number;
  lambdaPlanMs: number;
  lambdaCpuMs: number;
  /** The bundled planner again with SSM answering after SSM_LATENCY_MS: when the last pair was sent, and when it returned. */
  slowSsm: { allSentMs: number; wallMs: number };
  workMs: number;
  idealMs: number;
  invocations: number;
  peakInFlight: number;
  engineCpuPerPairMs: number;
  remoteCpuPerPairMs: number;
  wire: { sqs: Record<string, number>; ssm: Record<string, number> };
  load: number;
}

interface PlannerResult {
  enqueued: number;
  wallMs: number;
  /** Epoch ms when the invocation started. */
  startedAt: number;
  /** CPU time of the invocation. */
  cpuMs: number;
  rssBeforeMb: number;
  maxRssMb: number;
}

/** The planner in a fresh process (support/fan-out-planner-child.ts), so its peak RSS is its own. */
function runPlanner(
  options: Record<string, string>,
  servers: FanOutServers,
  nodeFlags: string[] = [],
  /** The bundled child ({@link buildPlannerChild}); else the TypeScript source through tsx. */
  bundled?: string,
): Promise<PlannerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      bundled
        ? ['--no-warnings', ...nodeFlags, bundled, JSON.stringify(options)]
        : ['--import', 'tsx', '--no-warnings', ...nodeFlags, PLANNER_CHILD, JSON.stringify(options)],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_SQS: servers.sqsEndpoint,
          AWS_ENDPOINT_URL_SSM: servers.ssmEndpoint,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`fan-out planner exited with ${code}: ${out.slice(-2000)}`));
      resolve(JSON.parse(line.slice('RESULT '.length)) as PlannerResult);
    });
  });
}

/**
 * The runs table as after an earlier day: a row for every pair (a failed one, with no time, so the
 * workers still collect the whole backfill), so the planner lists 200,000 run rows besides SSM.
 */
async function seedRunsTable(dbPath: string, users: readonly string[], metrics: readonly string[]): Promise<void> {
  const storage = createSqliteStorage({ path: dbPath });
  await storage.putCursor({ user_id: 'schema', metric_type: 'schema', last_status: 'ok' });
  await storage.close();
  const db = new Database(dbPath);
  try {
    const insert = db.prepare(
      "INSERT OR REPLACE INTO runs (user_id, metric_type, last_status, last_error) VALUES (?, ?, 'failed', 'seeded')",
    );
    db.transaction(() => {
      db.prepare("DELETE FROM runs WHERE user_id = 'schema'").run();
      for (const user of users) for (const metric of metrics) insert.run(user, metric);
    })();
  } finally {
    db.close();
  }
}

/** The work figures of a planner-only run (`--planner-only`). */
const NO_WORK = {
  workMs: Number.NaN,
  idealMs: Number.NaN,
  invocations: 0,
  peakInFlight: 0,
  engineCpuPerPairMs: Number.NaN,
  remoteCpuPerPairMs: Number.NaN,
};

async function runOnce(
  users: number,
  servers: FanOutServers,
  log: (line: string) => void,
  plannerOnly = false,
): Promise<Sample> {
  const dir = tempDir('life-stats-bench-fan-out-');
  const run = `${users}-${Date.now()}`;
  const prefix = `${PREFIX}-${run}`;
  const ids = Array.from({ length: users }, (_, i) => `user-${String(i).padStart(6, '0')}`);
  await servers.seedUsers(prefix, NAMESPACE, ids);
  const queueName = `fan-out-${run}`;
  const queueUrl = await servers.createQueue(queueName);
  const dbPath = `${dir}/db.sqlite`;
  const config = fanOutConfig({ dir, providerUrl: servers.providerUrl, dbPath, prefix });
  const pairs = users * 2;
  try {
    await seedRunsTable(
      dbPath,
      ids,
      config.plugins.map((entry) => entry.metric),
    );
    await servers.reset();
    const load = loadavg()[0] ?? 0;
    const remoteCpu0 = await servers.cpuMs();
    const cpu0 = process.cpuUsage();

    // Plan, in a process of its own.
    const planned = await runPlanner({ dir, providerUrl: servers.providerUrl, dbPath, prefix, queueUrl }, servers);
    const { wallMs: planMs, rssBeforeMb, maxRssMb: rssAfterPlanMb } = planned;
    if (planned.enqueued !== pairs) throw new Error(`fan-out: planned ${planned.enqueued} pairs, expected ${pairs}`);
    // The same planning with the heap capped, into a queue of its own (not drained).
    const capped = await runPlanner(
      {
        dir,
        providerUrl: servers.providerUrl,
        dbPath,
        prefix,
        queueUrl: await servers.createQueue(`${queueName}-capped`),
      },
      servers,
      [`--max-old-space-size=${HEAP_CAP_MB}`],
    );
    if (capped.enqueued !== pairs)
      throw new Error(`fan-out: the capped planner enqueued ${capped.enqueued} of ${pairs}`);
    // As a 256 MB function runs it: the bundled planner under the runtime's V8 flags (a third queue).
    const lambda = await runPlanner(
      {
        dir,
        providerUrl: servers.providerUrl,
        dbPath,
        prefix,
        queueUrl: await servers.createQueue(`${queueName}-lambda`),
      },
      servers,
      LAMBDA_V8_FLAGS,
      await buildPlannerChild(),
    );
    if (lambda.enqueued !== pairs)
      throw new Error(`fan-out: the bundled planner enqueued ${lambda.enqueued} of ${pairs}`);
    // The same, with SSM answering as slowly as a real region's (a fourth queue).
    await servers.setSsmLatency(SSM_LATENCY_MS);
    let slow: PlannerResult;
    try {
      slow = await runPlanner(
        {
          dir,
          providerUrl: servers.providerUrl,
          dbPath,
          prefix,
          queueUrl: await servers.createQueue(`${queueName}-slow-ssm`),
        },
        servers,
        LAMBDA_V8_FLAGS,
        await buildPlannerChild(),
      );
    } finally {
      await servers.setSsmLatency(0);
    }
    if (slow.enqueued !== pairs) throw new Error(`fan-out: the slow-SSM planner enqueued ${slow.enqueued} of ${pairs}`);
    const slowSsm = { allSentMs: (await servers.lastSendAt()) - slow.startedAt, wallMs: slow.wallMs };
    const queued = await servers.queueState(queueName);
    if (queued.sent !== pairs || queued.distinctSent !== pairs) {
      throw new Error(
        `fan-out: the queue took ${queued.sent} messages (${queued.distinctSent} distinct), expected ${pairs}`,
      );
    }
    log(
      `  ${formatNumber(users)} users: planned ${formatNumber(pairs)} pairs in ${formatNumber(planMs)} ms, RSS ${rssAfterPlanMb.toFixed(0)} MB`,
    );
    const planner = {
      users,
      pairs,
      planMs,
      rssBeforeMb,
      rssAfterPlanMb,
      cappedRssMb: capped.maxRssMb,
      lambdaRssMb: lambda.maxRssMb,
      lambdaRssBeforeMb: lambda.rssBeforeMb,
      lambdaPlanMs: lambda.wallMs,
      lambdaCpuMs: lambda.cpuMs,
      slowSsm,
    };
    if (plannerOnly) {
      const stats = await servers.stats();
      return { ...planner, ...NO_WORK, wire: { sqs: stats.sqs, ssm: stats.ssm }, load };
    }

    // Work.
    const worker = createWorker({ loadConfig: async () => config });
    const workStart = performance.now();
    const report = await drainQueue({
      clientConfig: {
        endpoint: servers.sqsEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      queueUrl,
      worker,
      concurrency: WORKERS,
      batchSize: BATCH,
      timeoutMs: 900_000,
    });
    const workMs = performance.now() - workStart;
    const cpu = process.cpuUsage(cpu0);
    const remoteCpuMs = (await servers.cpuMs()) - remoteCpu0;
    const stats = await servers.stats();
    if (report.errors.length > 0 || report.redelivered > 0 || report.deleted !== pairs) {
      throw new Error(
        `fan-out: deleted ${report.deleted} of ${pairs}, redelivered ${report.redelivered}, errors: ${String(report.errors[0])}`,
      );
    }
    if (stats.providerRequests !== pairs)
      throw new Error(`fan-out: ${stats.providerRequests} provider requests for ${pairs} pairs`);
    if ((await servers.queueState(queueName)).left !== 0) throw new Error('fan-out: the queue is not empty');
    const storage = createSqliteStorage({ path: dbPath });
    try {
      const cursors = await storage.listCursors();
      const notOk = cursors.filter((c) => c.last_status !== 'ok');
      if (cursors.length !== pairs || notOk.length > 0) {
        throw new Error(
          `fan-out: ${cursors.length} run rows for ${pairs} pairs, ${notOk.length} not ok (${notOk[0]?.last_error})`,
        );
      }
      const rows = (await storage.queryMetrics()).length;
      if (rows !== pairs * (BACKFILL_DAYS + 1))
        throw new Error(`fan-out: ${rows} rows, expected ${pairs * (BACKFILL_DAYS + 1)}`);
    } finally {
      await storage.close();
    }
    const idealMs = (pairs * DELAY_MS) / (WORKERS * BATCH);
    log(
      `  ${formatNumber(users)} users: workers ${formatNumber(workMs)} ms (ideal ${formatNumber(idealMs)} ms, ×${(workMs / idealMs).toFixed(3)}), ` +
        `${formatNumber(report.invocations)} invocations, peak ${stats.peakInFlight} fetches in flight; CPU per pair: engine ` +
        `${((cpu.user + cpu.system) / 1000 / pairs).toFixed(2)} ms, provider+SQS+SSM ${(remoteCpuMs / pairs).toFixed(2)} ms; load ${load.toFixed(1)}`,
    );
    return {
      ...planner,
      workMs,
      idealMs,
      invocations: report.invocations,
      peakInFlight: stats.peakInFlight,
      engineCpuPerPairMs: (cpu.user + cpu.system) / 1000 / pairs,
      remoteCpuPerPairMs: remoteCpuMs / pairs,
      wire: { sqs: stats.sqs, ssm: stats.ssm },
      load,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const benchmark: Benchmark = {
  name: 'fan-out',
  async run({ quick }) {
    const users = quick ? 2_000 : 100_000;
    // `--planner-only`: the planner's row alone (a minute instead of the workers' ten).
    const plannerOnly = process.argv.includes('--planner-only');
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const saved = { ...process.env };
    const servers = await startFanOutServers({ delayMs: DELAY_MS });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: servers.sqsEndpoint,
      AWS_ENDPOINT_URL_SSM: servers.ssmEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      // The EMF lines (five per invocation, i.e. per ten pairs) would flood the benchmark's output.
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    try {
      // An untimed warm-up (module loading, SDK imports, first connections).
      await runOnce(50, servers, () => {}, plannerOnly);
      const small = await runOnce(users / 10, servers, log, plannerOnly);
      const large = await runOnce(users, servers, log, plannerOnly);
      const ratio = large.workMs / large.idealMs;
      const scaling = large.workMs / large.pairs / (small.workMs / small.pairs);
      const common =
        `${formatNumber(large.users)} users × 2 entries = ${formatNumber(large.pairs)} pairs, users discovered in SSM and in a runs table of ${formatNumber(large.pairs)} rows, ` +
        `${DELAY_MS} ms per provider request, W = ${WORKERS} worker invocations at once × batches of ${BATCH}; SQLite store`;
      const wire = (w: Record<string, number>) =>
        Object.entries(w)
          .map(([op, n]) => `${op} ${formatNumber(n)}`)
          .join(', ');
      const rows = [
        {
          benchmark: `Fan-out planner, ${formatNumber(large.users)} users`,
          figure: `peak RSS, bundled, as a ${LAMBDA_MEMORY_MB} MB function runs it`,
          value: large.lambdaRssMb,
          unit: 'MB',
          display: `${large.lambdaRssMb.toFixed(0)} MB (${formatNumber(large.lambdaPlanMs)} ms)`,
          target: `≤ ${TARGET_RSS_MB} MB`,
          pass: large.lambdaRssMb <= TARGET_RSS_MB,
          detail:
            `${common}; the planner bundled with the asset's esbuild options and run with Lambda's V8 flags for a ` +
            `${LAMBDA_MEMORY_MB} MB function (${LAMBDA_V8_FLAGS.join(' ')}): ${large.lambdaRssMb.toFixed(0)} MB peak, ` +
            `${large.lambdaRssBeforeMb.toFixed(0)} MB before the invocation, planned in ${formatNumber(large.lambdaPlanMs)} ms ` +
            `using ${formatNumber(large.lambdaCpuMs)} ms of CPU ` +
            `(${formatNumber(small.users)} users: ${small.lambdaRssMb.toFixed(0)} MB); from the TypeScript sources through tsx ` +
            `without flags: ${large.rssAfterPlanMb.toFixed(0)} MB, planned and enqueued in ${formatNumber(large.planMs)} ms ` +
            `(${formatNumber(small.users)} users: ${formatNumber(small.planMs)} ms, ${small.rssAfterPlanMb.toFixed(0)} MB); ` +
            `the planner's own process (support/fan-out-planner-child.ts): ${large.rssBeforeMb.toFixed(0)} MB before the invocation ` +
            `(Node, tsx, the modules); ${large.cappedRssMb.toFixed(0)} MB with V8's old generation capped at ${HEAP_CAP_MB} MB ` +
            `(the rest of the peak is garbage not yet collected); with SSM answering after ${SSM_LATENCY_MS} ms (a region's latency, assumed): ` +
            `every pair sent after ${formatNumber(large.slowSsm.allSentMs)} ms (all of them known from the runs table), the SSM listing done and the ` +
            `invocation over after ${formatNumber(large.slowSsm.wallMs)} ms; wire, planner and workers: SQS ${wire(large.wire.sqs)}; SSM ${wire(large.wire.ssm)}`,
        },
        {
          benchmark: `Fan-out workers, ${formatNumber(large.users)} users`,
          figure: 'wall ÷ ideal',
          value: ratio,
          unit: '×',
          display: `${ratio.toFixed(3)}× (${formatNumber(large.workMs / 1000)} s)`,
          target: `≤ ${TARGET_RATIO}`,
          pass: ratio <= TARGET_RATIO,
          detail:
            `${common}; ideal ${formatNumber(large.idealMs / 1000)} s = pairs × ${DELAY_MS} ms ÷ ${WORKERS * BATCH}; ` +
            `${formatNumber(large.invocations)} invocations, peak ${large.peakInFlight} provider requests in flight; ` +
            `CPU per pair: planner+workers process ${large.engineCpuPerPairMs.toFixed(2)} ms, provider+SQS+SSM process ${large.remoteCpuPerPairMs.toFixed(2)} ms; ` +
            `1-min load average ${large.load.toFixed(2)} on ${cpus().length} CPUs`,
        },
        {
          benchmark: `Fan-out scaling, ${formatNumber(small.users)} → ${formatNumber(large.users)} users`,
          figure: 'wall per pair, large ÷ small',
          value: scaling,
          unit: '×',
          display: `${scaling.toFixed(3)}× (${formatNumber(small.workMs / 1000)} s → ${formatNumber(large.workMs / 1000)} s)`,
          target: `≤ ${TARGET_SCALING}`,
          pass: scaling <= TARGET_SCALING,
          detail: `${formatNumber(small.users)} users: ×${(small.workMs / small.idealMs).toFixed(3)} of ideal, load ${small.load.toFixed(2)}`,
        },
      ] satisfies BenchRow[];
      return plannerOnly ? rows.slice(0, 1) : rows;
    } finally {
      process.env = saved;
      await servers.stop();
    }
  },
};

export default benchmark;

await runIfMain(import.meta.url, benchmark);
