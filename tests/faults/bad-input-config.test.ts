/**
 * Bad input, as a spec: every way a user, an operator or a plugin can hand life-stats something it
 * cannot use, and what life-stats must do about it — refuse (exit 2, or the pair `failed`), name the
 * problem (JSON path / flag / plugin and item), write nothing, and never show a secret.
 *
 * This file, `config`: the real CLI (in-process) runs `validate` and `run` against a broken config
 * file. The others: `bad-input-cli` (bad command-line usage), `bad-input-output` (a plugin returns
 * something core cannot store).
 */
import { base, plugins, users } from './support/bad-input-project.js';
import { type ConfigCase, checkConfigCases } from './support/config-cases.js';

/** The file and its settings: syntax, top-level keys, time zones, users, stores, the environment. */
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
    name: 'a fractional backfillDays',
    config: base((c) => {
      c.backfillDays = 1.5;
    }),
    expect: [/backfillDays: must be integer/],
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

checkConfigCases('bad input: config', CONFIG_CASES);
