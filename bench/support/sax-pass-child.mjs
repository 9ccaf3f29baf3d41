/**
 * The floor of the Apple Health benchmark: one bare saxes pass over an export.xml, read the way the
 * plugin reads it (a UTF-8 stream in 1 MiB chunks, the same parser options), with a handler that
 * only counts elements. Run in a fresh Node process so its peak RSS is its own.
 *
 *   node bench/support/sax-pass-child.mjs <export.xml> <result.json>
 *
 * Writes `{ wallMs, cpuMs, elements, maxRssKB }` to `<result.json>`.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

// saxes is the plugin's dependency: resolve it from the plugin's package.
const require = createRequire(new URL('../../plugins/apple-health/package.json', import.meta.url));
const { SaxesParser } = await import(require.resolve('saxes'));

const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error('usage: sax-pass-child.mjs <export.xml> <result.json>');

const started = performance.now();
const parser = new SaxesParser();
let elements = 0;
parser.on('opentag', () => {
  elements++;
});
for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) parser.write(chunk);
parser.close();
const wallMs = performance.now() - started;
const usage = process.resourceUsage();
const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
writeFileSync(out, JSON.stringify({ wallMs, cpuMs, elements, maxRssKB: usage.maxRSS }));
