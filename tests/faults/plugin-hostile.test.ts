/**
 * A hostile or careless plugin, as issue 17's probe played it, through the real CLI on a project on
 * disk: secrets with `"` and `\` that a result or error carries JSON-escaped, URL-encoded or in
 * base64; logging that is not a string; observations built with getters; throws of a bigint or a
 * circular object; terminal escape sequences in its errors.
 */
import { expectNoSecret } from '@life-stats/testing/assertions';
import { runCli } from '@life-stats/testing/cli';
import { describe, expect } from 'vitest';
import { base, type Project, writeProject } from './support/bad-input-project.js';
import { badInputCase, type CaseRecorder, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

/** A project whose plugin (id `counter`, metric `count`, user secret `token`) is `source`. */
function hostile(c: CaseRecorder, token: string, source: string) {
  const p = writeProject(base(), token, { 'counter.mjs': source });
  const cli = async (...argv: string[]) => {
    const res = await runCli(argv, { cwd: p.dir, env: { LIFE_STATS_LOG_LEVEL: 'debug' } });
    c.see(res.stdout, res.stderr);
    return res;
  };
  return { p, cli };
}

/** Everything a user would see of a failed pair: run (table and JSON), the logs, the run row, status. */
async function everythingShown(c: CaseRecorder, t: ReturnType<typeof hostile>): Promise<string> {
  const json = await t.cli('run', '--json');
  const table = await t.cli('run');
  const status = await t.cli('status');
  const statusJson = await t.cli('status', '--json');
  const row = sqliteRun(t.p.db, 'me', 'count');
  c.see(row);
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout).runs[0].status).toBe('failed');
  return [json, table, status, statusJson].flatMap((r) => [r.stdout, r.stderr]).join('\n') + JSON.stringify(row);
}

const plugin = (fetchBody: string) => `export default {
  id: 'counter', apiVersion: 1, metric: { type: 'count' }, secrets: { user: ['token'] },
  async fetch(ctx) {
    const token = ctx.secrets.get('token');
    ${fetchBody}
  },
};
`;

describe('a plugin that carries its token in a rendered form (issue 17, item 1)', () => {
  const cases: { name: string; body: string; expect: RegExp }[] = [
    {
      name: 'a result holding the token (with " and \\) is previewed JSON-escaped',
      body: "return [{ date: ctx.window.end, value: 'Bearer ' + token }];",
      expect: /item 0 \{"date":"[\d-]+","value":"Bearer \[redacted\]"\}: value .* is a string, not a number/,
    },
    {
      name: 'an error message holding a JSON document with the token',
      body: "throw new Error('upstream said ' + JSON.stringify({ headers: { authorization: 'Bearer ' + token } }));",
      expect: /upstream said \{"headers":\{"authorization":"Bearer \[redacted\]"\}\}/,
    },
    {
      name: 'an error message holding the token URL-encoded',
      body: "throw new Error('GET https://api.example/v1?access_token=' + encodeURIComponent(token) + ' failed');",
      expect: /access_token=\[redacted\] failed/,
    },
    {
      name: 'an error message holding the token in base64',
      body: "throw new Error('rejected credentials ' + Buffer.from(token).toString('base64'));",
      expect: /rejected credentials \[redacted\]/,
    },
  ];
  for (const k of cases) {
    badInputCase('output', `${k.name}: no form of it in run, logs, the run row or status`, async (c) => {
      const token = c.secret('token', 'quoted');
      const t = hostile(c, token, plugin(k.body));
      const shown = await everythingShown(c, t);
      expectNoSecret(shown, [token]);
      expect(sqliteRun(t.p.db, 'me', 'count')?.last_error).toMatch(k.expect);
      c.checkNothingWritten(sqliteRows(t.p.db));
    });
  }
});

describe('a plugin that logs what is not a string (item 2)', () => {
  faultCase(
    'plugin',
    'an array, an Error, an object, a bigint and a circular value: all redacted, the pair is ok',
    async (c) => {
      const token = c.secret('token', 'quoted');
      const t = hostile(
        c,
        token,
        plugin(`
    ctx.log.warn(['Bearer ' + token]);
    ctx.log.warn(new Error('refresh failed for ' + token));
    ctx.log.info({ headers: { authorization: 'Bearer ' + token } });
    ctx.log.info(5n, 'not an object');
    const loop = { token };
    loop.self = loop;
    ctx.log.error(loop, loop);
    ctx.log.debug(Symbol('odd'), { n: 1n, at: new Date(0) });
    return [{ date: ctx.window.end, value: 7 }];`),
      );
      const res = await t.cli('run', '--json');
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toContain('warn  [counter] [me] [count] ["Bearer [redacted]"]');
      expect(res.stderr).toContain('refresh failed for [redacted]');
      expect(res.stderr).toContain('{"headers":{"authorization":"Bearer [redacted]"}}');
      expect(res.stderr).toContain('"self":"[Circular]"');
      expectNoSecret(res.stdout + res.stderr, [token]);
      const { window } = JSON.parse(res.stdout).runs[0];
      c.checkRows([{ user: 'me', metric: 'count', date: window.end, value: 7 }], sqliteRows(t.p.db));
      expect(sqliteRun(t.p.db, 'me', 'count')?.last_status).toBe('ok');
    },
  );
});

describe('observations built with getters (item 8)', () => {
  faultCase(
    'plugin',
    'getters that answer differently on a second read: exactly what was validated is stored',
    async (c) => {
      const token = c.secret('token');
      const t = hostile(
        c,
        token,
        plugin(`
    if (!token) throw new Error('no token');
    const flip = (first, later) => { let reads = 0; return () => (reads++ === 0 ? first : later); };
    const date = flip(ctx.window.end, 'garbage#steps');
    const value = flip(3, 1e300);
    const withGetters = { get date() { return date(); }, get value() { return value(); } };
    const start = flip(ctx.window.start, '9999-99-99');
    const proxied = new Proxy({}, { get: (_t, key) => (key === 'date' ? start() : key === 'value' ? 4 : undefined), ownKeys: () => [] });
    return [withGetters, proxied];`),
      );
      const res = await t.cli('run', '--json');
      expect(res.code, res.stderr).toBe(0);
      const { window } = JSON.parse(res.stdout).runs[0];
      c.checkRows(
        [
          { user: 'me', metric: 'count', date: window.end, value: 3 },
          { user: 'me', metric: 'count', date: window.start, value: 4 },
        ],
        sqliteRows(t.p.db),
      );
    },
  );

  badInputCase(
    'output',
    'a getter that throws: the result is rejected naming the item, nothing is written',
    async (c) => {
      const token = c.secret('token', 'quoted');
      const t = hostile(
        c,
        token,
        plugin(
          `return [{ date: ctx.window.end, value: 1 }, { date: ctx.window.end, get value() { throw new Error('lazy value for ' + token); } }];`,
        ),
      );
      const res = await t.cli('run', '--json');
      expect(res.code).toBe(1);
      expect(JSON.parse(res.stdout).runs[0].error).toMatch(
        /\[plugin:counter\] fetch\(\) returned a bad observation: reading item 1 threw: lazy value for \[redacted\]/,
      );
      expectNoSecret(res.stdout + res.stderr, [token]);
      c.checkNothingWritten(sqliteRows(t.p.db));
    },
  );
});

describe('a throw that is not an Error (item 9)', () => {
  const cases: { name: string; body: string; expect: RegExp }[] = [
    { name: 'a bigint', body: 'throw 5n;', expect: /^non-error thrown: 5n$/ },
    {
      name: 'a circular object',
      body: "const e = { why: 'loop', token }; e.self = e; throw e;",
      expect: /^non-error thrown: \{"why":"loop","token":"\[redacted\]","self":"\[Circular\]"\}$/,
    },
    {
      name: 'an object without a prototype',
      body: "throw Object.assign(Object.create(null), { why: 'bare' });",
      expect: /^non-error thrown: \{"why":"bare"\}$/,
    },
  ];
  for (const k of cases) {
    badInputCase(
      'output',
      `${k.name}: the pair fails showing the plugin's value, not the serializer's error`,
      async (c) => {
        const token = c.secret('token', 'quoted');
        const t = hostile(c, token, plugin(k.body));
        const res = await t.cli('run', '--json');
        expect(res.code).toBe(1);
        const error = JSON.parse(res.stdout).runs[0].error as string;
        expect(error).toMatch(k.expect);
        expect(error).not.toMatch(/serialize|circular structure|Cannot convert/i);
        expectNoSecret(res.stdout + res.stderr, [token]);
        expect(sqliteRun(t.p.db, 'me', 'count')?.last_error).toMatch(k.expect);
        c.checkNothingWritten(sqliteRows(t.p.db));
      },
    );
  }
});

/** An OSC 8 hyperlink whose text hides its target, a screen clear, a bell and a bidi override. */
const ESCAPES = "'\\u001b]8;;https://evil.example/\\u0007click here\\u001b]8;;\\u0007 \\u001b[2J\\u0007 \\u202e'";

describe('terminal escapes in what a plugin says (item 10)', () => {
  badInputCase(
    'output',
    'escapes in an error: run, status and the logs show them escaped; JSON keeps them',
    async (c) => {
      const token = c.secret('token');
      const t: { p: Project; cli: (...argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }> } =
        hostile(c, token, plugin(`throw new Error('provider says ' + ${ESCAPES});`));
      const table = await t.cli('run');
      const status = await t.cli('status');
      const json = await t.cli('run', '--json');
      for (const text of [table.stdout, table.stderr, status.stdout, status.stderr, json.stderr]) {
        for (const raw of ['\u0007', '\u001b', '\u202e']) expect(text).not.toContain(raw);
      }
      expect(table.stdout).toContain(
        'provider says \\x1b]8;;https://evil.example/\\x07click here\\x1b]8;;\\x07 \\x1b[2J\\x07 \\u202e',
      );
      expect(table.stderr).toContain('failed: provider says \\x1b]8;;https://evil.example/');
      expect(status.stdout).toContain('provider says \\x1b]8;;');
      // JSON output escapes control characters itself: the error there is the plugin's exact text.
      expect(JSON.parse(json.stdout).runs[0].error).toBe(
        'provider says \u001b]8;;https://evil.example/\u0007click here\u001b]8;;\u0007 \u001b[2J\u0007 \u202e',
      );
      c.checkNothingWritten(sqliteRows(t.p.db));
    },
  );
});
