import { escapeControl } from '../util/terminal-text.js';

/**
 * Plain aligned columns, for terminals and pipes alike. Cells come from plugins and stores (errors,
 * ids, metric names), so control characters in them are shown escaped (`\x1b`), never sent raw.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) =>
    r.map((c) => (c === undefined || c === null ? '' : escapeControl(String(c), { oneLine: true }))),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180 CSV. A text cell that would start with `=`, `+`, `-`, `@`, tab or carriage return is
 * prefixed with `'` (OWASP's CSV-injection advice), so a spreadsheet shows it as text instead of
 * running it as a formula; numbers (negative ones included) are written as numbers.
 */
export function formatCsv(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => {
    let s = v === undefined || v === null ? '' : String(v);
    if (typeof v !== 'number' && typeof v !== 'bigint' && FORMULA_START.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[headers, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}
