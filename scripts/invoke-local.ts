/**
 * Run the Lambda handler on this machine with one event file, against the configured store:
 *
 *   npx tsx scripts/invoke-local.ts [EVENT_FILE] [--config FILE] [--timeout SECONDS]
 *
 * EVENT_FILE defaults to examples/events/all.json. The config is found as the function finds it
 * (--config, else LIFE_STATS_CONFIG, else a search from the working directory) and the LIFE_STATS_*
 * and AWS_* environment overrides apply, so the same command runs against the local SQLite file or
 * against the deployed tables and parameters. Logs and EMF metrics are printed as the function
 * prints them (JSON lines on stdout), then the summary the function returns.
 *
 * Exit status: 0 every pair ok, skipped or deferred; 1 a pair failed or needs reconnecting; 2 the
 * invocation itself failed (bad event, config or selection).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const OPTIONS = {
  config: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const parse = () => parseArgs({ options: OPTIONS, allowPositionals: true });

const USAGE = 'usage: npx tsx scripts/invoke-local.ts [EVENT_FILE] [--config FILE] [--timeout SECONDS]';

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length > 1) {
    console.error(`one event file at most\n${USAGE}`);
    return 2;
  }
  const timeoutSeconds = Number(args.values.timeout ?? 900);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 900) {
    console.error(`--timeout must be a number of seconds between 1 and 900 (Lambda's maximum)\n${USAGE}`);
    return 2;
  }
  const eventFile = resolve(
    args.positionals[0] ?? fileURLToPath(new URL('../examples/events/all.json', import.meta.url)),
  );
  let event: unknown;
  try {
    event = JSON.parse(await readFile(eventFile, 'utf8'));
  } catch (error) {
    console.error(`cannot read the event ${eventFile}: ${(error as Error).message}`);
    return 2;
  }
  if (args.values.config) process.env.LIFE_STATS_CONFIG = resolve(args.values.config);

  const { handler } = await import('@life-stats/core/lambda');
  const { summaryNeedsAttention } = await import('@life-stats/core');
  const deadline = Date.now() + timeoutSeconds * 1000;
  const context = {
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    functionName: 'life-stats-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:life-stats-local',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
  };
  try {
    const summary = await handler(event as Record<string, unknown>, context);
    console.log(JSON.stringify(summary, null, 2));
    return summaryNeedsAttention(summary) ? 1 : 0;
  } catch (error) {
    // The handler has logged the error as a JSON line; say it once more for a person.
    const { formatError } = await import('@life-stats/core');
    console.error(`invocation failed: ${formatError(error)}`);
    return 2;
  }
}

process.exitCode = await main();
