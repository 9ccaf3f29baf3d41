/**
 * `life-stats run` on the sample config, whole process: median wall time of a first run on a fresh
 * store (the backfill of the sample CSVs), and which SDKs the process loaded (target: ≤ 1 s; none).
 * Runs the built CLI (core/bin/life-stats.js → core/dist: `npm run build` first) from the
 * repository root, where the plugins are installed, with a temp copy of its config.
 *
 *   npx tsx bench/cli-run.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, sampleProject, sdkTracer } from '@life-stats/testing/sample-project';
import { runIfMain } from './lib/standalone.js';
import { formatMs, median } from './lib/stats.js';
import type { Benchmark } from './lib/types.js';

const TARGET_MS = 1000;

/**
 * A `--import` module that prints the process's CPU time (user + system, every thread) on exit: a
 * figure that, unlike wall time, hardly moves when other processes compete for the cores.
 */
function cpuReporter(dir: string): string {
  const file = join(dir, 'cpu-report.mjs');
  writeFileSync(
    file,
    "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('CPU-MS ' + (u.user + u.system) / 1000 + '\\n'); });\n",
  );
  return file;
}

function time(args: string[], config: string, extra: string[] = []): { ms: number; cpuMs: number; stderr: string } {
  const start = performance.now();
  const res = spawnSync(process.execPath, [...extra, CLI, ...args, '--config', config], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (res.status !== 0) throw new Error(`life-stats ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  const cpu = /^CPU-MS (\S+)$/m.exec(res.stderr);
  return { ms, cpuMs: cpu ? Number(cpu[1]) : Number.NaN, stderr: res.stderr };
}

const benchmark: Benchmark = {
  name: 'cli-run',
  async run({ quick }) {
    const runs = quick ? 3 : 9;
    const validate: number[] = [];
    const first: number[] = [];
    const again: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { dir, config } = sampleProject();
      const cpuHook = ['--import', cpuReporter(dir)];
      try {
        validate.push(time(['validate'], config, cpuHook).ms);
        const run = time(['run'], config, cpuHook);
        first.push(run.ms);
        cpu.push(run.cpuMs);
        again.push(time(['run'], config, cpuHook).ms);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      console.log(
        `cli-run: ${i + 1}/${runs}: validate ${formatMs(validate.at(-1) ?? 0)}, run (fresh store) ${formatMs(first.at(-1) ?? 0)} (CPU ${formatMs(cpu.at(-1) ?? 0)}), run again ${formatMs(again.at(-1) ?? 0)}`,
      );
    }
    const sample = sampleProject();
    let sdks: string[];
    try {
      const traced = time(['run'], sample.config, ['--import', sdkTracer(sample.dir)]);
      sdks = [...new Set(traced.stderr.split('\n').filter((l) => l.startsWith('SDK-LOADED ')))].map((l) =>
        l.slice('SDK-LOADED '.length),
      );
    } finally {
      rmSync(sample.dir, { recursive: true, force: true });
    }
    const wall = median(first);
    return [
      {
        benchmark: '`life-stats run`, sample config',
        figure: 'median wall, whole process',
        value: wall,
        unit: 'ms',
        display: formatMs(wall),
        target: `≤ ${formatMs(TARGET_MS)}`,
        pass: wall <= TARGET_MS,
        detail: `${runs} runs on fresh stores (backfill of the sample CSVs); CPU time (user + system) of that process ${formatMs(median(cpu))}; second run ${formatMs(median(again))}; \`life-stats validate\` (Node + config + plugins only) ${formatMs(median(validate))}`,
        samples: first,
      },
      {
        benchmark: '`life-stats run`, sample config',
        figure: 'AWS SDK / provider SDKs loaded',
        value: sdks.length,
        unit: 'packages',
        display: sdks.length === 0 ? 'none' : sdks.join(', '),
        target: 'none',
        pass: sdks.length === 0,
        detail:
          'module resolutions of @aws-sdk/*, @aws-lambda-powertools/*, googleapis, google-auth-library, oauth4webapi',
      },
    ];
  },
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
