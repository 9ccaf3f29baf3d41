/** Bad input, group `cli`: the real CLI, a valid config, bad command-line usage (see bad-input-config.test.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { expectNoSecret } from '@life-stats/testing/assertions';
import { runCli } from '@life-stats/testing/cli';
import { describe, expect, it } from 'vitest';
import { base, expectNothingStored, writeProject } from './support/bad-input-project.js';
import { badInputCase } from './support/case.js';
import { sqliteRows } from './support/rows.js';

// ---------------------------------------------------------------------------------------------
// cli: a valid config, bad usage. Exit 2 with a usage message; nothing written.
// ---------------------------------------------------------------------------------------------

interface CliCase {
  name: string;
  /** argv; `token` is the planted secret (for cases that put it on the command line). */
  argv: (token: string) => string[];
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  expect: RegExp[];
  /** The command may open (create) the store before refusing; it must still write no row. */
  mayCreateStore?: boolean;
  /** Texts that must not appear on stdout or stderr (an echoed argument, a raw escape). */
  never?: string[];
}

const LONG_ID = 'a'.repeat(10_000);
/** An OSC 8 hyperlink whose text hides where it points, and a colour change. */
const ESCAPES = '\x1b]8;;https://evil.example/\x07me\x1b]8;;\x07\x1b[31m';

const CLI_CASES: CliCase[] = [
  { name: 'an unknown command', argv: () => ['collect'], expect: [/unknown command 'collect'/, /--help/] },
  {
    name: 'an unknown option',
    argv: () => ['run', '--metrics', 'count'],
    expect: [/unknown option '--metrics'/, /--metric/],
  },
  {
    name: 'backfill with a --from that is not a calendar date',
    argv: () => ['backfill', '--from', '2026-02-30', '--to', '2026-03-02'],
    expect: [/--from must be a calendar date YYYY-MM-DD from 0001-01-01 to 9999-12-31, got "2026-02-30"/],
  },
  {
    name: 'backfill with --from after --to',
    argv: () => ['backfill', '--from', '2026-03-05', '--to', '2026-03-01'],
    expect: [/--from 2026-03-05 is after --to 2026-03-01/],
  },
  {
    name: 'backfill without --to',
    argv: () => ['backfill', '--from', '2026-03-01'],
    expect: [/required option '--to <date>' not specified/],
  },
  {
    name: 'run --metric naming no configured metric',
    argv: () => ['run', '--metric', 'steps'],
    expect: [/no enabled plugin entry writes metric "steps"/, /enabled metrics: count/],
  },
  {
    name: 'run --user naming nobody',
    argv: () => ['run', '--user', 'ghost'],
    expect: [/user "ghost" has no pair to run/],
    mayCreateStore: true,
  },
  {
    name: 'query --format that is not table, csv or json',
    argv: () => ['query', '--format', 'xml'],
    expect: [/'xml' is invalid/, /table, csv, json/],
  },
  {
    name: 'run --concurrency that is not a positive integer',
    argv: () => ['run', '--concurrency', '0'],
    expect: [/--concurrency/, /must be a positive integer/],
  },
  {
    name: '--config naming a file that does not exist',
    argv: () => ['run', '--config', 'nope.json'],
    expect: [/config file .*nope\.json does not exist/, /life-stats init/],
  },
  {
    name: 'LIFE_STATS_CONFIG naming a file that does not exist',
    argv: () => ['run'],
    env: { LIFE_STATS_CONFIG: 'elsewhere/life-stats.json' },
    expect: [/config file .*elsewhere\/life-stats\.json \(from LIFE_STATS_CONFIG\) does not exist/],
  },
  {
    name: 'backfill --user naming nobody',
    argv: () => ['backfill', '--from', '2026-03-01', '--to', '2026-03-02', '--user', 'ghost'],
    expect: [/user "ghost" has no pair to run/],
    mayCreateStore: true,
  },
  {
    name: 'check --metric naming no configured metric',
    argv: () => ['check', '--metric', 'steps'],
    expect: [/no enabled plugin entry writes metric "steps" \(enabled metrics: count\)/],
  },
  {
    name: 'auth for a plugin that is not enabled',
    argv: () => ['auth', 'google-fit', '--user', 'me'],
    expect: [/no enabled plugin "google-fit" in the config \(enabled: counter\)/],
  },
  {
    name: 'query --from that is not a calendar date',
    argv: () => ['query', '--from', '2026-13-01'],
    expect: [/--from must be a calendar date YYYY-MM-DD from 0001-01-01 to 9999-12-31, got "2026-13-01"/],
  },
  {
    name: '--log-level that is not a level',
    argv: () => ['run', '--log-level', 'loud'],
    expect: [/'loud' is invalid/, /debug, info, warn, error, silent/],
  },
  {
    name: 'secrets set with nothing on stdin',
    argv: () => ['secrets', 'set', 'counter', 'token', '--user', 'me'],
    stdin: '',
    expect: [/no value on stdin/],
  },
  {
    name: 'secrets set with a namespace that is not a name',
    argv: () => ['secrets', 'set', 'Counter NS', 'token', '--user', 'me'],
    stdin: 'new-value\n',
    expect: [/the namespace \(first argument\) must match/, /it is not shown/],
    never: ['Counter NS'],
  },
  {
    name: 'secrets set with the value on argv is refused and the value is not echoed',
    argv: (token) => ['secrets', 'set', 'counter', 'token', token, '--user', 'me'],
    expect: [
      /takes the value on stdin, not on the command line: nothing was stored/,
      /secrets set counter token --user me < token.txt/,
    ],
  },
  // Issue 17, item 3: a value typed where an argument goes is never echoed.
  {
    name: 'secrets set ns token=VALUE: refused, and the value is not echoed',
    argv: (token) => ['secrets', 'set', 'counter', `token=${token}`, '--user', 'me'],
    stdin: 'new-value\n',
    expect: [
      /the secret name \(second argument\) must match/,
      /it is not shown/,
      /secrets set counter <name> --user me/,
    ],
  },
  {
    name: 'secrets set ns VALUE: refused, and the value is not echoed',
    argv: (token) => ['secrets', 'set', 'counter', token.toUpperCase(), '--user', 'me'],
    stdin: 'new-value\n',
    expect: [/the secret name \(second argument\) must match/],
    never: ['TOKEN-'],
  },
  {
    name: 'secrets set ns VALUE extra: refused, and neither argument is echoed',
    argv: (token) => ['secrets', 'set', 'counter', `x=${token}`, token, '--user', 'me'],
    expect: [/takes the value on stdin/, /secrets set counter <name> --user me < token.txt/],
  },
  // Items 5 and 7: the user-id rule for every --user.
  ...(
    [
      ['secrets set', ['secrets', 'set', 'counter', 'token']],
      ['run', ['run']],
      ['backfill', ['backfill', '--from', '2026-03-01', '--to', '2026-03-02']],
      ['check', ['check']],
      ['query', ['query']],
      ['report', ['report']],
      ['auth', ['auth', 'counter']],
    ] as const
  ).flatMap(([command, argv]): CliCase[] =>
    (
      [
        ['a path (../x)', '../x'],
        ['a # (a#b)', 'a#b'],
        ['ANSI escapes', `me${ESCAPES}`],
        ['10,000 characters', LONG_ID],
      ] as const
    ).map(([what, id]) => ({
      name: `${command} --user with ${what}: refused naming --user`,
      argv: () => [...argv, '--user', id],
      stdin: 'new-value\n',
      expect:
        command === 'secrets set'
          ? [/the value of --user \(not shown: it may be a secret\) is not a user id/]
          : [/--user ".*" is not a user id: it (may hold only letters|is 10000 characters long)/],
      never: ['\x1b', LONG_ID.slice(0, 200), ...(command === 'secrets set' ? [id] : [])],
    })),
  ),
  // Item 6: day counts that cannot work, and the calendar's range stated.
  {
    name: 'backfill over 9,900 years (0100-01-01..9999-12-31): refused naming the limit',
    argv: () => ['backfill', '--from', '0100-01-01', '--to', '9999-12-31'],
    expect: [/--from 0100-01-01 --to 9999-12-31 spans 3615900 days; a backfill spans at most 36525 days/],
  },
  {
    name: 'backfill --from year 0: refused stating the supported range',
    argv: () => ['backfill', '--from', '0000-12-31', '--to', '0001-01-02'],
    expect: [/--from must be a calendar date YYYY-MM-DD from 0001-01-01 to 9999-12-31, got "0000-12-31"/],
  },
  // Item 10: what commander echoes is escaped.
  {
    name: 'an unknown command full of terminal escapes: shown escaped',
    argv: () => [`collect${ESCAPES}`],
    expect: [/unknown command 'collect\\x1b\]8;;https:\/\/evil\.example\/\\x07me/],
    never: ['\x1b', '\x07'],
  },
  {
    name: 'secrets set with the value as --value=… is refused and the value is not echoed',
    argv: (token) => ['secrets', 'set', 'counter', 'token', `--value=${token}`, '--user', 'me'],
    expect: [/unknown option '--value=…'/],
  },
];

describe('bad input: cli', () => {
  for (const k of CLI_CASES) {
    badInputCase('cli', k.name, async (c) => {
      const token = c.secret('token');
      const p = writeProject(base(), token);
      const argv = k.argv(token);
      const res = await runCli(argv, {
        cwd: p.dir,
        ...(k.stdin !== undefined ? { stdin: k.stdin } : {}),
        ...(k.env ? { env: k.env } : {}),
      });
      // The argv itself is what the user typed; what life-stats shows is stdout and stderr.
      c.see(res.stdout, res.stderr);
      expect(res.code, res.stderr).toBe(2);
      for (const re of k.expect) expect(res.stderr).toMatch(re);
      for (const text of k.never ?? []) expect(res.stdout + res.stderr).not.toContain(text);
      expectNoSecret(res.stdout + res.stderr, [token]);
      if (!k.mayCreateStore) expect(existsSync(p.db)).toBe(false);
      expectNothingStored(c, p);
      // The planted secret is still the one stored (a refused `secrets set` changed nothing).
      expect(JSON.parse(readFileSync(p.secretsFile, 'utf8'))).toEqual({ counter: { users: { me: { token } } } });
    });
  }
});

describe('the calendar the CLI takes', () => {
  it('backfills the years 0001–0099 as themselves (no Date.UTC two-digit-year trap)', async () => {
    const p = writeProject(base(), 'token-for-the-years-case');
    const res = await runCli(['backfill', '--from', '0050-01-01', '--to', '0050-01-03', '--json'], { cwd: p.dir });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).runs[0]).toMatchObject({
      status: 'ok',
      window: { start: '0050-01-01', end: '0050-01-03' },
    });
    expect(sqliteRows(p.db)).toEqual([{ user_id: 'me', metric_type: 'count', date: '0050-01-03', value: 10 }]);
  });
});
