/**
 * Bad input, as a spec: every way a user, an operator or a plugin can hand life-stats something it
 * cannot use, and what life-stats must do about it — refuse (exit 2, or the pair `failed`), name the
 * problem (JSON path / flag / plugin and item), write nothing, and never show a secret.
 *
 * - `config`: the real CLI (in-process) runs `validate` and `run` against a broken config file.
 * - `cli`: the real CLI, a valid config, bad command-line usage.
 * - `output`: the run engine with an inline plugin that returns something core cannot store.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Storage } from '@life-stats/core';
import { definePlugin, runPairs } from '@life-stats/core';
import { runCli } from '@life-stats/testing/cli';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterEach, describe, expect } from 'vitest';
import { badInputCase, type CaseRecorder } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

// ---------------------------------------------------------------------------------------------
// A project on disk: a local plugin that needs a user secret, a config, a planted secrets file.
// ---------------------------------------------------------------------------------------------

/** A plugin the config `use`s by path. It reads a user secret, so a run would touch the secret. */
const PLUGIN = `export default {
  id: 'counter', apiVersion: 1, metric: { type: 'count', unit: 'n' },
  secrets: { user: ['token'] },
  configSchema: {
    type: 'object',
    properties: { base: { type: 'integer', minimum: 0 }, label: { type: 'string' } },
    required: ['base'],
    additionalProperties: false,
  },
  async fetch(ctx) {
    if (!ctx.secrets.get('token')) throw new Error('no token');
    return [{ date: ctx.window.end, value: ctx.config.base }];
  },
};
`;

type ConfigObject = Record<string, unknown>;

/** A valid config: `run` with it would store a row for `me`/`count`. */
const BASE: ConfigObject = {
  timezone: 'UTC',
  backfillDays: 3,
  storage: { type: 'sqlite', path: 'data/ls.db' },
  secrets: { type: 'file', path: 'data/secrets.json' },
  users: [{ id: 'me', timezone: 'Europe/Berlin' }],
  plugins: [{ use: './counter.mjs', config: { base: 10 } }],
};

interface Project {
  dir: string;
  db: string;
  secretsFile: string;
}

/**
 * Write the plugin (and any extra files), the config (an object, or raw text) and a secrets file
 * holding `token` for `me`.
 */
function writeProject(config: ConfigObject | string, token: string, files: Record<string, string> = {}): Project {
  const dir = tempDir('life-stats-bad-input-');
  writeFileSync(path.join(dir, 'counter.mjs'), PLUGIN);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(
    path.join(dir, 'life-stats.config.json'),
    typeof config === 'string' ? config : JSON.stringify(config, null, 2),
  );
  mkdirSync(path.join(dir, 'data'), { mode: 0o700 });
  const secretsFile = path.join(dir, 'data/secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ counter: { users: { me: { token } } } }), { mode: 0o600 });
  chmodSync(secretsFile, 0o600);
  return { dir, db: path.join(dir, 'data/ls.db'), secretsFile };
}

/** A copy of BASE with changes (deep enough for these cases). */
function base(change: (c: ConfigObject) => void = () => {}): ConfigObject {
  const copy = structuredClone(BASE);
  change(copy);
  return copy;
}

const plugins = (c: ConfigObject) => c.plugins as ConfigObject[];
const users = (c: ConfigObject) => c.users as ConfigObject[];

/** The store holds nothing: no SQLite file at all, or one with no metric row and no run row. */
function expectNothingStored(c: CaseRecorder, p: Project): void {
  c.checkNothingWritten(sqliteRows(p.db));
  expect(sqliteRun(p.db, 'me', 'count')).toBeUndefined();
  expect(sqliteRun(p.db, 'ghost', 'count')).toBeUndefined();
}

// ---------------------------------------------------------------------------------------------
// config: a broken config file. `validate` and `run` both exit 2 listing the problem by path.
// ---------------------------------------------------------------------------------------------

interface ConfigCase {
  name: string;
  /** The config file: an object, raw text, or built around the planted secret. */
  config: ConfigObject | string | ((token: string) => ConfigObject);
  /** Extra files next to the config (plugins). */
  files?: Record<string, string>;
  /** Name the file with `--config` instead of letting the search find it. */
  viaFlag?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Each must match stderr (the path and what is wrong). */
  expect: RegExp[];
  /** Expected number of problems listed in the message. */
  problems?: number;
}

const CONFIG_CASES: ConfigCase[] = [
  {
    name: 'invalid JSON syntax (a trailing comma) names the file, line and column',
    config: '{\n  "timezone": "UTC",\n  "backfillDays": 3,\n}\n',
    expect: [/life-stats\.config\.json/, /line 4/i, /column|col/i],
  },
  {
    name: 'an unknown top-level key',
    config: base((c) => {
      c.backfilDays = 5;
    }),
    expect: [/backfilDays: is not allowed \(did you mean "backfillDays"\?\)/],
  },
  {
    name: 'backfillDays of the wrong type',
    config: base((c) => {
      c.backfillDays = 'seven';
    }),
    expect: [/backfillDays: must be integer/],
  },
  {
    name: 'a negative backfillDays',
    config: base((c) => {
      c.backfillDays = -1;
    }),
    expect: [/backfillDays: must be >= 0/],
  },
  {
    name: 'a top-level time zone that is not IANA',
    config: base((c) => {
      c.timezone = 'Mars/Olympus';
    }),
    expect: [/timezone: "Mars\/Olympus" is not an IANA time zone/],
  },
  {
    name: "a user's time zone that is not IANA",
    config: base((c) => {
      users(c)[0] = { id: 'me', timezone: 'CEST' };
    }),
    expect: [/users\[0\]\.timezone: "CEST" is not an IANA time zone/],
  },
  {
    name: 'a schedule expression EventBridge would refuse',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10 }, schedule: 'every day at 4' };
    }),
    expect: [/plugins\[0\]\.schedule: "every day at 4" is not a schedule expression: use rate\(/],
  },
  {
    name: 'two enabled entries writing the same metric',
    config: base((c) => {
      plugins(c).push({ use: './counter.mjs', config: { base: 20 } });
    }),
    expect: [/plugins\[1\]\.metric: "count" .*is already written by plugins\[0\]; give one of them another "metric"/],
  },
  {
    name: 'a plugin that cannot be found names the candidates and how to install it',
    config: base((c) => {
      plugins(c)[0] = { use: 'acme-water' };
    }),
    expect: [
      /plugins\[0\]\.use: plugin "acme-water" not found: tried acme-water, @life-stats\/plugin-acme-water, life-stats-plugin-acme-water/,
      /npm install @life-stats\/plugin-acme-water/,
    ],
  },
  {
    name: 'plugin config missing a field its schema requires',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: {} };
    }),
    expect: [/plugins\[0\]\.config\.base: is required/],
  },
  {
    name: 'plugin config of the wrong type',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 'ten' } };
    }),
    expect: [/plugins\[0\]\.config\.base: must be integer/],
  },
  {
    name: 'plugin config with a property its schema does not know',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10, colour: 'red' } };
    }),
    expect: [/plugins\[0\]\.config\.colour: is not allowed/],
  },
  {
    name: 'an environment override with a bad value',
    config: base(),
    env: { LIFE_STATS_STORAGE: 'postgres' },
    expect: [/env LIFE_STATS_STORAGE: "postgres" is not one of sqlite, dynamodb/],
  },
  {
    name: 'a table override without switching storage to dynamodb',
    config: base(),
    env: { LIFE_STATS_METRICS_TABLE: 'my-metrics' },
    expect: [/env LIFE_STATS_METRICS_TABLE: .*LIFE_STATS_STORAGE=dynamodb/],
  },
  {
    name: 'an unknown storage type',
    config: base((c) => {
      c.storage = { type: 'postgres', path: 'data/ls.db' };
    }),
    expect: [/storage\.type: must be one of sqlite, dynamodb/],
  },
  {
    name: 'an "enabled" flag written as a string',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10 }, enabled: 'false' };
    }),
    expect: [/plugins\[0\]\.enabled: must be boolean/],
  },
  {
    name: 'a misspelt "enabled" key ("enable") is not silently ignored',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10 }, enable: false };
    }),
    expect: [/plugins\[0\]\.enable: is not allowed \(did you mean "enabled"\?\)/],
  },
  {
    name: 'a fractional backfillDays',
    config: base((c) => {
      c.backfillDays = 1.5;
    }),
    expect: [/backfillDays: must be integer/],
  },
  {
    name: 'a metric name that is not a metric type',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10 }, metric: 'Step Count' };
    }),
    expect: [/plugins\[0\]\.metric: must match pattern "\^\[a-z\]\[a-z0-9_\]\*\$"/],
  },
  {
    name: 'a plugin of an apiVersion core does not know',
    config: base((c) => {
      plugins(c)[0] = { use: './future.mjs' };
    }),
    files: {
      'future.mjs':
        "export default { id: 'future', apiVersion: 2, metric: { type: 'future' }, async fetch() { return []; } };\n",
    },
    expect: [
      /plugins\[0\]\.use: plugin \.\/future\.mjs declares apiVersion 2, but @life-stats\/core supports apiVersion 1/,
    ],
  },
  {
    name: 'a module that is not a plugin',
    config: base((c) => {
      plugins(c)[0] = { use: './helper.mjs' };
    }),
    files: { 'helper.mjs': 'export default { hello: 1 };\n' },
    expect: [
      /plugins\[0\]\.use: plugin \.\/helper\.mjs is not a valid life-stats plugin: /,
      /fetch: must be a function/,
    ],
  },
  {
    name: 'a secret pasted into a plugin config is refused without being echoed',
    config: (token) =>
      base((c) => {
        plugins(c)[0] = { use: './counter.mjs', config: { base: 10, token } };
      }),
    expect: [/plugins\[0\]\.config\.token: is not allowed/],
  },
  {
    name: 'an empty config file named with --config',
    config: '',
    viaFlag: true,
    expect: [/life-stats\.config\.json/, /is empty/],
  },
  {
    name: 'a user id that cannot be a key (a slash would break the SSM path)',
    config: base((c) => {
      users(c)[0] = { id: 'me/you' };
    }),
    expect: [/users\[0\]\.id: must match pattern/],
  },
  {
    name: 'an unknown secrets type',
    config: base((c) => {
      c.secrets = { type: 'vault' };
    }),
    expect: [/secrets\.type: must be one of file, ssm, env/],
  },
  {
    name: 'an SSM prefix without the leading slash',
    config: base((c) => {
      c.secrets = { type: 'ssm', prefix: 'life-stats' };
    }),
    expect: [/secrets\.prefix: must match pattern "\^\/"/],
  },
  {
    name: 'a rate limit of zero requests per minute',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10 }, rateLimit: { requestsPerMinute: 0 } };
    }),
    expect: [/plugins\[0\]\.rateLimit\.requestsPerMinute: must be > 0/],
  },
  {
    name: 'a DynamoDB table name DynamoDB would refuse',
    config: base((c) => {
      c.storage = { type: 'dynamodb', metricsTable: 'my metrics', runsTable: 'r' };
    }),
    expect: [
      /storage\.metricsTable: "my metrics" is not a DynamoDB table name/,
      /storage\.runsTable: "r" is not a DynamoDB table name/,
    ],
    problems: 2,
  },
  {
    name: 'a DynamoDB table name from the environment DynamoDB would refuse',
    config: base(),
    env: { LIFE_STATS_STORAGE: 'dynamodb', LIFE_STATS_RUNS_TABLE: 'runs?' },
    expect: [/storage\.runsTable: "runs\?" is not a DynamoDB table name/],
  },
  {
    name: 'a config file that is not an object',
    config: '[]\n',
    expect: [/life-stats\.config\.json:\n {2}- must be object/],
  },
  {
    name: 'the same user id twice',
    config: base((c) => {
      users(c).push({ id: 'me', timezone: 'UTC' });
    }),
    expect: [/users\[1\]\.id: "me" is already used by users\[0\]/],
  },
  {
    name: 'several problems in one file are all reported at once',
    config: base((c) => {
      c.backfillDays = -3;
      c.timezone = 'Nowhere/Land';
      users(c).push({ id: 'me' });
      plugins(c)[0] = { use: './counter.mjs', config: { base: 'ten' }, schedule: 'hourly' };
    }),
    expect: [
      /backfillDays: /,
      /timezone: "Nowhere\/Land"/,
      /users\[1\]\.id: /,
      /plugins\[0\]\.schedule: /,
      /plugins\[0\]\.config\.base: /,
    ],
    problems: 5,
  },
];

describe('bad input: config', () => {
  for (const k of CONFIG_CASES) {
    badInputCase('config', k.name, async (c) => {
      const token = c.secret('token');
      const p = writeProject(typeof k.config === 'function' ? k.config(token) : k.config, token, k.files);
      for (const command of ['validate', 'run']) {
        const argv = k.viaFlag ? [command, '--config', 'life-stats.config.json'] : [command];
        const res = await runCli(argv, { cwd: p.dir, ...(k.env ? { env: k.env } : {}) });
        c.see(res.stdout, res.stderr);
        expect(res.code, `${command}: ${res.stderr}`).toBe(2);
        for (const re of k.expect) expect(res.stderr, command).toMatch(re);
        expect(res.stderr).toMatch(/life-stats validate/);
        if (k.problems !== undefined) {
          expect(res.stderr).toMatch(new RegExp(`${k.problems} config problems`));
          expect(res.stderr.split('\n').filter((l) => l.startsWith('  - ')).length).toBeGreaterThanOrEqual(k.problems);
        }
        expect(res.stdout).toBe('');
      }
      // Exit 2 before touching storage: not even an empty SQLite file.
      expect(existsSync(p.db)).toBe(false);
      expectNothingStored(c, p);
    });
  }
});

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
}

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
    expect: [/--from must be a calendar date YYYY-MM-DD, got "2026-02-30"/],
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
    expect: [/--from must be a calendar date YYYY-MM-DD, got "2026-13-01"/],
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
    expect: [/namespace "Counter NS" must match/],
  },
  {
    name: 'secrets set with the value on argv is refused and the value is not echoed',
    argv: (token) => ['secrets', 'set', 'counter', 'token', token, '--user', 'me'],
    expect: [
      /takes the value on stdin, not on the command line: nothing was stored/,
      /secrets set counter token --user me < token.txt/,
    ],
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
      if (!k.mayCreateStore) expect(existsSync(p.db)).toBe(false);
      expectNothingStored(c, p);
      // The planted secret is still the one stored (a refused `secrets set` changed nothing).
      expect(JSON.parse(readFileSync(p.secretsFile, 'utf8'))).toEqual({ counter: { users: { me: { token } } } });
    });
  }
});

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
