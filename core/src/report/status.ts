import type { LoadedConfig } from '../config/types.js';
import type { Storage } from '../storage/types.js';
import { addDays, localDate } from '../util/dates.js';
import { nextScheduledRun } from './next-run.js';

/** Days counted back (today included) for `missing_days`. */
export const STATUS_WINDOW_DAYS = 30;

/** One line of `life-stats status`: the health of one user × metric. */
export interface StatusEntry {
  user: string;
  metric: string;
  /** Plugin id of the enabled entry writing this metric, when the config has one. */
  plugin?: string;
  schedule?: string;
  /** ISO 8601 start of the last fully written run. */
  last_run_time?: string;
  /** The cursor row's status, or `never` when the store has no cursor row. */
  last_status: string;
  last_error?: string;
  /** Local days of the last 30 (today included, in the user's zone) with no stored value. */
  missing_days: number;
  /** ISO 8601, when the schedule tells it. */
  next_run?: string;
  /** Why `next_run` is absent. */
  next_run_note?: string;
}

/** Statuses that need a person: `status` exits 1 when any pair has one. */
const ATTENTION_STATUSES: readonly string[] = ['failed', 'reconnect'];

/**
 * The health of every user × metric known to the store (cursor rows, recent metric rows) or to the
 * config (enabled entries × users). Uses only the `Storage` interface, so it works on every adapter.
 */
export async function buildStatus(options: {
  config: LoadedConfig;
  storage: Storage;
  now: Date;
}): Promise<StatusEntry[]> {
  const { config, storage, now } = options;
  const zoneOf = (user: string) => config.users.find((u) => u.id === user)?.timezone ?? config.timezone;
  const key = (user: string, metric: string) => JSON.stringify([user, metric]);
  const pairs = new Map<string, { user: string; metric: string }>();
  const add = (user: string, metric: string) => {
    if (!pairs.has(key(user, metric))) pairs.set(key(user, metric), { user, metric });
  };

  const entries = config.plugins.filter((e) => e.enabled && e.metric !== undefined);
  for (const user of config.users) for (const entry of entries) add(user.id, entry.metric);
  const cursors = await storage.listCursors();
  for (const cursor of cursors) add(cursor.user_id, cursor.metric_type);

  // One query over the widest window any zone needs, then count per pair in that pair's own window.
  const windows = new Map<string, { from: string; to: string }>();
  const windowOf = (user: string) => {
    let w = windows.get(user);
    if (!w) {
      const to = localDate(now, zoneOf(user));
      w = { from: addDays(to, -(STATUS_WINDOW_DAYS - 1)), to };
      windows.set(user, w);
    }
    return w;
  };
  const today = localDate(now, 'UTC');
  const rows = await storage.queryMetrics({ from: addDays(today, -STATUS_WINDOW_DAYS), to: addDays(today, 1) });
  const present = new Map<string, Set<string>>();
  for (const row of rows) {
    const w = windowOf(row.user_id);
    if (row.date < w.from || row.date > w.to) continue;
    add(row.user_id, row.metric_type);
    const k = key(row.user_id, row.metric_type);
    const dates = present.get(k) ?? new Set<string>();
    present.set(k, dates);
    dates.add(row.date);
  }

  const out: StatusEntry[] = [];
  for (const { user, metric } of pairs.values()) {
    const cursor = cursors.find((r) => r.user_id === user && r.metric_type === metric);
    const entry = entries.find((e) => e.metric === metric);
    windowOf(user);
    const status: StatusEntry = {
      user,
      metric,
      ...(entry?.loaded ? { plugin: entry.loaded.plugin.id } : {}),
      ...(entry ? { schedule: entry.schedule } : {}),
      ...(cursor?.last_run_time ? { last_run_time: cursor.last_run_time } : {}),
      last_status: cursor?.last_status ?? 'never',
      ...(cursor?.last_error ? { last_error: cursor.last_error } : {}),
      missing_days: STATUS_WINDOW_DAYS - (present.get(key(user, metric))?.size ?? 0),
    };
    if (entry) {
      const next = nextScheduledRun(entry.schedule, cursor?.last_run_time, now);
      if (next.next) status.next_run = next.next;
      if (next.note) status.next_run_note = next.note;
    } else {
      status.next_run_note = 'not in the config';
    }
    out.push(status);
  }
  return out.sort((a, b) => (a.user === b.user ? a.metric.localeCompare(b.metric) : a.user.localeCompare(b.user)));
}

/** Does any pair need a person (failed, reconnect)? */
export function needsAttention(entries: readonly StatusEntry[]): boolean {
  return entries.some((e) => ATTENTION_STATUSES.includes(e.last_status));
}
