/**
 * The export's timestamps: `2026-03-29 01:30:00 +0100` — local wall time where the sample was
 * recorded, a space, and that place's UTC offset without a colon. The offset changes inside one
 * file (DST, travel), so each timestamp gives its own instant.
 */

const ZERO = 48;

function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - ZERO;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

function two(text: string, at: number): number {
  return digit(text, at) * 10 + digit(text, at + 1);
}

/**
 * The instant of an export timestamp in epoch milliseconds, or NaN when `text` is not one.
 * Hand-parsed at fixed positions: a 1 GB export has millions of them, and `Date.parse` does not
 * accept this format anyway.
 */
export function parseAppleDate(text: string): number {
  if (
    text.length !== 25 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 32
  ) {
    return Number.NaN;
  }
  const sign = text.charCodeAt(20);
  if (sign !== 43 && sign !== 45) return Number.NaN; // + or -
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  const offset = (two(text, 21) * 60 + two(text, 23)) * (sign === 45 ? -1 : 1);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  // NaN in any field (a non-digit) propagates through Date.UTC.
  return Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
}
