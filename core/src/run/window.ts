import type { DateWindow } from '../plugins/types.js';
import { addDays, localDate } from '../util/dates.js';

export interface WindowInput {
  /** The run's start. */
  now: Date;
  timezone: string;
  /** ISO instant of the last fully written run, if any. */
  lastRunTime?: string | undefined;
  backfillDays: number;
  settleDays: number;
}

/**
 * The window of a scheduled run, in the user's local calendar (DESIGN.md "Run semantics" 1):
 * first run `[today − backfillDays, today]`; later `[min(lastRunDate, today) − settleDays, today]`.
 */
export function computeRunWindow(input: WindowInput): DateWindow {
  const today = localDate(input.now, input.timezone);
  if (!input.lastRunTime) return { start: addDays(today, -input.backfillDays), end: today };
  const last = new Date(input.lastRunTime);
  // An unreadable cursor is treated as none, so the run refetches rather than crashes.
  if (Number.isNaN(last.getTime())) return { start: addDays(today, -input.backfillDays), end: today };
  const lastRunDate = localDate(last, input.timezone);
  const from = lastRunDate < today ? lastRunDate : today;
  return { start: addDays(from, -input.settleDays), end: today };
}
