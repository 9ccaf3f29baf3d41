/**
 * EventBridge schedule expressions, checked offline so a bad one fails `life-stats validate`
 * instead of a deploy: `rate(N unit)` and the six-field `cron(...)`.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names accepted for values, the first one meaning `min`. */
  names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  { name: 'year', min: 1970, max: 2199 },
];

const DAY_OF_MONTH = 2;
const DAY_OF_WEEK = 4;

/**
 * Check an EventBridge schedule expression.
 *
 * @returns `undefined` when `expr` is valid, else a message that starts with the expression, e.g.
 *   `cron(0 4 * * * *): one of day-of-month or day-of-week must be "?"`.
 */
export function validateSchedule(expr: string): string | undefined {
  const rate = /^rate\((.*)\)$/s.exec(expr);
  if (rate) return prefix(expr, checkRate(rate[1] ?? ''));
  const cron = /^cron\((.*)\)$/s.exec(expr);
  if (cron) return prefix(expr, checkCron(cron[1] ?? ''));
  return `${JSON.stringify(expr)} is not a schedule expression: use rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year), e.g. "rate(1 day)" or "cron(30 5 * * ? *)"`;
}

function prefix(expr: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${expr}: ${problem}`;
}

function checkRate(body: string): string | undefined {
  const match = /^(\S+) (\S+)$/.exec(body);
  if (!match) return 'expected "rate(N unit)", e.g. rate(5 minutes), rate(1 hour) or rate(1 day)';
  const [, value = '', unit = ''] = match;
  if (!/^[1-9][0-9]*$/.test(value)) return `the value must be a positive integer, got "${value}"`;
  const singular = ['minute', 'hour', 'day'];
  const plural = ['minutes', 'hours', 'days'];
  if (!singular.includes(unit) && !plural.includes(unit)) {
    return `the unit must be minute(s), hour(s) or day(s), got "${unit}"`;
  }
  if (value === '1' && !singular.includes(unit)) return `use "${unit.slice(0, -1)}" when the value is 1`;
  if (value !== '1' && !plural.includes(unit)) return `use "${unit}s" when the value is not 1`;
  return undefined;
}

function checkCron(body: string): string | undefined {
  const fields = body.trim() === '' ? [] : body.trim().split(/\s+/);
  if (fields.length !== FIELDS.length) {
    return `expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  for (const [index, field] of FIELDS.entries()) {
    const problem = checkField(fields[index] ?? '', field, index);
    if (problem) return `${field.name}: ${problem}`;
  }
  const domAny = fields[DAY_OF_MONTH] === '?';
  const dowAny = fields[DAY_OF_WEEK] === '?';
  if (domAny && dowAny) return 'day-of-month and day-of-week cannot both be "?"';
  if (!domAny && !dowAny) return 'one of day-of-month or day-of-week must be "?"';
  return undefined;
}

function checkField(text: string, field: CronField, index: number): string | undefined {
  if (text === '?') {
    return index === DAY_OF_MONTH || index === DAY_OF_WEEK
      ? undefined
      : '"?" is only allowed in day-of-month or day-of-week';
  }
  const special = checkSpecial(text, index);
  if (special !== false) return special;
  const items = text.split(',');
  for (const item of items) {
    const problem = checkItem(item, field);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * `L`, `W` and `#` stand alone in their field (`L`, `LW`, `15W`; `L`, `5L`, `3#2`).
 * @returns `false` when `text` uses none of them.
 */
function checkSpecial(text: string, index: number): string | undefined | false {
  const upper = text.toUpperCase();
  if (
    !/[LW#]/.test(upper.replace(/[A-Z]{3}/g, (name) => (MONTHS.includes(name) || WEEKDAYS.includes(name) ? '' : name)))
  ) {
    return false;
  }
  if (index === DAY_OF_MONTH) {
    if (upper === 'L' || upper === 'LW') return undefined;
    const weekday = /^([0-9]+)W$/.exec(upper);
    if (weekday) return inRange(Number(weekday[1]), 1, 31, weekday[1] ?? '');
    return `"${text}" is not valid: day-of-month takes L, LW or NW (the weekday nearest day N) alone`;
  }
  if (index === DAY_OF_WEEK) {
    if (upper === 'L') return undefined;
    const last = /^([0-9]+|[A-Z]{3})L$/.exec(upper);
    if (last) return weekdayValue(last[1] ?? '');
    const nth = /^([0-9]+|[A-Z]{3})#([0-9]+)$/.exec(upper);
    if (nth) return weekdayValue(nth[1] ?? '') ?? inRange(Number(nth[2]), 1, 5, nth[2] ?? '');
    return `"${text}" is not valid: day-of-week takes L, NL (last weekday N) or N#K (K-th weekday N) alone`;
  }
  return `"${text}" is not valid: L, W and # are only allowed in day-of-month and day-of-week`;
}

function weekdayValue(text: string): string | undefined {
  return checkValue(text, FIELDS[DAY_OF_WEEK] as CronField);
}

function checkItem(item: string, field: CronField): string | undefined {
  if (item === '') return 'empty value in a list';
  const [range = '', step, ...rest] = item.split('/');
  if (rest.length > 0) return `"${item}" has more than one "/"`;
  if (step !== undefined) {
    if (!/^[1-9][0-9]*$/.test(step)) return `"${item}": the increment after "/" must be a positive integer`;
    // A step may start from "*" or a single value (0/15), or step through a range (1-30/5).
  }
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `"${item}" is not a value or a range`;
  for (const bound of bounds) {
    const problem = checkValue(bound, field);
    if (problem) return problem;
  }
  return undefined;
}

function checkValue(text: string, field: CronField): string | undefined {
  if (text === '') return 'missing value';
  if (/^[0-9]+$/.test(text)) return inRange(Number(text), field.min, field.max, text);
  if (field.names?.includes(text.toUpperCase())) return undefined;
  const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : '';
  return `"${text}" is not valid: expected ${field.min}-${field.max}${names}, or * , - /`;
}

function inRange(value: number, min: number, max: number, text: string): string | undefined {
  return value >= min && value <= max ? undefined : `${text} is out of range ${min}-${max}`;
}
