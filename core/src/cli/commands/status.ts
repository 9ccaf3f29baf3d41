import { buildStatus, needsAttention, STATUS_WINDOW_DAYS } from '../../report/status.js';
import { type CommandContext, type GlobalOptions, loadCliConfig, withStores } from '../context.js';
import { formatTable } from '../format-table.js';

interface StatusFlags extends GlobalOptions {
  json?: boolean;
}

const HEADERS = ['user', 'metric', 'last run', 'status', 'missing', 'next run', 'error'] as const;

/**
 * `status`: per user × metric, the last run, its status and error, days missing in the last 30,
 * and the next scheduled run. Exit 1 when a pair failed or needs reconnecting.
 */
export async function executeStatus(
  ctx: CommandContext,
  flags: StatusFlags,
  now: () => Date = () => new Date(),
): Promise<number> {
  const config = await loadCliConfig(ctx.io, flags);
  const entries = await withStores(config, ({ storage }) => buildStatus({ config, storage, now: now() }));
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ status: entries }, null, 2)}\n`);
  } else if (entries.length === 0) {
    ctx.io.stdout.write('No users or metrics yet. Add users and plugins to the config, then run `life-stats run`.\n');
  } else {
    const cells = entries.map((e) => [
      e.user,
      e.metric,
      e.last_run_time ?? '-',
      e.last_status,
      `${e.missing_days}/${STATUS_WINDOW_DAYS}`,
      e.next_run ?? e.next_run_note ?? '-',
      e.last_error ? oneLine(e.last_error) : '',
    ]);
    ctx.io.stdout.write(formatTable(HEADERS, cells));
  }
  const attention = needsAttention(entries);
  if (attention && !flags.json) {
    ctx.io.stderr.write(
      'Some pairs need attention: `failed` — see the error and rerun; `reconnect` — run `life-stats auth <plugin>`.\n',
    );
  }
  return attention ? 1 : 0;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
