import { csvError } from './csv-error.js';

/** Turns one cell into a `YYYY-MM-DD` date, or `undefined` when the cell does not match the format. */
export type DateParser = (text: string) => string | undefined;

type Part = 'year' | 'month' | 'day';

const TOKENS: readonly { token: string; part: Part; pattern: string }[] = [
  // Longest first, so `MM` is not read as two `M`s.
  { token: 'YYYY', part: 'year', pattern: '(\\d{4})' },
  { token: 'MM', part: 'month', pattern: '(\\d{2})' },
  { token: 'DD', part: 'day', pattern: '(\\d{2})' },
  { token: 'M', part: 'month', pattern: '(\\d{1,2})' },
  { token: 'D', part: 'day', pattern: '(\\d{1,2})' },
];

function isRealDate(year: number, month: number, day: number): boolean {
  const t = new Date(Date.UTC(year, month - 1, day));
  return t.getUTCFullYear() === year && t.getUTCMonth() === month - 1 && t.getUTCDate() === day;
}

/**
 * Compile a date format such as `YYYY-MM-DD`, `DD/MM/YYYY`, `M/D/YYYY` or `DD.MM.YYYY`.
 * `YYYY` is a four-digit year, `MM`/`DD` two digits, `M`/`D` one or two; anything else is literal.
 *
 * @throws LifeStatsError when the format lacks a year, month or day, or has one twice.
 */
export function createDateParser(format: string): DateParser {
  const order: Part[] = [];
  let pattern = '';
  for (let i = 0; i < format.length; ) {
    const hit = TOKENS.find((t) => format.startsWith(t.token, i));
    if (hit) {
      order.push(hit.part);
      pattern += hit.pattern;
      i += hit.token.length;
    } else {
      pattern += format[i]?.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') ?? '';
      i += 1;
    }
  }
  const parts: Part[] = ['year', 'month', 'day'];
  if (order.length !== 3 || parts.some((p) => order.filter((o) => o === p).length !== 1)) {
    throw csvError(
      `dateFormat ${JSON.stringify(format)} must contain a year (YYYY), a month (MM or M) and a day (DD or D), once each`,
      'Set `dateFormat` to the shape of the dates in the file, e.g. "DD.MM.YYYY" or "M/D/YYYY".',
    );
  }
  const re = new RegExp(`^${pattern}$`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return undefined;
    const value: Record<Part, number> = { year: 0, month: 0, day: 0 };
    order.forEach((part, i) => {
      value[part] = Number(m[i + 1]);
    });
    if (!isRealDate(value.year, value.month, value.day)) return undefined;
    return `${String(value.year).padStart(4, '0')}-${String(value.month).padStart(2, '0')}-${String(value.day).padStart(2, '0')}`;
  };
}
