/**
 * The fan-out planner alone in a fresh Node process, so its peak RSS is the planner's (plus Node,
 * tsx and the modules), not the benchmark's: `node --import tsx fan-out-planner-child.ts <json>`
 * with `{ dir, providerUrl, dbPath, prefix, queueUrl }`; the AWS endpoints come from the
 * environment. Prints one line `RESULT <json>`.
 */
import { performance } from 'node:perf_hooks';
import { createHandler } from '@life-stats/core/lambda';
import { fanOutConfig } from './fan-out-config.js';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  dir: string;
  providerUrl: string;
  dbPath: string;
  prefix: string;
  queueUrl: string;
};
process.env.LIFE_STATS_QUEUE_URL = options.queueUrl;
const config = fanOutConfig(options);
const handler = createHandler({ loadConfig: async () => config });
const rssBeforeMb = process.resourceUsage().maxRSS / 1024;
const startedAt = Date.now();
const cpu0 = process.cpuUsage();
const started = performance.now();
const result = (await handler({}, { getRemainingTimeInMillis: () => 900_000 })) as { enqueued?: number };
const wallMs = performance.now() - started;
console.log(
  `RESULT ${JSON.stringify({
    enqueued: result.enqueued,
    wallMs,
    startedAt,
    cpuMs: ((cpu) => (cpu.user + cpu.system) / 1000)(process.cpuUsage(cpu0)),
    rssBeforeMb,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
  })}`,
);
