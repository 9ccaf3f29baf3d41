/**
 * Local calendar dates (`YYYY-MM-DD`) and time zones, with nothing but `Intl`.
 * Calendar arithmetic is done on dates, never on instants, so DST cannot shift a day.
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** The first date life-stats handles: four-digit years only, and no year 0. */
export const FIRST_DATE = '0001-01-01';
/** The last date life-stats handles. */
export const LAST_DATE = '9999-12-31';

/**
 * The most days any day count may span — `backfillDays`, a plugin's `settleDays` and
 * `maxDaysPerFetch`, a `backfill --from … --to …` window: 100 years (36,525 days). More cannot be
 * meant, and the window arithmetic of a larger count leaves the calendar life-stats handles.
 */
export const MAX_DAY_COUNT = 36_525;

/**
 * Is `text` a real calendar date `YYYY-MM-DD` (no 2026-02-30) from {@link FIRST_DATE} to
 * {@link LAST_DATE}?
 */
export function isValidDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1) return false;
  // Not `Date.UTC(y, …)`: it reads the years 0–99 as 1900–1999.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function toUtcMs(date: string): number {
  if (!isValidDate(date)) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`);
}

const FIRST_MS = Date.parse(`${FIRST_DATE}T00:00:00Z`);
const LAST_MS = Date.parse(`${LAST_DATE}T00:00:00Z`);

function fromUtcMs(ms: number): string {
  // Past 9999 `toISOString` writes six-digit years (`+010000-01-01`), which would compare as less
  // than every date and turn a loop over dates into an endless one.
  if (!(ms >= FIRST_MS && ms <= LAST_MS)) {
    throw new RangeError(`the date is outside ${FIRST_DATE}..${LAST_DATE}, the calendar life-stats handles`);
  }
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days (negative goes back). */
export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * DAY_MS);
}

/** Whole calendar days from `a` to `b` (`b - a`). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / DAY_MS);
}

/** Every date from `start` to `end`, inclusive. */
export function eachDate(start: string, end: string): string[] {
  const out: string[] = [];
  const days = daysBetween(start, end);
  for (let i = 0; i <= days; i++) out.push(addDays(start, i));
  return out;
}

/** Split an inclusive window into consecutive windows of at most `size` days. */
export function chunkWindow(window: { start: string; end: string }, size: number): { start: string; end: string }[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: { start: string; end: string }[] = [];
  // Counted in days rather than by adding `size` to a date, so a chunk size of any magnitude
  // (one chunk for the whole window) never steps past the last date of the calendar.
  const days = daysBetween(window.start, window.end) + 1;
  for (let offset = 0; offset < days; offset += size) {
    chunks.push({
      start: addDays(window.start, offset),
      end: addDays(window.start, Math.min(offset + size, days) - 1),
    });
  }
  return chunks;
}

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatterCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatterCache.set(timeZone, f);
  }
  return f;
}

/**
 * Read zones through the process's own time zone (see {@link readZonesThroughProcess}): the
 * canonical zone names, once asked for, and how many reads are left.
 */
let throughProcess: { zones?: ReadonlySet<string>; left: number } | undefined;

/** Reads through the process's time zone before the formatter becomes the cheaper way. */
const PROCESS_ZONE_READS = 1000;
/** Instants read through the process's time zone: 1970 to 2100, where both ways agree by test. */
const PROCESS_ZONE_FROM = Date.UTC(1970, 0, 1);
const PROCESS_ZONE_TO = Date.UTC(2100, 0, 1);
/**
 * `Area/Location` names only: ICU takes a `TZ` with a digit or comma for a POSIX rule
 * (`Etc/GMT+5`, `EST5EDT`) and checks a 3–4 letter one against the C library's tables.
 */
const AREA_LOCATION = /^[A-Za-z_-]+(?:\/[A-Za-z_-]+)+$/;

/**
 * Let a short-lived process skip ICU's start-up cost (the Lambda handler calls this): the first
 * `Intl.DateTimeFormat` of a process costs ~10 ms whatever its zone (V8 builds its table of
 * available locales), more than anything else a cold Lambda does between its AWS calls. From now
 * on, a canonical `Area/Location` zone (`Intl.supportedValuesOf('timeZone')`, exact spelling;
 * 1.7 ms to list, or `zones`: the ones {@link processReadableZones} kept) is read by setting `process.env.TZ` — which Node applies at once — reading the
 * `Date`'s local fields and restoring it, all synchronously: the same ICU zone data `Intl` uses
 * (V8's local time is ICU's), ~14 µs a read instead of ~5 µs. After `reads` reads (default 1,000:
 * 10 ms more at worst), or once a formatter exists, the formatter is used again. `UTC` needs
 * neither. Other names — with digits, aliases, other spellings — keep the formatter, which also
 * rejects an unknown zone as before. Only for a process with no other thread reading local time
 * meanwhile: a process's time zone is shared by its threads.
 */
export function readZonesThroughProcess(reads = PROCESS_ZONE_READS, zones?: readonly string[]): void {
  throughProcess = {
    ...throughProcess,
    ...(zones ? { zones: new Set(zones.filter((name) => AREA_LOCATION.test(name))) } : {}),
    left: reads,
  };
}

/**
 * The names among `names` that {@link readZonesThroughProcess} may read through the process's
 * time zone: canonical `Area/Location` zones, exactly spelled. A bundle checks its config's zones
 * when it is built and passes them, so its cold start need not list every zone (1.7 ms).
 */
export function processReadableZones(names: Iterable<string>): string[] {
  const canonical = new Set(Intl.supportedValuesOf('timeZone'));
  return [...new Set(names)].filter((name) => canonical.has(name) && AREA_LOCATION.test(name)).sort();
}

function processZoneParts(instant: Date, timeZone: string): Record<string, number> | undefined {
  if (!throughProcess || throughProcess.left <= 0 || formatterCache.size > 0) return undefined;
  const time = instant.getTime();
  if (!(time >= PROCESS_ZONE_FROM && time < PROCESS_ZONE_TO)) return undefined;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    return {
      year: instant.getUTCFullYear(),
      month: instant.getUTCMonth() + 1,
      day: instant.getUTCDate(),
      hour: instant.getUTCHours(),
      minute: instant.getUTCMinutes(),
      second: instant.getUTCSeconds(),
    };
  }
  // Without the zones a build checked, the runtime's list, which config validation has read already.
  const known = throughProcess.zones ? throughProcess.zones.has(timeZone) : canonicalZones().has(timeZone);
  if (!known || !AREA_LOCATION.test(timeZone)) return undefined;
  throughProcess.left--;
  const saved = process.env.TZ;
  process.env.TZ = timeZone;
  try {
    return {
      year: instant.getFullYear(),
      month: instant.getMonth() + 1,
      day: instant.getDate(),
      hour: instant.getHours(),
      minute: instant.getMinutes(),
      second: instant.getSeconds(),
    };
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

function zonedParts(instant: Date, timeZone: string): Record<string, number> {
  const fast = processZoneParts(instant, timeZone);
  if (fast) return fast;
  const out: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/** The local calendar date of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (New York in winter: -300). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((asUtc - whole) / 60_000);
}

/**
 * The instant a local date begins in `timeZone` (its local midnight, or the first instant after a
 * midnight skipped by DST). A local day is `[startOfLocalDay(d), startOfLocalDay(d + 1))`: 23, 24 or 25 hours.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const midnightUtc = toUtcMs(date);
  // Two passes converge for every real zone: the offset at the guess, then at the corrected instant.
  let guess = midnightUtc - zoneOffsetMinutes(new Date(midnightUtc), timeZone) * 60_000;
  guess = midnightUtc - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  if (localDate(new Date(guess), timeZone) !== date) {
    // Midnight does not exist that day (DST at 00:00): walk forward to the first instant of it.
    let t = guess;
    while (localDate(new Date(t), timeZone) < date) t += 15 * 60_000;
    guess = t;
  }
  return new Date(guess);
}

let zones: ReadonlySet<string> | undefined;

/** `Intl.supportedValuesOf('timeZone')`: the canonical IANA names this runtime knows. */
function canonicalZones(): ReadonlySet<string> {
  zones ??= new Set(Intl.supportedValuesOf('timeZone'));
  return zones;
}

/**
 * Take `names` as what `Intl.supportedValuesOf('timeZone')` returns in this runtime, which then is
 * not asked (~2 ms at a process's start): the list config/zone-list.ts kept in the user's cache,
 * keyed by the runtime's Node, ICU and time-zone data versions.
 */
export function useTimeZoneList(names: readonly string[]): void {
  zones = new Set(names);
}

/** Is `name` an IANA time zone this runtime knows (`UTC`, `Europe/Berlin`)? */
export function isValidTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  // A canonical name in the runtime's own list is one its formatters accept; checking the list
  // spares `life-stats validate` the first formatter's ICU set-up (~10 ms). Anything else (an
  // alias, another spelling, an unknown zone) is decided by a formatter, as before.
  if (canonicalZones().has(name)) return true;
  try {
    // The cached formatter, not a new one: a config with 10,000 users checks the same few zones
    // 10,000 times, and each new Intl.DateTimeFormat costs ~0.4 ms and ~15 KB of native memory.
    partsFormatter(name);
    return true;
  } catch {
    return false;
  }
}
