/**
 * Bad input, group `output`: the run engine (and the CLI) with a plugin that returns something core
 * cannot store (see bad-input-config.test.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Storage } from '@life-stats/core';
import { definePlugin, runPairs } from '@life-stats/core';
import { runCli } from '@life-stats/testing/cli';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterEach, describe, expect } from 'vitest';
import { base, writeProject } from './support/bad-input-project.js';
import { badInputCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

// ---------------------------------------------------------------------------------------------
// output: a plugin returns something core cannot store. The pair fails naming the plugin and the
// item; nothing of the result is written; the cursor is not set.
// ---------------------------------------------------------------------------------------------

const open: Storage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** The run's clock: 2026-03-05 noon UTC; first run window is 2026-03-02..2026-03-05. */
const NOW = '2026-03-05T12:00:00Z';

interface OutputCase {
  name: string;
  /** What fetch resolves to; `token` is the plugin's user secret. */
  result: (window: { start: string; end: string }, token: string) => unknown;
  expect: RegExp[];
}

const OUTPUT_CASES: OutputCase[] = [
  {
    name: 'a NaN value',
    result: (w) => [
      { date: w.start, value: 1 },
      { date: w.end, value: Number.NaN },
    ],
    expect: [/item 1/, /NaN/, /not a finite number/],
  },
  {
    name: 'an Infinity value',
    result: (w) => [{ date: w.end, value: Number.POSITIVE_INFINITY }],
    expect: [/item 0/, /Infinity is not a finite number/],
  },
  {
    name: 'a string value',
    result: (w) => [
      { date: w.start, value: 2 },
      { date: w.end, value: '42' },
    ],
    expect: [/item 1/, /value "42" is a string, not a number/],
  },
  {
    name: "a string value that is the plugin's own token is not echoed",
    result: (w, token) => [{ date: w.end, value: token }],
    expect: [/item 0/, /is a string, not a number/],
  },
  {
    name: 'a string value holding the token where the message preview cuts it: no fragment is echoed',
    // The item preview stops at 160 characters: put the cut in the middle of the token.
    result: (w, token) => [{ date: w.end, value: `${'x'.repeat(110)}${token}` }],
    expect: [/item 0/, /is a string, not a number/],
  },
  {
    name: 'a null value',
    result: (w) => [{ date: w.end, value: null }],
    expect: [/item 0/, /value null is a null, not a number/],
  },
  {
    name: 'a date that is not a calendar date (2026-02-30)',
    result: () => [
      { date: '2026-03-03', value: 1 },
      { date: '2026-02-30', value: 1 },
    ],
    expect: [/item 1/, /date 2026-02-30 is not a real calendar date/],
  },
  {
    name: 'a date outside the window',
    result: (w) => [
      { date: w.end, value: 1 },
      { date: '2026-01-01', value: 1 },
    ],
    expect: [/item 1/, /date 2026-01-01 is outside the window 2026-03-02\.\.2026-03-05/],
  },
  {
    name: 'the same date twice',
    result: (w) => [
      { date: w.start, value: 1 },
      { date: w.end, value: 2 },
      { date: w.start, value: 3 },
    ],
    expect: [/item 2/, /date 2026-03-02 appears twice \(first at item 0\)/],
  },
  {
    name: 'a result that is not an array',
    result: (w) => ({ [w.end]: 5 }),
    expect: [/fetch\(\) must resolve to an array of \{ date, value \}, got object/],
  },
  {
    name: 'an item without a date',
    result: (w) => [
      { date: w.end, value: 1 },
      { day: w.start, value: 1 },
    ],
    expect: [/item 1/, /has no date/],
  },
  {
    name: 'nothing at all (fetch forgot to return)',
    result: () => undefined,
    expect: [/fetch\(\) must resolve to an array of \{ date, value \}, got undefined/],
  },
  {
    name: 'a bigint value',
    result: (w) => [{ date: w.end, value: 5n }],
    expect: [/item 0/, /value 5n is a bigint, not a number/],
  },
  {
    name: 'a Date object instead of a YYYY-MM-DD string',
    result: (w) => [{ date: new Date(`${w.end}T00:00:00Z`), value: 1 }],
    expect: [/item 0/, /date "2026-03-05T00:00:00\.000Z" is not a YYYY-MM-DD string/],
  },
  {
    name: 'a date that is not YYYY-MM-DD',
    result: () => [{ date: '3/4/2026', value: 1 }],
    expect: [/item 0/, /date "3\/4\/2026" is not a YYYY-MM-DD string/],
  },
];

describe('bad input: output', () => {
  for (const k of OUTPUT_CASES) {
    badInputCase('output', k.name, async (c) => {
      const dir = tempDir('life-stats-bad-output-');
      const token = c.secret('token');
      const plugin = definePlugin({
        id: 'sloppy',
        apiVersion: 1,
        metric: { type: 'sloppy' },
        secrets: { user: ['token'] },
        async fetch(ctx) {
          const t = ctx.secrets.get('token');
          if (t === undefined) throw new Error('no token');
          // Deliberately unchecked: the case is what a buggy plugin resolves to.
          return k.result(ctx.window, t) as never;
        },
      });
      const config = makeConfig(dir, [{ plugin }], { backfillDays: 3 });
      const { storage, secrets } = makeStores(dir);
      open.push(storage);
      await secrets.set('sloppy', 'token', token, 'me');
      const log = captureLogger();
      const summary = await runPairs({
        config,
        storage,
        secrets,
        logger: log.logger,
        retry: FAST_RETRY,
        now: at(NOW),
      });
      c.see(summary, log.text());
      // Not even part of the token (a cut-off prefix or suffix) may show.
      for (const fragment of [token.slice(0, 12), token.slice(-12)]) {
        expect(JSON.stringify(summary)).not.toContain(fragment);
        expect(log.text()).not.toContain(fragment);
      }
      const run = summary.runs[0];
      expect(summary.runs).toHaveLength(1);
      expect(run?.status).toBe('failed');
      expect(run?.window).toEqual({ start: '2026-03-02', end: '2026-03-05' });
      expect(run?.error).toMatch(/\[plugin:sloppy\]/);
      for (const re of k.expect) expect(run?.error).toMatch(re);
      expect(log.text()).toMatch(/plugin:sloppy|sloppy/);
      c.checkNothingWritten(sqliteRows(path.join(dir, 'db.sqlite')));
      const cursor = sqliteRun(path.join(dir, 'db.sqlite'), 'me', 'sloppy');
      c.see(cursor); // `life-stats status` shows last_error
      expect(cursor?.last_run_time ?? null).toBeNull();
      expect(cursor?.last_status).toBe('failed');
    });
  }
});

/** The same refusal through the CLI: the pair fails, so the command exits 1 (not 2: the input was fine). */
const SLOPPY_PLUGIN = `export default {
  id: 'sloppy', apiVersion: 1, metric: { type: 'count' },
  secrets: { user: ['token'] },
  async fetch(ctx) {
    if (!ctx.secrets.get('token')) throw new Error('no token');
    return [{ date: ctx.window.start, value: 1 }, { date: ctx.window.end, value: Number.NaN }];
  },
};
`;

const CLI_OUTPUT_CASES: { name: string; argv: string[] }[] = [
  {
    name: 'through `life-stats run --json`: exit 1, the summary names the plugin and the item',
    argv: ['run', '--json'],
  },
  {
    name: 'through `life-stats backfill --json`: exit 1, the summary names the plugin and the item',
    argv: ['backfill', '--from', '2026-03-01', '--to', '2026-03-03', '--json'],
  },
];

describe('bad input: output through the CLI', () => {
  for (const k of CLI_OUTPUT_CASES) {
    badInputCase('output', k.name, async (c) => {
      const token = c.secret('token');
      const p = writeProject(
        base((cfg) => {
          cfg.plugins = [{ use: './sloppy.mjs' }];
        }),
        token,
        { 'sloppy.mjs': SLOPPY_PLUGIN },
      );
      // The secrets file holds the token under the plugin's namespace.
      writeFileSync(p.secretsFile, JSON.stringify({ sloppy: { users: { me: { token } } } }), { mode: 0o600 });
      const res = await runCli(k.argv, { cwd: p.dir, env: { LIFE_STATS_LOG_LEVEL: 'debug' } });
      c.see(res.stdout, res.stderr);
      expect(res.code, res.stderr).toBe(1);
      const summary = JSON.parse(res.stdout) as { runs: { status: string; error?: string }[] };
      expect(summary.runs).toHaveLength(1);
      expect(summary.runs[0]?.status).toBe('failed');
      expect(summary.runs[0]?.error).toMatch(
        /\[plugin:sloppy\] fetch\(\) returned a bad observation: item 1 .*NaN is not a finite number/,
      );
      expect(res.stderr).toMatch(/failed: .*\[plugin:sloppy\]/);
      c.checkNothingWritten(sqliteRows(p.db));
      const cursor = sqliteRun(p.db, 'me', 'count');
      c.see(cursor);
      expect(cursor?.last_run_time ?? null).toBeNull();
    });
  }
});
