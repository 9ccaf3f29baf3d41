/**
 * `readZonesThroughProcess` (the Lambda's cold start without ICU's start-up): local dates and UTC
 * offsets read through `process.env.TZ` are the ones `Intl.DateTimeFormat` gives — for every
 * canonical zone, at instants spread over 1970–2100 and hour by hour around each of 2026's
 * transitions — no formatter is created while it reads, and the process's `TZ` is left as it was.
 * This file's process is its own (vitest's forks pool), so changing `TZ` here disturbs no other test.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the module: no formatter made, nothing read through the process yet. */
async function freshDates(): Promise<typeof import('../../src/util/dates.js')> {
  vi.resetModules();
  return import('../../src/util/dates.js');
}

const IntlDateTimeFormat = Intl.DateTimeFormat;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const formats = new Map<string, Intl.DateTimeFormat>();

/** What the formatter path computes: the reference. */
function reference(instant: Date, timeZone: string): { date: string; offset: number } {
  const parts: Record<string, number> = {};
  const format =
    formats.get(timeZone) ??
    new IntlDateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  formats.set(timeZone, format);
  for (const p of format.formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const p = (k: string) => parts[k] ?? 0;
  const asUtc = Date.UTC(p('year'), p('month') - 1, p('day'), p('hour'), p('minute'), p('second'));
  const date = `${String(p('year')).padStart(4, '0')}-${String(p('month')).padStart(2, '0')}-${String(p('day')).padStart(2, '0')}`;
  return { date, offset: Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000) };
}

/** Deterministic instants from 1970 to 2100. */
function spread(count: number, seed: number): Date[] {
  const from = Date.UTC(1970, 0, 1);
  const span = Date.UTC(2100, 0, 1) - from;
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return new Date(from + Math.floor((x / 2 ** 31) * span));
  });
}

/** Every hour within a day of each change of the zone's offset in 2026 (found day by day). */
function aroundTransitions(timeZone: string): Date[] {
  const instants: Date[] = [];
  const start = Date.UTC(2026, 0, 1);
  let previous = reference(new Date(start), timeZone).offset;
  for (let t = start + DAY; t < Date.UTC(2027, 0, 1); t += DAY) {
    const offset = reference(new Date(t), timeZone).offset;
    if (offset !== previous) for (let h = -48; h <= 24; h++) instants.push(new Date(t + h * HOUR + 59_999));
    previous = offset;
  }
  return instants;
}

/** Count the formatters created from now on (the module looks `Intl.DateTimeFormat` up at each use). */
function countFormatters(): { count: number } {
  const counter = { count: 0 };
  Intl.DateTimeFormat = class extends IntlDateTimeFormat {
    constructor(...args: ConstructorParameters<typeof IntlDateTimeFormat>) {
      super(...args);
      counter.count++;
    }
  } as typeof Intl.DateTimeFormat;
  return counter;
}

afterEach(() => {
  Intl.DateTimeFormat = IntlDateTimeFormat;
  vi.restoreAllMocks();
});

describe('reading zones through the process time zone', () => {
  it('agrees with Intl.DateTimeFormat for every canonical zone, across DST transitions', async () => {
    const { localDate, readZonesThroughProcess, zoneOffsetMinutes } = await freshDates();
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    const saved = process.env.TZ;
    let compared = 0;
    let transitions = 0;
    const mismatches: string[] = [];
    for (const [i, zone] of zones.entries()) {
      const around = aroundTransitions(zone);
      transitions += around.length;
      const instants = [...spread(60, i + 1), ...around];
      readZonesThroughProcess(instants.length * 2);
      for (const instant of instants) {
        const expected = reference(instant, zone);
        const actual = { date: localDate(instant, zone), offset: zoneOffsetMinutes(instant, zone) };
        compared++;
        if (actual.date !== expected.date || actual.offset !== expected.offset) {
          mismatches.push(`${zone} ${instant.toISOString()}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // Europe/Berlin alone changes twice a year: the transitions were really visited.
    expect(transitions).toBeGreaterThan(100 * 73);
    expect(compared).toBeGreaterThan(zones.length * 60);
    expect(process.env.TZ).toBe(saved);
  });

  it('creates no Intl.DateTimeFormat while it reads, and restores the process TZ (Lambda sets ":UTC")', async () => {
    const { localDate, readZonesThroughProcess, startOfLocalDay, zoneOffsetMinutes } = await freshDates();
    const saved = process.env.TZ;
    process.env.TZ = ':UTC';
    try {
      const created = countFormatters();
      readZonesThroughProcess();
      const instant = new Date('2026-03-29T00:30:00Z'); // 01:30 in Berlin, half an hour before DST starts
      expect(localDate(instant, 'Europe/Berlin')).toBe('2026-03-29');
      expect(zoneOffsetMinutes(instant, 'Europe/Berlin')).toBe(60);
      expect(zoneOffsetMinutes(new Date('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe(120);
      expect(localDate(new Date('2026-12-04T04:00:00Z'), 'America/Los_Angeles')).toBe('2026-12-03');
      expect(startOfLocalDay('2026-10-25', 'Europe/Berlin').toISOString()).toBe('2026-10-24T22:00:00.000Z');
      expect(localDate(new Date('2026-12-31T23:59:59Z'), 'UTC')).toBe('2026-12-31');
      expect(created.count).toBe(0);
      expect(process.env.TZ).toBe(':UTC');
      expect(new Date('2026-07-01T12:00:00Z').getHours()).toBe(12);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('leaves other spellings, aliases and names with digits to the formatter, which checks them', async () => {
    const { localDate, readZonesThroughProcess, zoneOffsetMinutes } = await freshDates();
    readZonesThroughProcess();
    const created = countFormatters();
    const instant = new Date('2026-01-15T12:00:00Z');
    // ICU's host-zone rules would take these for something else; the formatter reads them right.
    expect(zoneOffsetMinutes(instant, 'Etc/GMT+5')).toBe(-300);
    expect(zoneOffsetMinutes(instant, 'europe/berlin')).toBe(60);
    expect(created.count).toBe(2);
    expect(() => localDate(instant, 'Mars/Olympus')).toThrow(RangeError);
  });

  it('takes the zones checked at build time without listing every zone', async () => {
    const { localDate, processReadableZones, readZonesThroughProcess, zoneOffsetMinutes } = await freshDates();
    const listed = vi.spyOn(Intl, 'supportedValuesOf');
    expect(processReadableZones(['Europe/Berlin', 'europe/berlin', 'Etc/GMT+5', 'Asia/Tokyo', 'UTC'])).toEqual([
      'Asia/Tokyo',
      'Europe/Berlin',
    ]);
    listed.mockClear();
    const created = countFormatters();
    readZonesThroughProcess(undefined, ['Asia/Tokyo', 'Europe/Berlin']);
    expect(localDate(new Date('2026-12-04T15:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-05');
    expect(zoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(120);
    expect(listed).not.toHaveBeenCalled();
    expect(created.count).toBe(0);
    // A zone the build did not check goes to the formatter.
    expect(zoneOffsetMinutes(new Date('2026-07-01T00:00:00Z'), 'America/New_York')).toBe(-240);
    expect(created.count).toBe(1);
  });
});
