/**
 * The CLI's start-up against floors measured in the same run (issue 18): each subject is a whole
 * `life-stats` process of the built CLI, each floor a plain Node process doing the least that
 * command must do; subject and floor alternate (and which goes first alternates too), and the
 * figure is the median of the per-pair ratios, so load that lasts a second hits both.
 *
 * - `run` on the sample config, a rerun (two csv entries, nothing new) vs a script that starts
 *   Node, opens the same SQLite file with better-sqlite3, reads the config and runs one query;
 * - `validate` vs Node reading and parsing the config file, on the sample config and on one with
 *   every provider plugin (not one of the issue's rows);
 * - `--help` vs `node -e 0`.
 *
 * `validate` and `--help` are measured again on Node 24 (what most users run; the binary from
 * `lib/lambda-node.ts`), without a target: issue 18's ratios were set on this machine's Node 20,
 * where `node -e 0` takes twice as long, so the same work beyond the floor is a larger ratio on 24.
 * `run` is not: better-sqlite3 is built for this process's Node.
 *
 *   npx tsx bench/cli-start.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, PROVIDER_ENTRIES, ROOT, sampleProject } from '@life-stats/testing/sample-project';
import { LAMBDA_NODE_MAJOR, lambdaNode } from './lib/lambda-node.js';
import { runIfMain } from './lib/standalone.js';
import { formatMs, median, pairedRatio } from './lib/stats.js';
import type { Benchmark, BenchRow } from './lib/types.js';

/**
 * A `--require` preload, in subject and floor alike, that writes the process's CPU time (user +
 * system, from its start) to the file `LIFE_STATS_BENCH_CPU` names as it exits: the CPU-time
 * ratio, which other load on the machine hardly moves, beside the wall-clock one.
 */
interface CpuProbe {
  preload: string;
  file: string;
}

function createCpuProbe(dir: string): CpuProbe {
  const preload = join(dir, 'cpu.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeFileSync(process.env.LIFE_STATS_BENCH_CPU, String((u.user + u.system) / 1000)); });\n`,
  );
  return { preload, file: join(dir, 'cpu.txt') };
}

/** Wall and CPU time of one process of `node`, spawn to exit; throws unless it exits 0. */
function time(probe: CpuProbe, args: readonly string[], node = process.execPath): { wall: number; cpu: number } {
  const start = performance.now();
  const res = spawnSync(node, ['--require', probe.preload, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LIFE_STATS_BENCH_CPU: probe.file },
  });
  const wall = performance.now() - start;
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return { wall, cpu: Number(readFileSync(probe.file, 'utf8')) };
}

/** The config of someone with several devices, the store and secrets as `life-stats init` writes them. */
const PROVIDERS_CONFIG = {
  timezone: 'Europe/Berlin',
  storage: { type: 'sqlite', path: '.life-stats/life-stats.db' },
  secrets: { type: 'file', path: '.life-stats/secrets.json' },
  users: [{ id: 'me' }],
  plugins: PROVIDER_ENTRIES,
};

interface Case {
  benchmark: string;
  floorName: string;
  subject: string[];
  floor: string[];
  /** None: a row for information (another Node than the targets were set on). */
  target?: number;
  /** The Node binary of both. @default this process's */
  node?: string;
  /** Said first in the row's detail. */
  note?: string;
  /** Measured again on Node 24, without a target (see the module's comment). */
  alsoOnNode24?: boolean;
}

/** `pairs` alternated samples of subject and floor, after one untimed run of each. */
function measure(probe: CpuProbe, c: Case, pairs: number): BenchRow {
  const run = (args: string[]) => time(probe, args, c.node);
  run(c.subject);
  run(c.floor);
  const subject: { wall: number; cpu: number }[] = [];
  const floor: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      subject.push(run(c.subject));
      floor.push(run(c.floor));
    } else {
      floor.push(run(c.floor));
      subject.push(run(c.subject));
    }
  }
  const wall = (xs: typeof subject) => xs.map((x) => x.wall);
  const cpu = (xs: typeof subject) => xs.map((x) => x.cpu);
  const ratio = pairedRatio(wall(subject), wall(floor));
  const cpuRatio = pairedRatio(cpu(subject), cpu(floor));
  const shown = `${ratio.toFixed(2)}× (${formatMs(median(wall(subject)))} vs ${formatMs(median(wall(floor)))})`;
  const cpuShown = `${cpuRatio.toFixed(2)}× (${formatMs(median(cpu(subject)))} vs ${formatMs(median(cpu(floor)))})`;
  console.log(`cli-start: ${c.benchmark}: ${shown}; CPU time ${cpuShown}`);
  return {
    benchmark: c.benchmark,
    figure: `median ratio to ${c.floorName}`,
    value: ratio,
    unit: '×',
    display: shown,
    target: c.target === undefined ? '—' : `≤ ${c.target}×`,
    pass: c.target === undefined || ratio <= c.target,
    detail: `${c.note ? `${c.note}; ` : ''}${pairs} alternated pairs of whole processes (spawn to exit); subject ${formatMs(Math.min(...wall(subject)))}–${formatMs(Math.max(...wall(subject)))}, floor ${formatMs(Math.min(...wall(floor)))}–${formatMs(Math.max(...wall(floor)))}; CPU-time ratio (insensitive to other load) ${cpuShown}`,
    samples: subject.map((s, i) => s.wall / (floor[i]?.wall ?? Number.NaN)),
  };
}

const benchmark: Benchmark = {
  name: 'cli-start',
  async run({ quick }) {
    const pairs = quick ? 5 : 15;
    const { dir, config } = sampleProject();
    const probe = createCpuProbe(dir);
    try {
      // The first run backfills the sample CSVs into a fresh store; the timed runs are reruns.
      time(probe, [CLI, 'run', '--config', config]);
      const db = join(dir, '.life-stats', 'life-stats.db');
      const floorRun = join(dir, 'floor-run.mjs');
      writeFileSync(
        floorRun,
        `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const Database = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('better-sqlite3');
const config = JSON.parse(readFileSync(${JSON.stringify(config)}, 'utf8'));
const db = new Database(${JSON.stringify(db)});
const row = db.prepare('SELECT count(*) AS n FROM runs').get();
db.close();
if (!config.plugins || row.n < 1) process.exit(1);
`,
      );
      const floorRead = join(dir, 'floor-read.mjs');
      writeFileSync(
        floorRead,
        `import { readFileSync } from 'node:fs';\nif (!JSON.parse(readFileSync(${JSON.stringify(config)}, 'utf8')).plugins) process.exit(1);\n`,
      );
      // A config as a user with several devices writes one: every first-party provider plugin.
      const providers = join(dir, 'providers.config.json');
      writeFileSync(providers, JSON.stringify(PROVIDERS_CONFIG, null, 2));
      const floorReadProviders = join(dir, 'floor-read-providers.mjs');
      writeFileSync(
        floorReadProviders,
        `import { readFileSync } from 'node:fs';\nif (!JSON.parse(readFileSync(${JSON.stringify(providers)}, 'utf8')).plugins) process.exit(1);\n`,
      );
      const cases: Case[] = [
        {
          benchmark: '`life-stats run`, sample config, rerun',
          floorName: 'Node + better-sqlite3 + config + 1 query',
          subject: [CLI, 'run', '--config', config],
          floor: [floorRun],
          target: 1.6,
        },
        {
          benchmark: '`life-stats validate`, sample config',
          floorName: 'Node reading + parsing the config',
          subject: [CLI, 'validate', '--config', config],
          floor: [floorRead],
          target: 1.4,
          alsoOnNode24: true,
        },
        {
          benchmark: '`life-stats validate`, every provider plugin',
          floorName: 'Node reading + parsing the config',
          subject: [CLI, 'validate', '--config', providers],
          floor: [floorReadProviders],
          // Not one of issue 18's rows (its configs are the sample's): held to `run`'s ratio.
          target: 1.6,
        },
        {
          benchmark: '`life-stats --help`',
          floorName: '`node -e 0`',
          subject: [CLI, '--help'],
          floor: ['-e', '0'],
          target: 1.6,
          alsoOnNode24: true,
        },
      ];
      const users = lambdaNode();
      if ('path' in users && users.path !== process.execPath) {
        const label = `, Node ${LAMBDA_NODE_MAJOR}`;
        const note = `${users.version} from ${users.source}: what most users run; no target (issue 18's were set on Node ${process.versions.node.split('.')[0]}, whose floors take about twice as long)`;
        for (const c of cases.filter((c) => c.alsoOnNode24)) {
          cases.push({ ...c, benchmark: `${c.benchmark}${label}`, target: undefined, node: users.path, note });
        }
      }
      return cases.map((c) => measure(probe, c, pairs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
