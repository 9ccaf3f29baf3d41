import { definePlugin, type Observation } from '@life-stats/core/plugin';
import { csvError } from './csv-error.js';
import { createDateParser } from './date-format.js';
import { parseValue } from './parse-value.js';
import { readTable, requireColumn } from './read-table.js';

/** The config of a `csv` entry, after core applied the schema's defaults. */
export type CsvConfig = {
  /** The CSV file. Core resolves a relative path from the config file's folder. */
  file: string;
  /** Header of the column holding the date. */
  dateColumn: string;
  /** Header of the column holding the value. */
  valueColumn: string;
  /** One character. @default ',' */
  delimiter?: string;
  /** Tokens `YYYY`, `MM`, `DD`, `M`, `D`; anything else is literal. @default 'YYYY-MM-DD' */
  dateFormat?: string;
};

const DEFAULT_DELIMITER = ',';
const DEFAULT_DATE_FORMAT = 'YYYY-MM-DD';
/** How many duplicated dates one log line lists. */
const DUPLICATES_SHOWN = 10;

/**
 * Import one daily number from a CSV file with a header row: one observation per date inside the
 * window. A blank value cell is a day without data (never a zero); when a date has several rows
 * with a value, the last one wins.
 */
export default definePlugin<CsvConfig>({
  id: 'csv',
  apiVersion: 1,
  metric: { type: 'value', description: 'A daily value from a CSV file' },
  description: 'A daily value from a column of a CSV file',
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      file: {
        type: 'string',
        minLength: 1,
        description: "Path of the CSV file; a relative path starts at the config file's folder.",
      },
      dateColumn: { type: 'string', minLength: 1, description: 'Header of the column holding the date.' },
      valueColumn: { type: 'string', minLength: 1, description: 'Header of the column holding the value.' },
      delimiter: {
        type: 'string',
        minLength: 1,
        maxLength: 1,
        default: DEFAULT_DELIMITER,
        description: 'Field delimiter, one character (`,`, `;`, a tab…).',
      },
      dateFormat: {
        type: 'string',
        minLength: 1,
        default: DEFAULT_DATE_FORMAT,
        description: 'Date format with the tokens YYYY, MM, DD, M, D, e.g. `DD.MM.YYYY` or `M/D/YYYY`.',
      },
    },
    required: ['file', 'dateColumn', 'valueColumn'],
    additionalProperties: false,
  },
  // Reading a local file costs the same for a day or ten years, so a backfill is one read.
  maxDaysPerFetch: 3660,
  exampleConfig: { file: 'data/weight.csv', dateColumn: 'date', valueColumn: 'kg' },

  async fetch(ctx) {
    const { file, dateColumn, valueColumn } = ctx.config;
    const delimiter = ctx.config.delimiter ?? DEFAULT_DELIMITER;
    const dateFormat = ctx.config.dateFormat ?? DEFAULT_DATE_FORMAT;
    const parseDate = createDateParser(dateFormat);
    const decimalComma = delimiter !== ',';

    const table = await readTable(file, delimiter, ctx.signal);
    requireColumn(table, dateColumn, 'dateColumn', delimiter);
    requireColumn(table, valueColumn, 'valueColumn', delimiter);

    const byDate = new Map<string, number>();
    const duplicates = new Set<string>();
    for (const { cells, line } of table.rows) {
      const rawDate = cells[dateColumn] ?? '';
      // A row without a date is a trailing or spacer row, not data.
      if (rawDate === '') continue;
      const date = parseDate(rawDate);
      if (date === undefined) {
        throw csvError(
          `${table.path} line ${line}, column ${JSON.stringify(dateColumn)}: ${JSON.stringify(rawDate)} is not a date in the format ${dateFormat}`,
          'Set `dateFormat` to match the file, or fix that line.',
        );
      }
      if (date < ctx.window.start || date > ctx.window.end) continue;
      const rawValue = cells[valueColumn] ?? '';
      if (rawValue === '') continue;
      const value = parseValue(rawValue, decimalComma);
      if (value === undefined) {
        const decimalCommaInCommaFile = !decimalComma && /^[+-]?\d+,\d+$/.test(rawValue);
        throw csvError(
          `${table.path} line ${line}, column ${JSON.stringify(valueColumn)}: ${JSON.stringify(rawValue)} is not a number`,
          decimalCommaInCommaFile
            ? 'A decimal comma is read only when `delimiter` is not `,`: write a decimal point, or use another delimiter.'
            : 'Fix that line: a value is a number (a blank cell is a day without data).',
        );
      }
      if (byDate.has(date)) duplicates.add(date);
      byDate.set(date, value);
    }

    if (duplicates.size > 0) {
      ctx.log.debug('some dates have more than one row; the last row wins', {
        file: table.path,
        count: duplicates.size,
        dates: [...duplicates].slice(0, DUPLICATES_SHOWN),
      });
    }
    const observations: Observation[] = [...byDate].map(([date, value]) => ({ date, value }));
    return observations.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  },

  async check(ctx) {
    const delimiter = ctx.config.delimiter ?? DEFAULT_DELIMITER;
    createDateParser(ctx.config.dateFormat ?? DEFAULT_DATE_FORMAT);
    const table = await readTable(ctx.config.file, delimiter, ctx.signal);
    requireColumn(table, ctx.config.dateColumn, 'dateColumn', delimiter);
    requireColumn(table, ctx.config.valueColumn, 'valueColumn', delimiter);
    ctx.log.info('the file is readable and has the configured columns', { file: table.path, rows: table.rows.length });
  },
});
