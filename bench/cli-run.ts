/**
 * `life-stats run` on the sample config, whole process: median wall time over fresh stores, and
 * which SDKs the process loaded (target: ≤ 1 s; none). Run with `npx tsx bench/cli-run.ts`.
 */
import { spawnSync } from 'node:child_process';
import { CLI, ROOT, sampleProject, sdkTracer } from '../tests/support/sample-project.js';

const RUNS = Number(process.env.RUNS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** From the repository root (where the plugins are installed), with a temp copy of its config. */
function time(args: string[], config: string, extra: string[] = []) {
  const start = performance.now();
  const res = spawnSync(process.execPath, [...extra, CLI, ...args, '--config', config], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (res.status !== 0) throw new Error(`life-stats ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return { ms, stderr: res.stderr };
}

const baseline: number[] = [];
const first: number[] = [];
const again: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const { config } = sampleProject();
  baseline.push(time(['validate'], config).ms);
  first.push(time(['run'], config).ms);
  again.push(time(['run'], config).ms);
}
const sample = sampleProject();
const traced = time(['run'], sample.config, ['--import', sdkTracer(sample.dir)]);
const sdks = [...new Set(traced.stderr.split('\n').filter((l) => l.startsWith('SDK-LOADED ')))];

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
console.log(`node ${process.version}, ${RUNS} runs each`);
console.log(`life-stats validate (load config + plugins) median ${fmt(median(baseline))}`);
console.log(`life-stats run, fresh store (backfill)      median ${fmt(median(first))}`);
console.log(`life-stats run, second run                  median ${fmt(median(again))}`);
console.log(`SDKs loaded by run: ${sdks.length ? sdks.join(', ') : 'none'}`);
const ok = median(first) <= 1000 && sdks.length === 0;
console.log(ok ? 'target met: ≤ 1 s, no SDK' : 'TARGET MISSED');
process.exitCode = ok ? 0 : 1;
