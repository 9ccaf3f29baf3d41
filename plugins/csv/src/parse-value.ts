const DECIMAL_POINT_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA_RE = /^[+-]?\d+,\d+$/;

/**
 * Read a trimmed, non-empty cell as a number: `72`, `72.4`, `-3`, `1e3`; and `72,4` when
 * `decimalComma` is on (files delimited by `;` or tabs come from locales that write decimals so).
 * Thousands separators, units and anything else are refused rather than guessed.
 *
 * @returns the number, or `undefined` when the cell is not one.
 */
export function parseValue(text: string, decimalComma: boolean): number | undefined {
  let value: number | undefined;
  if (DECIMAL_POINT_RE.test(text)) value = Number(text);
  else if (decimalComma && DECIMAL_COMMA_RE.test(text)) value = Number(text.replace(',', '.'));
  // `1e999` matches the pattern but is Infinity, which no store can hold.
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}
