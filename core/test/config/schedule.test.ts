import { describe, expect, it } from 'vitest';
import { validateSchedule } from '../../src/config/schedule.js';

describe('validateSchedule', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'cron(30 5 * * ? *)',
    'cron(0 4 * * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(*/5 8-17 ? * MON-FRI *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(15 10 ? * 6L 2026-2030)',
    'cron(0 9 ? * 3#2 *)',
    'cron(0 9 ? * TUE#2 *)',
    'cron(0 0 L * ? *)',
    'cron(0 0 LW * ? *)',
    'cron(0 0 15W * ? *)',
    'cron(0,30 6,18 ? JAN,jul SUN *)',
    'cron(0 12 1-31/2 1-12 ? 1970)',
    'cron(59 23 31 DEC ? 2199)',
    'cron(0 4 ? * L *)',
  ])('accepts %s', (expr) => {
    expect(validateSchedule(expr)).toBeUndefined();
  });

  it.each([
    ['daily', '"daily" is not a schedule expression'],
    ['rate(1 days)', 'rate(1 days): use "day" when the value is 1'],
    ['rate(2 day)', 'rate(2 day): use "days" when the value is not 1'],
    ['rate(0 days)', 'rate(0 days): the value must be a positive integer'],
    ['rate(-1 days)', 'the value must be a positive integer'],
    ['rate(1.5 hours)', 'the value must be a positive integer'],
    ['rate(2 weeks)', 'rate(2 weeks): the unit must be minute(s), hour(s) or day(s)'],
    ['rate(1day)', 'expected "rate(N unit)"'],
    ['rate()', 'expected "rate(N unit)"'],
    [
      'cron(0 4 * * ?)',
      'cron(0 4 * * ?): expected 6 fields (minutes hours day-of-month month day-of-week year), got 5',
    ],
    ['cron(0 4 * * ? * *)', 'got 7'],
    ['cron(0 4 * * * *)', 'cron(0 4 * * * *): one of day-of-month or day-of-week must be "?"'],
    ['cron(0 4 ? * ? *)', 'day-of-month and day-of-week cannot both be "?"'],
    ['cron(60 4 * * ? *)', 'minutes: 60 is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hours: 24 is out of range 0-23'],
    ['cron(0 4 0 * ? *)', 'day-of-month: 0 is out of range 1-31'],
    ['cron(0 4 32 * ? *)', 'day-of-month: 32 is out of range 1-31'],
    ['cron(0 4 * 13 ? *)', 'month: 13 is out of range 1-12'],
    ['cron(0 4 * FOO ? *)', 'month: "FOO" is not valid: expected 1-12 or JAN-DEC'],
    ['cron(0 4 ? * 8 *)', 'day-of-week: 8 is out of range 1-7'],
    ['cron(0 4 ? * 0 *)', 'day-of-week: 0 is out of range 1-7'],
    ['cron(0 4 ? * MON-XYZ *)', 'day-of-week: "XYZ" is not valid'],
    ['cron(0 4 * * ? 1969)', 'year: 1969 is out of range 1970-2199'],
    ['cron(0 4 * * ? 2200)', 'year: 2200 is out of range 1970-2199'],
    ['cron(? 4 * * ? *)', 'minutes: "?" is only allowed in day-of-month or day-of-week'],
    ['cron(0 L * * ? *)', 'hours: "L" is not valid: L, W and # are only allowed in day-of-month and day-of-week'],
    ['cron(0 4 ? * 2W *)', 'day-of-week: "2W" is not valid'],
    ['cron(0 4 3#2 * ? *)', 'day-of-month: "3#2" is not valid'],
    ['cron(0 4 ? * 3#6 *)', 'day-of-week: 6 is out of range 1-5'],
    ['cron(0/0 4 * * ? *)', 'minutes: "0/0": the increment after "/" must be a positive integer'],
    ['cron(0 4 1,,2 * ? *)', 'day-of-month: empty value in a list'],
    ['cron(0 4 1-2-3 * ? *)', 'day-of-month: "1-2-3" is not a value or a range'],
    ['cron(0 4 5-40 * ? *)', 'day-of-month: 40 is out of range 1-31'],
    ['cron(a 4 * * ? *)', 'minutes: "a" is not valid: expected 0-59'],
  ])('rejects %s', (expr, message) => {
    expect(validateSchedule(expr)).toContain(message);
  });
});
