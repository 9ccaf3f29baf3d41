import { zoneOffsetMinutes } from '@life-stats/core/plugin';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const SLEEP_SHIFT_MS = 6 * HOUR_MS;

/**
 * Local calendar days of one IANA zone as day numbers (days since 1970-01-01 of the local
 * calendar), fast enough for millions of samples: the zone's offset is looked up once per UTC hour
 * and cached. An hour whose two ends have different offsets holds a transition (DST, a zone
 * change; real transitions fall on quarter hours, never twice in an hour) and is computed exactly.
 */
export interface LocalDays {
  /** The local day number of `instantMs`. */
  dayOf(instantMs: number): number;
  /** The local day a sleep sample starting at `instantMs` belongs to: that of local start + 6 h. */
  sleepDayOf(instantMs: number): number;
}

/** Day number → `YYYY-MM-DD`. */
export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Local days of `timeZone` (a name core has validated). */
export function createLocalDays(timeZone: string): LocalDays {
  // Hour index → offset in ms, or NaN for an hour holding a transition.
  const byHour = new Map<number, number>();
  const exact = (ms: number) => zoneOffsetMinutes(new Date(ms), timeZone) * 60_000;

  function offsetAt(instantMs: number): number {
    const hour = Math.floor(instantMs / HOUR_MS);
    let offset = byHour.get(hour);
    if (offset === undefined) {
      const atStart = exact(hour * HOUR_MS);
      offset = exact((hour + 1) * HOUR_MS - 1000) === atStart ? atStart : Number.NaN;
      byHour.set(hour, offset);
    }
    return Number.isNaN(offset) ? exact(instantMs) : offset;
  }

  return {
    dayOf: (instantMs) => Math.floor((instantMs + offsetAt(instantMs)) / DAY_MS),
    sleepDayOf: (instantMs) => Math.floor((instantMs + offsetAt(instantMs) + SLEEP_SHIFT_MS) / DAY_MS),
  };
}
