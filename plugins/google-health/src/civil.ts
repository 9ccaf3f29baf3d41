import type { DateWindow } from '@life-stats/core/plugin';

/** What a read needs besides the session. */
export interface HealthReadOptions {
  pluginId: string;
  /** `apiRootUrl`, ending in `/`. */
  apiRootUrl: string;
  window: DateWindow;
  signal: AbortSignal;
}

/** `google.type.Date`. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** `CivilDateTime`: a date and an optional time of day, with no zone (the user's own clock). */
export interface CivilDateTime {
  date?: Partial<CivilDate> | null;
  time?: Record<string, number | null> | null;
}

/**
 * `2026-11-01` → `{ year: 2026, month: 11, day: 1 }`: numbers, never `"01"` — the API refuses
 * leading zeros ("Octal/hex numbers are not valid JSON values", developers.google.com/health/troubleshooting).
 */
export function civilDate(date: string): CivilDate {
  const [year, month, day] = date.split('-').map(Number);
  return { year: year ?? 0, month: month ?? 0, day: day ?? 0 };
}

/** `{ year, month, day }` → `YYYY-MM-DD`, or `undefined` for a partial or missing date. */
export function formatCivilDate(date: Partial<CivilDate> | null | undefined): string | undefined {
  if (!date?.year || !date.month || !date.day) return undefined;
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** A JSON number or an int64 string as a number; `undefined` when absent. NaN when present but not numeric. */
export function readNumber(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') return Number(raw);
  return Number.NaN;
}
