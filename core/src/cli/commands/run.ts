import { selectEntries } from '../../run/plan-pairs.js';
import { runPairs } from '../../run/run-pairs.js';
import { type RunMode, type RunSummary, summaryNeedsAttention } from '../../run/types.js';
import { MAX_DAY_COUNT } from '../../util/dates.js';
import {
  type CommandContext,
  checkUserFlag,
  type GlobalOptions,
  loadCliConfig,
  parseDateRange,
  withStores,
} from '../context.js';
import { formatTable } from '../format-table.js';
import { createProgress } from '../progress.js';

interface RunFlags extends GlobalOptions {
  metric?: string;
  user?: string;
  json?: boolean;
  from?: string;
  to?: string;
  concurrency?: number;
}

function printSummary(ctx: CommandContext, summary: RunSummary, json: boolean): void {
  if (json) {
    ctx.io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  if (summary.runs.length === 0) {
    ctx.io.stdout.write('Nothing to run: no enabled plugin entry has a user.\n');
    return;
  }
  const rows = summary.runs.map((pair) => [
    pair.user,
    pair.metric,
    pair.plugin,
    pair.status,
    pair.window ? `${pair.window.start}..${pair.window.end}` : '',
    pair.items ?? '',
    pair.error ?? pair.hint ?? '',
  ]);
  ctx.io.stdout.write(formatTable(['user', 'metric', 'plugin', 'status', 'window', 'items', 'note'], rows));
}

/** `run` and `backfill`: the same engine; backfill has an explicit window and never moves the cursor. */
export async function executeRun(ctx: CommandContext, flags: RunFlags, mode: RunMode): Promise<number> {
  const range = mode === 'backfill' ? parseDateRange(flags.from, flags.to, MAX_DAY_COUNT) : {};
  checkUserFlag(flags.user);
  const config = await loadCliConfig(ctx.io, flags);
  // A metric that selects nothing is a usage error before any store is opened.
  selectEntries(config, flags.metric);
  const json = flags.json === true;
  const progress = createProgress(
    ctx.io,
    mode === 'backfill' ? 'backfill' : 'run',
    !json && ctx.io.stderr.isTTY === true,
  );
  ctx.setBeforeLog(() => progress.clear());
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSigint);
  try {
    const summary = await withStores(config, ({ storage, secrets }) =>
      runPairs({
        config,
        storage,
        secrets,
        logger: ctx.logger,
        redactor: ctx.redactor,
        mode,
        ...(mode === 'backfill' ? { window: { start: range.from as string, end: range.to as string } } : {}),
        metric: flags.metric,
        user: flags.user,
        signal: controller.signal,
        ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
        onPlanned: (total) => progress.start(total),
        onPairDone: (r, done, total) => progress.tick(done, total, `${r.user}/${r.metric} ${r.status}`),
      }),
    );
    progress.clear();
    printSummary(ctx, summary, json);
    return summaryNeedsAttention(summary) ? 1 : 0;
  } finally {
    progress.clear();
    ctx.setBeforeLog(undefined);
    process.removeListener('SIGINT', onSigint);
  }
}
