import { describe, expect, it } from 'vitest';
import { computeRunWindow } from '../../src/run/window.js';

describe('computeRunWindow', () => {
  it('first run goes backfillDays back from the local today', () => {
    // 19:00Z on the 25th is already 00:30 on the 26th in Kolkata (+05:30).
    expect(
      computeRunWindow({
        now: new Date('2026-11-25T19:00:00Z'),
        timezone: 'Asia/Kolkata',
        backfillDays: 7,
        settleDays: 1,
      }),
    ).toEqual({ start: '2026-11-19', end: '2026-11-26' });
    expect(
      computeRunWindow({ now: new Date('2026-11-25T19:00:00Z'), timezone: 'UTC', backfillDays: 7, settleDays: 1 }),
    ).toEqual({ start: '2026-11-18', end: '2026-11-25' });
  });

  it('later runs start settleDays before the local date of the last run, across the New York DST change', () => {
    // Last run 2026-11-01T03:30Z = 2026-10-31 23:30 EDT; now 2026-11-02T04:30Z = 2026-11-01 23:30 EST (a 25-hour day).
    expect(
      computeRunWindow({
        now: new Date('2026-11-02T04:30:00Z'),
        timezone: 'America/New_York',
        lastRunTime: '2026-11-01T03:30:00.000Z',
        backfillDays: 7,
        settleDays: 1,
      }),
    ).toEqual({ start: '2026-10-30', end: '2026-11-01' });
    // The same instants in UTC fall on other dates: the zone matters.
    expect(
      computeRunWindow({
        now: new Date('2026-11-02T04:30:00Z'),
        timezone: 'UTC',
        lastRunTime: '2026-11-01T03:30:00.000Z',
        backfillDays: 7,
        settleDays: 1,
      }),
    ).toEqual({ start: '2026-10-31', end: '2026-11-02' });
  });

  it('a last run in the future (clock skew) does not push the start past today', () => {
    expect(
      computeRunWindow({
        now: new Date('2026-11-25T12:00:00Z'),
        timezone: 'UTC',
        lastRunTime: '2026-11-28T12:00:00.000Z',
        backfillDays: 7,
        settleDays: 2,
      }),
    ).toEqual({ start: '2026-11-23', end: '2026-11-25' });
  });
});
