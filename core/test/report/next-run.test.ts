import { describe, expect, it } from 'vitest';
import { nextScheduledRun } from '../../src/report/next-run.js';

const NOW = new Date('2026-11-25T10:15:30Z'); // a Wednesday

describe('nextScheduledRun', () => {
  it('adds a rate to the last run time', () => {
    expect(nextScheduledRun('rate(1 day)', '2026-11-25T04:00:00.000Z', NOW)).toEqual({
      next: '2026-11-26T04:00:00.000Z',
    });
    expect(nextScheduledRun('rate(6 hours)', '2026-11-25T08:00:00.000Z', NOW).next).toBe('2026-11-25T14:00:00.000Z');
    expect(nextScheduledRun('rate(30 minutes)', '2026-11-25T10:00:00.000Z', NOW).next).toBe('2026-11-25T10:30:00.000Z');
  });

  it('says "never run" for a rate without a last run, and an overdue rate is due now', () => {
    expect(nextScheduledRun('rate(1 day)', undefined, NOW)).toEqual({ note: 'never run' });
    expect(nextScheduledRun('rate(1 day)', '2026-11-01T00:00:00.000Z', NOW).next).toBe(NOW.toISOString());
  });

  it('finds the next matching UTC minute of a cron', () => {
    expect(nextScheduledRun('cron(30 5 * * ? *)', undefined, NOW).next).toBe('2026-11-26T05:30:00.000Z');
    expect(nextScheduledRun('cron(0/20 * * * ? *)', undefined, NOW).next).toBe('2026-11-25T10:20:00.000Z');
    expect(nextScheduledRun('cron(0 12 * * ? *)', undefined, NOW).next).toBe('2026-11-25T12:00:00.000Z');
  });

  it('honours days of the week (1 = Sunday, names too), months and years', () => {
    const next = (cron: string, now = NOW) => nextScheduledRun(`cron(${cron})`, undefined, now);
    expect(next('0 8 ? * MON-FRI *', new Date('2026-11-27T09:00:00Z'))).toEqual({ next: '2026-11-30T08:00:00.000Z' });
    expect(next('0 8 ? * 1 *')).toEqual({ next: '2026-11-29T08:00:00.000Z' });
    expect(next('0 0 1 JAN ? *')).toEqual({ next: '2027-01-01T00:00:00.000Z' });
    // Only years already past: no next run.
    expect(next('0 0 1 1 ? 2025')).toEqual({ note: 'cron (not computable)' });
  });

  it('gives a note instead of a time for cron syntax it does not compute or unknown schedules', () => {
    expect(nextScheduledRun('cron(0 0 L * ? *)', undefined, NOW)).toEqual({ note: 'cron (not computable)' });
    expect(nextScheduledRun('cron(0 0 ? * 6#3 *)', undefined, NOW)).toEqual({ note: 'cron (not computable)' });
    expect(nextScheduledRun('cron(0 0 * *)', undefined, NOW)).toEqual({ note: 'cron (not computable)' });
    expect(nextScheduledRun('every day', undefined, NOW)).toEqual({ note: 'unknown schedule' });
  });
});
