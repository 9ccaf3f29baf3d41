/**
 * When a pair runs next, from its EventBridge schedule expression: `rate(N unit)` counts from the
 * last run, `cron(min hour day-of-month month day-of-week year)` is matched minute by minute in UTC.
 */

/** The next run of a schedule, or why it cannot be told. */
export interface NextRun {
  /** ISO 8601, when known. */
  next?: string;
  /** Why `next` is absent (`never run`, `unsupported cron`…). */
  note?: string;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** How far ahead a cron is searched: two years covers every expression without a year list. */
const SEARCH_DAYS = 2 * 366;

/**
 * The next scheduled run of `schedule` after `now`.
 * A `rate` needs the pair's `last_run_time`; a `cron` needs only the clock.
 */
export function nextScheduledRun(schedule: string, lastRunTime: string | undefined, now: Date): NextRun {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(schedule.trim());
  if (rate) {
    if (lastRunTime === undefined) return { note: 'never run' };
    const last = Date.parse(lastRunTime);
    if (Number.isNaN(last)) return { note: 'unreadable last run time' };
    const unit = UNIT_MS[(rate[2] ?? '').replace(/s$/, '')] ?? UNIT_MS.day ?? 0;
    const next = last + Number(rate[1]) * unit;
    return { next: new Date(Math.max(next, now.getTime())).toISOString() };
  }
  const cron = /^cron\((.*)\)$/.exec(schedule.trim());
  if (cron) {
    const next = nextCronMinute(cron[1] ?? '', now);
    return next ? { next: next.toISOString() } : { note: 'cron (not computable)' };
  }
  return { note: 'unknown schedule' };
}

/** A field as the set of values it allows, or undefined when it uses syntax not handled here (L, W, #). */
function parseField(text: string, min: number, max: number, names: string[] = [], offset = 0): Set<number> | undefined {
  const out = new Set<number>();
  const value = (token: string): number | undefined => {
    const named = names.indexOf(token.toUpperCase());
    if (named >= 0) return named + offset;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let lo: number | undefined;
    let hi: number | undefined;
    if (range === '*' || range === '?') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [value(a), value(b)];
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo === undefined || hi === undefined || lo < min || hi > max || lo > hi) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** The first whole UTC minute after `now` matching the six EventBridge cron fields, if any. */
function nextCronMinute(expression: string, now: Date): Date | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minF = '', hourF = '', domF = '', monthF = '', dowF = '', yearF = ''] = fields;
  const minutes = parseField(minF, 0, 59);
  const hours = parseField(hourF, 0, 23);
  const doms = parseField(domF, 1, 31);
  const months = parseField(monthF, 1, 12, MONTHS, 1);
  // EventBridge numbers days of the week 1 (Sunday) to 7 (Saturday).
  const dows = parseField(dowF, 1, 7, DAYS, 1);
  const years = parseField(yearF, 1970, 2199);
  if (!minutes || !hours || !doms || !months || !dows || !years) return undefined;
  const domAny = domF === '?' || domF === '*';
  const dowAny = dowF === '?' || dowF === '*';

  const start = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  for (let day = 0; day <= SEARCH_DAYS; day++) {
    const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + day));
    if (!years.has(d.getUTCFullYear()) || !months.has(d.getUTCMonth() + 1)) continue;
    const domOk = doms.has(d.getUTCDate());
    const dowOk = dows.has(d.getUTCDay() + 1);
    if (!(domAny ? dowOk : dowAny ? domOk : domOk && dowOk)) continue;
    for (const h of [...hours].sort((a, b) => a - b)) {
      for (const m of [...minutes].sort((a, b) => a - b)) {
        const t = new Date(d.getTime() + h * 3_600_000 + m * 60_000);
        if (t >= start) return t;
      }
    }
  }
  return undefined;
}
