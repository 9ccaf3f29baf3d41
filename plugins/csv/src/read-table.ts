import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';

/** One data row: its cells by column name, and the file line it ends on (1-based, header = 1). */
export interface TableRow {
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
 * @throws Error naming the file when it is missing, unreadable or not CSV; an abort rejects with
 *   the signal's reason.
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
      throw new Error(
        `[plugin:csv] file not found: ${path}. Check \`file\` in the entry's config (a relative path starts at the config file's folder).`,
        { cause: error },
      );
    }
    throw new Error(`[plugin:csv] cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  signal.throwIfAborted();

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
    throw new Error(`[plugin:csv] cannot parse ${path} as CSV: ${(error as Error).message}`, { cause: error });
  }
  if (!columns) throw new Error(`[plugin:csv] ${path} is empty: it needs a header row naming its columns`);
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
      ? ` Only one column was found: is \`delimiter\` (${JSON.stringify(delimiter)}) right?`
      : '';
  throw new Error(
    `[plugin:csv] ${table.path} has no column ${JSON.stringify(column)} (${key}); its columns are: ${found}.${hint}`,
  );
}
