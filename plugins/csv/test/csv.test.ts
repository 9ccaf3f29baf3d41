import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatError, hasErrorCode } from '@life-stats/core';
import { createTestContext, describePlugin } from '@life-stats/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import csvPlugin, { type CsvConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'life-stats-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Write a CSV into the temp folder and return its absolute path. */
function csv(content: string): string {
  const file = join(dir, `data-${++files}.csv`);
  writeFileSync(file, content);
  return file;
}

const window = { start: '2026-11-18', end: '2026-11-25' };

async function fetchRows(config: CsvConfig, win = window) {
  const test = createTestContext<CsvConfig>({ plugin: csvPlugin, config, window: win, metric: 'weight' });
  const observations = await csvPlugin.fetch(test.ctx);
  return { observations, logs: test.logs };
}

/** What a failed fetch prints: the message and, after an arrow, its next step. */
async function fetchError(config: CsvConfig): Promise<string> {
  try {
    await fetchRows(config);
  } catch (error) {
    // Like every life-stats error: a code that fails the pair at once, a message and a hint.
    expect(hasErrorCode(error, 'E_PLUGIN_FAILED')).toBe(true);
    return formatError(error);
  }
  throw new Error('fetch did not fail');
}

describePlugin(csvPlugin, {
  config: {
    file: csv('date,kg\n2026-11-17,79.9\n2026-11-20,79.1\n2026-11-24,78.6\n'),
    dateColumn: 'date',
    valueColumn: 'kg',
  },
});

describe('csv plugin', () => {
  it('reads one observation per date inside the window, decimals included, in date order', async () => {
    const file = csv('date,kg\n2026-11-25,78.4\n2026-11-17,80\n2026-11-18,79.5\n2026-11-26,70\n2026-11-20,79\n');
    const { observations } = await fetchRows({ file, dateColumn: 'date', valueColumn: 'kg' });
    expect(observations).toEqual([
      { date: '2026-11-18', value: 79.5 },
      { date: '2026-11-20', value: 79 },
      { date: '2026-11-25', value: 78.4 },
    ]);
  });

  it('handles a BOM, CRLF line ends, padded cells, quoted fields, empty lines and extra columns', async () => {
    const file = csv('\uFEFF"note", date ,kg\r\n"first, weigh-in", 2026-11-19 , 79.2 \r\n\r\nx,2026-11-21,"78.8"\r\n');
    const { observations } = await fetchRows({ file, dateColumn: 'date', valueColumn: 'kg' });
    expect(observations).toEqual([
      { date: '2026-11-19', value: 79.2 },
      { date: '2026-11-21', value: 78.8 },
    ]);
  });

  it.each([
    ['DD/MM/YYYY', 'day,v\n19/11/2026,1\n01/12/2026,9\n'],
    ['M/D/YYYY', 'day,v\n11/19/2026,1\n'],
    ['D.M.YYYY', 'day,v\n19.11.2026,1\n'],
    ['YYYYMMDD', 'day,v\n20261119,1\n'],
  ])('parses dates in the format %s', async (dateFormat, content) => {
    const { observations } = await fetchRows({ file: csv(content), dateColumn: 'day', valueColumn: 'v', dateFormat });
    expect(observations).toEqual([{ date: '2026-11-19', value: 1 }]);
  });

  it('reads a ;-delimited file with a decimal comma', async () => {
    const file = csv('day;mood;kg\n19.11.2026;7;79,4\n20.11.2026;6;-0,5\n');
    const { observations } = await fetchRows({
      file,
      dateColumn: 'day',
      valueColumn: 'kg',
      delimiter: ';',
      dateFormat: 'DD.MM.YYYY',
    });
    expect(observations).toEqual([
      { date: '2026-11-19', value: 79.4 },
      { date: '2026-11-20', value: -0.5 },
    ]);
  });

  it('reads a blank value cell as a day without data, never a zero', async () => {
    const file = csv('date,kg\n2026-11-19,\n2026-11-20,  \n2026-11-21\n2026-11-22,78\n,\n');
    const { observations } = await fetchRows({ file, dateColumn: 'date', valueColumn: 'kg' });
    expect(observations).toEqual([{ date: '2026-11-22', value: 78 }]);
  });

  it('keeps the last row of a date that appears twice, and says so in a debug log', async () => {
    const file = csv('date,kg\n2026-11-20,79\n2026-11-21,78\n2026-11-20,79.6\n2026-11-20,\n');
    const { observations, logs } = await fetchRows({ file, dateColumn: 'date', valueColumn: 'kg' });
    expect(observations).toEqual([
      { date: '2026-11-20', value: 79.6 },
      { date: '2026-11-21', value: 78 },
    ]);
    expect(logs).toMatchObject([
      {
        level: 'debug',
        message: 'some dates have more than one row; the last row wins',
        fields: { count: 1, dates: ['2026-11-20'] },
      },
    ]);
  });

  it('names the file, line and column of a value that is not a number', async () => {
    const file = csv('date,kg\n2026-11-19,79\n2026-11-20,79 kg\n');
    expect(await fetchError({ file, dateColumn: 'date', valueColumn: 'kg' })).toBe(
      `[life-stats] [plugin:csv] ${file} line 3, column "kg": "79 kg" is not a number\n` +
        '  → Fix that line: a value is a number (a blank cell is a day without data).',
    );
  });

  it('explains a decimal comma in a comma-delimited file', async () => {
    const file = csv('date,kg\n2026-11-20,"79,4"\n');
    expect(await fetchError({ file, dateColumn: 'date', valueColumn: 'kg' })).toContain(
      'line 2, column "kg": "79,4" is not a number\n  → A decimal comma is read only when `delimiter` is not `,`',
    );
  });

  it('refuses a file whose quotes are broken, naming the line, rather than reading the rest as one cell', async () => {
    // A quote that never closes would swallow every later row into one cell; one inside a cell
    // would be kept as text. csv-parse says which (the reason it is the parser: docs/performance.md).
    const unclosed = csv('date,kg\n2026-11-20,79\n"2026-11-21,79\n2026-11-22,78\n');
    expect(await fetchError({ file: unclosed, dateColumn: 'date', valueColumn: 'kg' })).toBe(
      `[life-stats] [plugin:csv] cannot parse ${unclosed} as CSV: Quote Not Closed: the parsing is finished with an opening quote at line 4\n` +
        '  → Fix the file at the place named, or set `delimiter` to the character that separates its columns.',
    );
    const stray = csv('date,kg\n2026-11-20,7"9\n');
    expect(await fetchError({ file: stray, dateColumn: 'date', valueColumn: 'kg' })).toContain(
      `cannot parse ${stray} as CSV: Invalid Opening Quote: a quote is found on field "kg" at line 2`,
    );
  });

  it('ignores a bad value outside the window, so one old typo does not stop every run', async () => {
    const file = csv('date,kg\n2020-01-01,oops\n2026-11-20,79\n');
    expect((await fetchRows({ file, dateColumn: 'date', valueColumn: 'kg' })).observations).toEqual([
      { date: '2026-11-20', value: 79 },
    ]);
  });

  it('names the line of a date that does not match the format, or is not a real date', async () => {
    const file = csv('date,kg\n2026-11-20,79\n20.11.2026,79\n');
    expect(await fetchError({ file, dateColumn: 'date', valueColumn: 'kg' })).toBe(
      `[life-stats] [plugin:csv] ${file} line 3, column "date": "20.11.2026" is not a date in the format YYYY-MM-DD\n` +
        '  → Set `dateFormat` to match the file, or fix that line.',
    );
    const impossible = csv('date,kg\n2026-02-30,79\n');
    expect(await fetchError({ file: impossible, dateColumn: 'date', valueColumn: 'kg' })).toContain(
      'line 2, column "date": "2026-02-30" is not a date in the format YYYY-MM-DD',
    );
  });

  it('lists the header columns when a configured column is missing', async () => {
    const file = csv('date,weight\n2026-11-20,79\n');
    expect(await fetchError({ file, dateColumn: 'date', valueColumn: 'kg' })).toBe(
      `[life-stats] [plugin:csv] ${file} has no column "kg" (valueColumn); its columns are: "date", "weight"\n` +
        "  → Set `valueColumn` to one of the file's columns.",
    );
  });

  it('suspects the delimiter when the header has a single column', async () => {
    const file = csv('day;mood\n20.11.2026;7\n');
    expect(await fetchError({ file, dateColumn: 'day', valueColumn: 'mood', dateFormat: 'DD.MM.YYYY' })).toContain(
      'its columns are: "day;mood"\n  → Only one column was found: is `delimiter` (",") right?',
    );
  });

  it('names the path of a file that does not exist', async () => {
    const file = join(dir, 'missing.csv');
    expect(await fetchError({ file, dateColumn: 'date', valueColumn: 'kg' })).toBe(
      `[life-stats] [plugin:csv] file not found: ${file}\n` +
        "  → Check `file` in the entry's config (a relative path starts at the config file's folder).",
    );
  });

  it('refuses an empty file and a date format without a day', async () => {
    const empty = csv('');
    expect(await fetchError({ file: empty, dateColumn: 'date', valueColumn: 'kg' })).toBe(
      `[life-stats] [plugin:csv] ${empty} is empty\n  → Give it a header row naming its columns, then one row per date.`,
    );
    expect(await fetchError({ file: empty, dateColumn: 'date', valueColumn: 'kg', dateFormat: 'YYYY-MM' })).toBe(
      '[life-stats] [plugin:csv] dateFormat "YYYY-MM" must contain a year (YYYY), a month (MM or M) and a day (DD or D), once each\n' +
        '  → Set `dateFormat` to the shape of the dates in the file, e.g. "DD.MM.YYYY" or "M/D/YYYY".',
    );
  });

  it('check() passes for a good file and names a missing column', async () => {
    const file = csv('date,kg\n2026-11-20,79\n');
    const good = createTestContext<CsvConfig>({
      plugin: csvPlugin,
      config: { file, dateColumn: 'date', valueColumn: 'kg' },
    });
    await expect(csvPlugin.check!(good.ctx)).resolves.toBeUndefined();
    const bad = createTestContext<CsvConfig>({
      plugin: csvPlugin,
      config: { file, dateColumn: 'day', valueColumn: 'kg' },
    });
    await expect(csvPlugin.check!(bad.ctx)).rejects.toThrow('has no column "day" (dateColumn)');
  });

  it("reads the repository's example data with the root config's entries", async () => {
    const example = (name: string) => fileURLToPath(new URL(`../../../examples/data/${name}`, import.meta.url));
    const sixWeeks = { start: '2026-10-15', end: '2026-11-25' };
    const weight = await fetchRows({ file: example('weight.csv'), dateColumn: 'date', valueColumn: 'kg' }, sixWeeks);
    expect(weight.observations).toHaveLength(39);
    expect(weight.observations.at(-1)).toEqual({ date: '2026-11-25', value: 78.5 });
    expect(weight.observations.every((o) => o.value > 77 && o.value < 81)).toBe(true);
    const mood = await fetchRows(
      { file: example('mood.csv'), dateColumn: 'day', valueColumn: 'mood', delimiter: ';', dateFormat: 'DD.MM.YYYY' },
      sixWeeks,
    );
    expect(mood.observations).toHaveLength(38);
    expect(mood.observations.find((o) => o.date === '2026-11-14')).toEqual({ date: '2026-11-14', value: 9 });
    expect(mood.observations.every((o) => Number.isInteger(o.value) && o.value >= 1 && o.value <= 10)).toBe(true);
  });
});
