/**
 * The measured process of the memory benchmark: `life-stats run --config <file>` through the built
 * CLI (`core/dist`, what `life-stats` runs for a user: no tsx, no TypeScript transform), in a fresh
 * Node process, then its peak resident set size.
 *
 *   node bench/support/memory-child.mjs <config> <result.json>
 *
 * Writes `{ exitCode, wallMs, cpuMs, maxRssKB, peakHeapUsed, peakExternal }` to `<result.json>`
 * (`cpuMs`: user + system CPU time of the whole process, all threads).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { main, processIO } from '@life-stats/core/cli';

const [config, out] = process.argv.slice(2);
if (!config || !out) throw new Error('usage: memory-child.mjs <config> <result.json>');

let peakHeapUsed = 0;
let peakExternal = 0;
const sample = () => {
  const usage = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
  peakExternal = Math.max(peakExternal, usage.external + usage.arrayBuffers);
};
const sampler = setInterval(sample, 25);
sampler.unref();

const started = performance.now();
const exitCode = await main(['run', '--config', config], processIO());
const wallMs = performance.now() - started;
clearInterval(sampler);
sample();
const usage = process.resourceUsage();
const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
writeFileSync(out, JSON.stringify({ exitCode, wallMs, cpuMs, maxRssKB: usage.maxRSS, peakHeapUsed, peakExternal }));
