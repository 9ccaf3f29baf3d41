import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/errors.js';
import { validateObservations } from '../../src/run/validate-output.js';

const window = { start: '2026-11-18', end: '2026-11-25' };

function rejection(result: unknown): Error {
  try {
    validateObservations('acme-water', result, window);
  } catch (error) {
    return error as Error;
  }
  throw new Error('validateObservations accepted the result');
}

describe('validateObservations', () => {
  it('returns clean copies of valid observations, dropping extra fields', () => {
    const result = [
      { date: '2026-11-18', value: 0, raw: { steps: 0 } },
      { date: '2026-11-25', value: -3.5 },
    ];
    const out = validateObservations('acme-water', result, window);
    expect(out).toEqual([
      { date: '2026-11-18', value: 0 },
      { date: '2026-11-25', value: -3.5 },
    ]);
    expect(out[0]).not.toBe(result[0]);
  });

  it('accepts an empty result: a day without data is no observation', () => {
    expect(validateObservations('acme-water', [], window)).toEqual([]);
  });

  it.each([
    [
      'NaN',
      [{ date: '2026-11-20', value: Number.NaN }],
      'item 0 {"date":"2026-11-20","value":NaN}: value NaN is not a finite number',
    ],
    [
      'Infinity',
      [
        { date: '2026-11-19', value: 1 },
        { date: '2026-11-20', value: Number.POSITIVE_INFINITY },
      ],
      'item 1 {"date":"2026-11-20","value":Infinity}: value Infinity is not a finite number',
    ],
    [
      'a numeric string',
      [{ date: '2026-11-20', value: '5' }],
      'item 0 {"date":"2026-11-20","value":"5"}: value "5" is a string, not a number',
    ],
    ['a missing value', [{ date: '2026-11-20' }], 'item 0 {"date":"2026-11-20"}: has no value'],
    [
      'a date after the window',
      [
        { date: '2026-11-24', value: 1 },
        { date: '2026-11-25', value: 2 },
        { date: '2026-11-21', value: 3 },
        { date: '2026-11-30', value: 5 },
      ],
      'item 3 {"date":"2026-11-30","value":5}: date 2026-11-30 is outside the window 2026-11-18..2026-11-25',
    ],
    [
      'a date before the window',
      [{ date: '2026-11-17', value: 5 }],
      'item 0 {"date":"2026-11-17","value":5}: date 2026-11-17 is outside the window 2026-11-18..2026-11-25',
    ],
    ['an impossible date', [{ date: '2026-02-30', value: 5 }], 'date 2026-02-30 is not a real calendar date'],
    [
      'a date with a time',
      [{ date: '2026-11-20T00:00:00Z', value: 5 }],
      'date "2026-11-20T00:00:00Z" is not a YYYY-MM-DD string',
    ],
    ['a Date object', [{ date: new Date('2026-11-20'), value: 5 }], 'is not a YYYY-MM-DD string'],
    ['a missing date', [{ value: 5 }], 'item 0 {"value":5}: has no date'],
    ['an item that is not an object', [5], 'item 0 5: must be an object { date, value }, got number'],
    ['a null item', [null], 'item 0 null: must be an object { date, value }, got null'],
    [
      'a date twice',
      [
        { date: '2026-11-20', value: 1 },
        { date: '2026-11-21', value: 2 },
        { date: '2026-11-20', value: 3 },
      ],
      'item 2 {"date":"2026-11-20","value":3}: date 2026-11-20 appears twice (first at item 0)',
    ],
  ])('rejects the whole result for %s, naming the plugin and the item', (_name, result, expected) => {
    const error = rejection(result);
    expect(error.name).toBe('PluginOutputError');
    expect(hasErrorCode(error, 'E_PLUGIN_OUTPUT')).toBe(true);
    expect(error.message).toMatch(/^\[life-stats\] \[plugin:acme-water\] fetch\(\) returned a bad observation: /);
    expect(error.message).toContain(expected);
  });

  it.each([
    ['an object', { data: [] }, 'got object {"data":[]}'],
    ['undefined', undefined, 'got undefined'],
    ['a string', 'ok', 'got string "ok"'],
  ])('rejects a result that is %s rather than an array', (_name, result, expected) => {
    const error = rejection(result);
    expect(hasErrorCode(error, 'E_PLUGIN_OUTPUT')).toBe(true);
    expect(error.message).toContain('[plugin:acme-water] fetch() must resolve to an array of { date, value }');
    expect(error.message).toContain(expected);
  });

  it('shortens a huge offending item in the message', () => {
    const error = rejection([{ date: '2026-11-20', value: 'x'.repeat(10_000) }]);
    expect(error.message.length).toBeLessThan(600);
  });
});
