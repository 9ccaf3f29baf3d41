import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { csvError } from './csv-error.js';

/** One data row: its cells by column name, and the file line it ends on (1-based, header = 1). */
interface TableRow {
  cells: Record<string, string | undefined>;
  line: number;
}

export interface Table {
  /** Absolute path of the file, for messages. */
  path: string;
  /** Column names from the header row, trimmed. */
  columns: string[];
  rows: TableRow[];
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AbortError');
}

/**
 * Read and parse a CSV file with a header row. Cells are trimmed, a BOM is dropped, empty lines
 * are skipped, and rows shorter than the header are kept (a spreadsheet drops trailing empty cells).
 *
 * @throws LifeStatsError naming the file when it is missing, unreadable or not CSV; an abort
 *   rejects with the signal's reason.
 */
export async function readTable(file: string, delimiter: string, signal: AbortSignal): Promise<Table> {
  signal.throwIfAborted();
  // Core resolves relative paths from the config file's folder; anything else is taken from the cwd.
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal });
  } catch (error) {
    if (isAbort(error, signal)) throw signal.reason ?? error;
    if (hasCode(error, 'ENOENT')) {
      throw csvError(
        `file not found: ${path}`,
        "Check `file` in the entry's config (a relative path starts at the config file's folder).",
        error,
      );
    }
    throw csvError(
      `cannot read ${path}: ${(error as Error).message}`,
      'Check that the file is readable by the user running life-stats.',
      error,
    );
  }
  signal.throwIfAborted();
  // Loaded on the first fetch: `life-stats validate` and a run's planning import this plugin too.
  const { parse } = await import('csv-parse/sync');

  let columns: string[] | undefined;
  let records: { record: Record<string, string | undefined>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => {
        columns = header;
        return header;
      },
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      delimiter,
      info: true,
    });
  } catch (error) {
    throw csvError(
      `cannot parse ${path} as CSV: ${(error as Error).message}`,
      'Fix the file at the place named, or set `delimiter` to the character that separates its columns.',
      error,
    );
  }
  if (!columns) {
    throw csvError(`${path} is empty`, 'Give it a header row naming its columns, then one row per date.');
  }
  return { path, columns, rows: records.map(({ record, info }) => ({ cells: record, line: info.lines })) };
}

/**
 * Throw when a configured column is not in the header, listing the columns the file does have.
 */
export function requireColumn(table: Table, column: string, key: string, delimiter: string): void {
  if (table.columns.includes(column)) return;
  const found = table.columns.map((c) => JSON.stringify(c)).join(', ');
  // One column whose name holds another delimiter almost always means `delimiter` is wrong.
  const hint =
    table.columns.length === 1
      ? `Only one column was found: is \`delimiter\` (${JSON.stringify(delimiter)}) right?`
      : `Set \`${key}\` to one of the file's columns.`;
  throw csvError(`${table.path} has no column ${JSON.stringify(column)} (${key}); its columns are: ${found}`, hint);
}
