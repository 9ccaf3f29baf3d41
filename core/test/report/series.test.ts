import { describe, expect, it } from 'vitest';
import { dailySeries, defaultRange, movingAverage, summarize } from '../../src/report/series.js';

describe('dailySeries', () => {
  it('lays rows out day by day with null for a missing day, never 0', () => {
    const s = dailySeries(
      [
        { date: '2026-11-01', value: 5 },
        { date: '2026-11-03', value: 0 },
      ],
      '2026-10-31',
      '2026-11-03',
    );
    expect(s.dates).toEqual(['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03']);
    expect(s.values).toEqual([null, 5, null, 0]);
  });

  it('crosses month ends and leaves out rows outside the range', () => {
    const s = dailySeries([{ date: '2026-03-05', value: 9 }], '2026-02-27', '2026-03-02');
    expect(s.dates).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(s.values).toEqual([null, null, null, null]);
  });
});

describe('movingAverage', () => {
  it('averages the trailing 7 days over the days that have a value', () => {
    expect(movingAverage([7, 7, 7, 7, 7, 7, 7, 14])).toEqual([7, 7, 7, 7, 7, 7, 7, 8]);
    expect(movingAverage([2, null, 4])).toEqual([2, 2, 3]);
  });

  it('is null where the whole window is a gap', () => {
    const values = [1, ...Array<null>(8).fill(null), 3];
    const avg = movingAverage(values);
    expect(avg.slice(0, 7)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(avg[7]).toBeNull();
    expect(avg[8]).toBeNull();
    expect(avg[9]).toBe(3);
  });
});

describe('summarize', () => {
  const dates = Array.from({ length: 14 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);

  it('gives the average, the best day with its date, and the last 7 days vs the 7 before', () => {
    const values = [10, 10, 10, null, 10, 10, 10, 15, 15, 15, 15, 15, 30, 15];
    const s = summarize({ dates, values });
    expect(s.days).toBe(13);
    expect(s.average).toBeCloseTo((60 + 120) / 13);
    expect(s.best).toEqual({ date: '2026-11-13', value: 30 });
    expect(s.previous7).toBe(10);
    expect(s.last7).toBeCloseTo(120 / 7);
    expect(s.changePercent).toBeCloseTo(((120 / 7 - 10) / 10) * 100);
  });

  it('leaves out figures with nothing to stand on', () => {
    expect(summarize({ dates: dates.slice(0, 3), values: [null, null, null] })).toEqual({ days: 0 });
    const short = summarize({ dates: dates.slice(0, 5), values: [1, 2, 3, 4, 5] });
    expect(short.last7).toBe(3);
    expect(short.previous7).toBeUndefined();
    expect(short.changePercent).toBeUndefined();
    const fromZero = summarize({ dates, values: [...Array(7).fill(0), ...Array(7).fill(4)] });
    expect(fromZero.previous7).toBe(0);
    expect(fromZero.changePercent).toBeUndefined();
  });
});

describe('defaultRange', () => {
  it('spans the stored data unless a bound is given', () => {
    const rows = [{ date: '2026-11-05' }, { date: '2026-10-01' }, { date: '2026-11-20' }];
    expect(defaultRange(rows, {}, '2026-11-25')).toEqual({ from: '2026-10-01', to: '2026-11-20' });
    expect(defaultRange(rows, { from: '2026-11-01' }, '2026-11-25')).toEqual({ from: '2026-11-01', to: '2026-11-20' });
    expect(defaultRange([], {}, '2026-11-25')).toEqual({ from: '2026-10-27', to: '2026-11-25' });
  });
});
