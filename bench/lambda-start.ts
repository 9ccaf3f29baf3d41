/**
 * The Lambda's time to first answer (issue 18): a fresh Node process imports the root config's
 * asset (built as the infra builds it) and answers one `{}` event — the real cold start, SDK
 * loading included — against dynalite and the local SSM fake on loopback, with the csv plugin, on a
 * store that already holds the sample data (a rerun, as every scheduled run after the first is).
 *
 * The floor is a hand-written minimal handler that makes the same AWS calls with the same SDK
 * client — the runs table's `Scan`, one conditional `UpdateItem` per cursor — bundled with the same
 * esbuild options. The bench checks that both made the same requests. Subject and floor alternate
 * (and which goes first alternates too); the figure is the median of the per-pair ratios of the
 * time from the child's start to the answer.
 *
 * The target row runs both on the function's runtime, Node 24 (lib/lambda-node.ts finds or fetches
 * that binary); a second row, without a target, runs them on this process's Node when that is
 * another major. Without a Node 24 binary the target is this process's row, which says so.
 *
 *   npx tsx bench/lambda-start.ts [--quick]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '@life-stats/core';
import { buildSplitAsset, bundleHandler, HANDLER_BUILD_OPTIONS, lambdaStubs, lazyBuiltins } from '@life-stats/infra';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { LAMBDA_NODE_MAJOR, lambdaNode } from './lib/lambda-node.js';
import { ROOT } from './lib/paths.js';
import { runIfMain } from './lib/standalone.js';
import { formatMs, median, pairedRatio } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';

const run = promisify(execFile);
const TARGET = 1.25;

/** The floor: the calls the function makes on a rerun of the sample config, and nothing else. */
const FLOOR_SOURCE = `
import { DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => {
  const table = process.env.LIFE_STATS_RUNS_TABLE;
  const started = new Date().toISOString();
  const items = [];
  let start;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  for (const item of items) {
    await client.send(new UpdateItemCommand({
      TableName: table,
      Key: { user_id: item.user_id, metric_type: item.metric_type },
      UpdateExpression: 'SET #status = :status, #time = :time REMOVE #error',
      ConditionExpression: 'attribute_not_exists(#time) OR #time < :time',
      ExpressionAttributeNames: { '#status': 'last_status', '#error': 'last_error', '#time': 'last_run_time' },
      ExpressionAttributeValues: { ':status': { S: 'ok' }, ':time': { S: started } },
    }));
  }
  return { runs: items.map((item) => ({ user: item.user_id.S, metric: item.metric_type.S, status: 'ok' })) };
};
`;

async function buildFloor(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, FLOOR_SOURCE);
  const file = join(dir, 'dist', 'index.mjs');
  const result = await buildSplitAsset({
    ...HANDLER_BUILD_OPTIONS,
    entryPoints: { index: entry },
    outdir: join(dir, 'dist'),
    nodePaths: [join(ROOT, 'node_modules')],
    plugins: [lazyBuiltins(), lambdaStubs({ oauth: false })],
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  return file;
}

interface Answer {
  /** From the child's time origin (process start) to the answer. */
  answerMs: number;
  /** CPU time (user + system, every thread) of the child up to the answer: hardly moved by other load. */
  cpuMs: number;
  /** Spawn to exit, seen from the parent. */
  wallMs: number;
  /** `metric:status` of every pair. */
  runs: string[];
}

/** A fresh process of `node`: import `file`, answer `{}`, report. */
async function answer(file: string, env: Record<string, string>, node = process.execPath): Promise<Answer> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
    const summary = await handler({}, {
      getRemainingTimeInMillis: () => 300000, awsRequestId: 'bench', functionName: 'life-stats',
    });
    const answerMs = performance.now();
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stderr.write('ANSWER ' + JSON.stringify({ answerMs, cpuMs, runs: summary.runs.map((r) => r.metric + ':' + r.status) }) + '\\n');
  `;
  const started = performance.now();
  const { stderr } = await run(node, ['--input-type=module', '-e', script], {
    cwd: join(file, '..'),
    env,
    maxBuffer: 8 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  const line = stderr.split('\n').find((l) => l.startsWith('ANSWER '));
  if (!line) throw new Error(`no answer; stderr: ${stderr}`);
  const parsed = JSON.parse(line.slice('ANSWER '.length)) as { answerMs: number; cpuMs: number; runs: string[] };
  return { ...parsed, wallMs };
}

function requestsOf(dynamo: LocalDynamoDb, ssm: SsmFake): string {
  return JSON.stringify([dynamo.requests.map((r) => r.operation), ssm.requests.map((r) => r.operation)]);
}

/**
 * Alternated pairs of fresh processes of `options.node`, subject and floor (which goes first
 * alternates too): one row, with the target when `options.target`.
 */
async function measure(
  subjectFile: string,
  floorFile: string,
  env: Record<string, string>,
  pairs: number,
  calls: string,
  options: { node: string; label: string; note: string; target: boolean },
): Promise<BenchRow> {
  const s: Answer[] = [];
  const f: Answer[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      s.push(await answer(subjectFile, env, options.node));
      f.push(await answer(floorFile, env, options.node));
    } else {
      f.push(await answer(floorFile, env, options.node));
      s.push(await answer(subjectFile, env, options.node));
    }
  }
  const ratio = pairedRatio(
    s.map((a) => a.answerMs),
    f.map((a) => a.answerMs),
  );
  const cpuRatio = pairedRatio(
    s.map((a) => a.cpuMs),
    f.map((a) => a.cpuMs),
  );
  const wallRatio = pairedRatio(
    s.map((a) => a.wallMs),
    f.map((a) => a.wallMs),
  );
  const subjectMs = median(s.map((a) => a.answerMs));
  const floorMs = median(f.map((a) => a.answerMs));
  console.log(`lambda-start (${options.label}): ${ratio.toFixed(2)}× (${formatMs(subjectMs)} vs ${formatMs(floorMs)})`);
  return {
    benchmark: `Lambda first answer (root config, csv, rerun), ${options.label}`,
    figure: 'median ratio to a minimal handler',
    value: ratio,
    unit: '×',
    display: `${ratio.toFixed(2)}× (${formatMs(subjectMs)} vs ${formatMs(floorMs)})`,
    target: options.target ? `≤ ${TARGET}×` : '—',
    pass: !options.target || ratio <= TARGET,
    detail: `${options.note}; ${pairs} alternated pairs of fresh processes, process start to the answer of one {} event (dynalite and the SSM fake on loopback; calls ${calls}); whole-process wall ratio ${wallRatio.toFixed(2)}×; CPU-time ratio (insensitive to other load) ${cpuRatio.toFixed(2)}× (${formatMs(median(s.map((a) => a.cpuMs)))} vs ${formatMs(median(f.map((a) => a.cpuMs)))})`,
    samples: s.map((a, i) => a.answerMs / (f[i]?.answerMs ?? Number.NaN)),
  };
}

const benchmark: Benchmark = {
  name: 'lambda-start',
  async run({ quick }) {
    const pairs = quick ? 5 : 25;
    const dir = mkdtempSync(join(tmpdir(), 'life-stats-bench-lambda-'));
    const [dynamo, ssm] = await Promise.all([startLocalDynamoDb(), startSsmFake()]);
    try {
      const config = await loadConfig({ configPath: join(ROOT, 'life-stats.config.json'), env: {} });
      const subject = await bundleHandler({ config, outDir: join(dir, 'handler') });
      const floor = await buildFloor(join(dir, 'floor'));
      const tables = await dynamo.createTables();
      const env = {
        PATH: process.env.PATH ?? '',
        LIFE_STATS_STORAGE: 'dynamodb',
        LIFE_STATS_METRICS_TABLE: tables.metricsTable,
        LIFE_STATS_RUNS_TABLE: tables.runsTable,
        LIFE_STATS_SECRETS: 'ssm',
        LIFE_STATS_SSM_PREFIX: '/life-stats',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      };
      // The first run stores the sample data; from then on each answer is a rerun.
      const first = await answer(subject.file, env);
      if (!first.runs.every((r) => r.endsWith(':ok')))
        throw new Error(`the first run failed: ${first.runs.join(', ')}`);
      dynamo.resetRequests();
      ssm.resetRequests();
      const rerun = await answer(subject.file, env);
      const subjectCalls = requestsOf(dynamo, ssm);
      dynamo.resetRequests();
      ssm.resetRequests();
      const floorAnswer = await answer(floor, env);
      const floorCalls = requestsOf(dynamo, ssm);
      if (subjectCalls !== floorCalls) {
        throw new Error(`the floor makes other AWS calls than the function: ${floorCalls} vs ${subjectCalls}`);
      }
      if ([...floorAnswer.runs].sort().join() !== [...rerun.runs].sort().join()) {
        throw new Error(`the floor answers otherwise: ${floorAnswer.runs.join()} vs ${rerun.runs.join()}`);
      }
      console.log(`lambda-start: both make ${subjectCalls}; answers ${rerun.runs.join(', ')}`);

      const runtime = lambdaNode();
      const rows: BenchRow[] = [];
      if ('path' in runtime && runtime.path !== process.execPath) {
        rows.push(
          await measure(subject.file, floor, env, pairs, subjectCalls, {
            node: runtime.path,
            label: `Node ${runtime.version.slice(1).split('.')[0]}, the function's runtime`,
            note: `${runtime.version} from ${runtime.source}`,
            target: true,
          }),
        );
      }
      // This process's Node: the target row when it is the runtime's major or none was found.
      const own = `Node ${process.versions.node.split('.')[0]}`;
      const isRuntime = 'path' in runtime && runtime.path === process.execPath;
      const found = 'path' in runtime;
      let note = `${process.version}, this process`;
      if (!found) note += `, standing in for Node ${LAMBDA_NODE_MAJOR} (${runtime.missing})`;
      else if (!isRuntime) note += `: not the function's runtime (Node ${LAMBDA_NODE_MAJOR}), so no target`;
      rows.push(
        await measure(subject.file, floor, env, pairs, subjectCalls, {
          node: process.execPath,
          label: isRuntime ? `${own}, the function's runtime` : `${own}, this process`,
          note,
          target: !found || isRuntime,
        }),
      );
      return rows;
    } finally {
      await Promise.all([dynamo.stop(), ssm.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
