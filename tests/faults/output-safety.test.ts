/**
 * Output that must be safe (issue 17, items 10–12): text from a store reaching a terminal or a
 * spreadsheet, and the files that hold health data. Through the real CLI on a project on disk.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MetricRow } from '@life-stats/core';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { runCli } from '@life-stats/testing/cli';
import { describe, expect } from 'vitest';
import { base, plugins, writeProject } from './support/bad-input-project.js';
import { badInputCase, type CaseRecorder, faultCase } from './support/case.js';
import { sqliteRows } from './support/rows.js';

const posix = process.platform !== 'win32';
const TS = '2026-03-05T12:00:00.000Z';

/** Rows written straight into the store, as another tool (or an older version) might have. */
async function storeRows(
  db: string,
  rows: Omit<MetricRow, 'timestamp'>[],
  cursors: { user: string; metric: string }[] = [],
) {
  const storage = createSqliteStorage({ path: db });
  try {
    await storage.putMetrics(rows.map((r) => ({ ...r, timestamp: TS })));
    for (const { user, metric } of cursors) {
      await storage.putCursor({
        user_id: user,
        metric_type: metric,
        last_status: 'failed',
        last_error: `broke for ${metric}`,
      });
    }
  } finally {
    await storage.close();
  }
}

async function cli(c: CaseRecorder, dir: string, ...argv: string[]) {
  const res = await runCli(argv, { cwd: dir });
  c.see(res.stdout, res.stderr);
  return res;
}

const RAW_CONTROLS = ['\u0007', '\u001b', '\u202e'];

describe('query --format csv neutralises formulas (item 11)', () => {
  badInputCase(
    'output',
    'text fields starting with = + - @ tab or CR get a leading quote; numbers stay numbers',
    async (c) => {
      const p = writeProject(base(), c.secret('token'));
      await storeRows(p.db, [
        {
          user_id: 'me',
          metric_type: 'count',
          date: '2026-03-01',
          value: -5,
          source: '=HYPERLINK("https://evil.example","x")',
        },
        { user_id: '@SUM(A1)', metric_type: '+cmd', date: '2026-03-02', value: 3, source: '-2+3' },
        { user_id: 'me', metric_type: 'count', date: '2026-03-03', value: 1.5, source: '\tTAB' },
        { user_id: 'me', metric_type: 'count', date: '2026-03-04', value: 0, source: '\rCR' },
        { user_id: 'me', metric_type: 'count', date: '2026-03-05', value: 2, source: 'csv' },
      ]);
      const csv = await cli(c, p.dir, 'query', '--format', 'csv');
      expect(csv.code, csv.stderr).toBe(0);
      expect(csv.stdout.split('\n')).toEqual([
        'user_id,metric_type,date,value,timestamp,source',
        `'@SUM(A1),'+cmd,2026-03-02,3,${TS},'-2+3`,
        `me,count,2026-03-01,-5,${TS},"'=HYPERLINK(""https://evil.example"",""x"")"`,
        `me,count,2026-03-03,1.5,${TS},'\tTAB`,
        `me,count,2026-03-04,0,${TS},"'\rCR"`,
        `me,count,2026-03-05,2,${TS},csv`,
        '',
      ]);
      // JSON keeps every field exactly as stored.
      const json = await cli(c, p.dir, 'query', '--format', 'json');
      expect(JSON.parse(json.stdout).map((r: MetricRow) => r.source)).toContain(
        '=HYPERLINK("https://evil.example","x")',
      );
    },
  );
});

describe('control characters from a store reach no terminal raw (item 10)', () => {
  badInputCase(
    'output',
    'a run row and a metric row full of escapes: status and query tables show them escaped',
    async (c) => {
      const p = writeProject(base(), c.secret('token'));
      const evil = '\u001b]8;;https://evil.example/\u0007me\u001b]8;;\u0007\u001b[2J\u202e';
      await storeRows(
        p.db,
        [{ user_id: `x${evil}`, metric_type: 'count', date: '2026-03-01', value: 1, source: `csv${evil}` }],
        [{ user: `x${evil}`, metric: `count${evil}` }],
      );
      const status = await cli(c, p.dir, 'status');
      const query = await cli(c, p.dir, 'query');
      for (const text of [status.stdout, status.stderr, query.stdout, query.stderr]) {
        for (const raw of RAW_CONTROLS) expect(text).not.toContain(raw);
      }
      expect(status.stdout).toContain('x\\x1b]8;;https://evil.example/\\x07me\\x1b]8;;\\x07\\x1b[2J\\u202e');
      expect(query.stdout).toContain('csv\\x1b]8;;https://evil.example/');
      const json = await cli(c, p.dir, 'status', '--json');
      expect(JSON.parse(json.stdout).status.map((s: { user: string }) => s.user)).toContain(`x${evil}`);
    },
  );

  badInputCase(
    'output',
    "a plugin's deprecation message with escapes: plugins and validate show it escaped",
    async (c) => {
      const p = writeProject(
        base((cfg) => {
          plugins(cfg)[0] = { use: './old.mjs' };
        }),
        c.secret('token'),
        {
          'old.mjs':
            "export default { id: 'old', apiVersion: 1, metric: { type: 'count' }, deprecated: { message: 'moved \\u001b[2J\\u001b]8;;https://evil.example/\\u0007here\\u001b]8;;\\u0007' }, async fetch() { return []; } };\n",
        },
      );
      for (const command of ['plugins', 'validate']) {
        const res = await cli(c, p.dir, command);
        expect(res.code, res.stderr).toBe(0);
        expect(res.stderr).toContain(
          'warning: plugins[0] (old): moved \\x1b[2J\\x1b]8;;https://evil.example/\\x07here',
        );
        for (const raw of RAW_CONTROLS) expect(res.stdout + res.stderr).not.toContain(raw);
      }
      c.checkNothingWritten(sqliteRows(p.db));
    },
  );
});

describe('health data is private to its owner (item 12)', () => {
  faultCase('storage', 'a new store: .life-stats/ is created 0700 and the database 0600 (its -wal too)', async (c) => {
    const p = writeProject(
      base((cfg) => {
        cfg.storage = { type: 'sqlite', path: '.life-stats/life-stats.db' };
      }),
      c.secret('token'),
    );
    const folder = path.join(p.dir, '.life-stats');
    const db = path.join(folder, 'life-stats.db');
    expect(existsSync(folder)).toBe(false);
    const res = await cli(c, p.dir, 'run', '--json');
    expect(res.code, res.stderr).toBe(0);
    const { window } = JSON.parse(res.stdout).runs[0];
    c.checkRows([{ user: 'me', metric: 'count', date: window.end, value: 10 }], sqliteRows(db));
    if (posix) {
      // Whatever the umask lets others have, the folder and the files are the owner's only.
      expect((statSync(folder).mode & 0o777).toString(8)).toBe('700');
      expect((statSync(db).mode & 0o777).toString(8)).toBe('600');
      for (const extra of ['-wal', '-shm']) {
        if (existsSync(db + extra)) expect((statSync(db + extra).mode & 0o777).toString(8)).toBe('600');
      }
    }
  });
});
