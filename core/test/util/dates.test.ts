import { describe, expect, it } from 'vitest';
import { addDays, chunkWindow, daysBetween, eachDate, isValidDate, isValidTimeZone } from '../../src/util/dates.js';
import { renderValue } from '../../src/util/render-value.js';
import { escapeControl } from '../../src/util/terminal-text.js';

describe('the calendar life-stats handles: 0001-01-01..9999-12-31', () => {
  it('takes the years 0001–0099 as themselves (not 1900–1999), and refuses year 0', () => {
    expect(isValidDate('0050-02-29')).toBe(false);
    expect(isValidDate('0048-02-29')).toBe(true);
    expect(isValidDate('0001-01-01')).toBe(true);
    expect(isValidDate('0000-12-31')).toBe(false);
    expect(addDays('0001-01-02', -1)).toBe('0001-01-01');
    expect(daysBetween('0099-12-31', '0100-01-01')).toBe(1);
  });

  it('refuses to step past either end instead of writing a six-digit year', () => {
    expect(() => addDays('0001-01-01', -1)).toThrow(/outside 0001-01-01\.\.9999-12-31/);
    expect(() => addDays('9999-12-31', 1)).toThrow(/outside/);
    expect(eachDate('9999-12-30', '9999-12-31')).toEqual(['9999-12-30', '9999-12-31']);
  });

  it('chunks a window with a chunk size of any magnitude, up to the last date', () => {
    expect(chunkWindow({ start: '9999-12-01', end: '9999-12-31' }, Number.MAX_SAFE_INTEGER)).toEqual([
      { start: '9999-12-01', end: '9999-12-31' },
    ]);
    expect(chunkWindow({ start: '2026-01-01', end: '2026-01-05' }, 2)).toEqual([
      { start: '2026-01-01', end: '2026-01-02' },
      { start: '2026-01-03', end: '2026-01-04' },
      { start: '2026-01-05', end: '2026-01-05' },
    ]);
    expect(chunkWindow({ start: '2026-01-05', end: '2026-01-01' }, 2)).toEqual([]);
  });
});

describe('renderValue and escapeControl', () => {
  it('renders what JSON.stringify and String refuse', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(renderValue(5n)).toBe('5n');
    expect(renderValue(loop)).toBe('{"a":1,"self":"[Circular]"}');
    expect(renderValue(Object.create(null))).toBe('{}');
    expect(renderValue(Symbol('s'))).toBe('Symbol(s)');
    expect(renderValue(undefined)).toBe('undefined');
  });

  it('escapes control characters, keeping line breaks unless asked to stay on one line', () => {
    expect(escapeControl('a\u001b[2Jb\u0007\nc\u202e')).toBe('a\\x1b[2Jb\\x07\nc\\u202e');
    expect(escapeControl('a\nb\tc', { oneLine: true })).toBe('a\\nb\\tc');
  });
});

describe('isValidTimeZone', () => {
  it('accepts every zone of the runtime list (the fast check) exactly when a formatter does', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    const refused = zones.filter((zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return !isValidTimeZone(zone);
      } catch {
        return true; // the list named a zone no formatter takes: the fast check would be wrong
      }
    });
    expect(refused).toEqual([]);
  });

  it('decides names outside the list by a formatter: aliases and other spellings in, unknown zones out', () => {
    const listed = new Set(Intl.supportedValuesOf('timeZone'));
    // Which aliases a runtime lists varies with its ICU; a lowercase spelling is never listed.
    const outside = ['US/Eastern', 'Etc/UTC', 'GMT', 'europe/berlin'].filter((name) => !listed.has(name));
    expect(outside).toContain('europe/berlin');
    for (const alias of outside) expect(isValidTimeZone(alias)).toBe(true);
    for (const bad of ['Mars/Olympus_Mons', 'Europe/Berln', '', 'Europe/../UTC', 42])
      expect(isValidTimeZone(bad)).toBe(false);
  });
});
