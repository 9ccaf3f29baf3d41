import type { BenchRow } from './types.js';

/** Column text of a row's status. */
function status(row: BenchRow): string {
  return row.pass ? 'ok' : 'MISS';
}

/** A plain-text table (monospace), columns padded to their widest cell. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['benchmark', 'figure', 'measured', 'target', 'status'];
  const cells = rows.map((row) => [row.benchmark, row.figure, row.display, row.target, status(row)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The same rows as a Markdown table (for docs/performance.md). */
export function formatMarkdown(rows: readonly BenchRow[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| Benchmark | Figure | Measured | Target | Status |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(
      `| ${cell(row.benchmark)} | ${cell(row.figure)} | ${cell(row.display)} | ${cell(row.target)} | ${status(row)} |`,
    );
  }
  return lines.join('\n');
}
