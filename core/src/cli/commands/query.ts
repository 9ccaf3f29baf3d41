import {
  type CommandContext,
  checkUserFlag,
  type GlobalOptions,
  loadCliConfig,
  parseDateRange,
  withStores,
} from '../context.js';
import { formatCsv, formatTable } from '../format-table.js';

interface QueryFlags extends GlobalOptions {
  metric?: string;
  user?: string;
  from?: string;
  to?: string;
  format: 'table' | 'csv' | 'json';
}

const COLUMNS = ['user_id', 'metric_type', 'date', 'value', 'timestamp', 'source'] as const;

/** `query`: stored rows as a table, CSV, or a JSON array of `{user_id, metric_type, date, value, timestamp, source}`. */
export async function executeQuery(ctx: CommandContext, flags: QueryFlags): Promise<number> {
  const range = parseDateRange(flags.from, flags.to);
  checkUserFlag(flags.user);
  const config = await loadCliConfig(ctx.io, flags, false);
  const rows = await withStores(config, ({ storage }) =>
    storage.queryMetrics({
      ...(flags.user ? { userId: flags.user } : {}),
      ...(flags.metric ? { metricType: flags.metric } : {}),
      ...range,
    }),
  );
  const records = rows.map((r) => Object.fromEntries(COLUMNS.map((c) => [c, r[c]])));
  if (flags.format === 'json') {
    ctx.io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
  } else {
    const cells = rows.map((r) => COLUMNS.map((c) => r[c]));
    if (flags.format === 'csv') ctx.io.stdout.write(formatCsv(COLUMNS, cells));
    else if (rows.length === 0) ctx.io.stdout.write('No rows match. Run `life-stats run` to collect data.\n');
    else ctx.io.stdout.write(formatTable(COLUMNS, cells));
  }
  return 0;
}
