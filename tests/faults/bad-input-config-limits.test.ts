/**
 * Bad input, group `config`, continued (see bad-input-config.test.ts): values a schema type alone
 * lets through but that cannot work (issue 17) — day counts past 100 years, user ids the rule
 * refuses, ids the env secret store cannot tell apart, a file nested 100,000 levels deep, plugin
 * manifests with day counts no window can hold. Each exits 2 naming the key, before any store opens.
 */
import { base, plugins, users } from './support/bad-input-project.js';
import { type ConfigCase, checkConfigCases } from './support/config-cases.js';

/** A plugin whose manifest declares a day count; otherwise the counter plugin. */
const manifestWith = (field: string, value: string) =>
  `export default { id: 'days', apiVersion: 1, metric: { type: 'count' }, ${field}: ${value}, async fetch() { return []; } };\n`;

const LIMIT_CASES: ConfigCase[] = [
  // Item 6: day counts that cannot work.
  {
    name: 'backfillDays of 730,000 (2,000 years)',
    config: base((c) => {
      c.backfillDays = 730_000;
    }),
    expect: [/backfillDays: must be <= 36525/],
  },
  {
    name: 'backfillDays of 1e9',
    config: base((c) => {
      c.backfillDays = 1e9;
    }),
    expect: [/backfillDays: must be <= 36525/],
  },
  {
    name: "a plugin's settleDays of a million days",
    config: base((c) => {
      plugins(c)[0] = { use: './days.mjs' };
    }),
    files: { 'days.mjs': manifestWith('settleDays', '1_000_000') },
    expect: [/plugins\[0\]\.use: .*settleDays: must be a whole number of days from 0 to 36525, got number 1000000/],
  },
  {
    name: "a plugin's maxDaysPerFetch of Number.MAX_SAFE_INTEGER",
    config: base((c) => {
      plugins(c)[0] = { use: './days.mjs' };
    }),
    files: { 'days.mjs': manifestWith('maxDaysPerFetch', 'Number.MAX_SAFE_INTEGER') },
    expect: [/maxDaysPerFetch: must be a whole number of days from 1 to 36525, got number 9007199254740991/],
  },
  // A metric name is part of DynamoDB's sort key (`<date>#<metric>`, at most 1,024 bytes).
  {
    name: "an entry's metric name of 2,000 characters",
    config: base((c) => {
      (plugins(c)[0] as Record<string, unknown>).metric = 'm'.repeat(2_000);
    }),
    expect: [/plugins\[0\]\.metric: must NOT have more than 64 characters/],
  },
  {
    name: "a plugin's metric type of 2,000 characters",
    config: base((c) => {
      plugins(c)[0] = { use: './long.mjs' };
    }),
    files: {
      'long.mjs': `export default { id: 'long', apiVersion: 1, metric: { type: '${'m'.repeat(2_000)}' }, async fetch() { return []; } };\n`,
    },
    expect: [/plugins\[0\]\.use: .*metric\.type: must be at most 64 characters, got 2000/],
  },
  // Items 5 and 7: the user-id rule.
  {
    name: 'a user id of 10,000 characters',
    config: base((c) => {
      users(c)[0] = { id: 'a'.repeat(10_000) };
    }),
    expect: [/users\[0\]\.id: must NOT have more than 128 characters/],
  },
  {
    name: 'a user id that is a path (../x)',
    config: base((c) => {
      users(c)[0] = { id: '../x' };
    }),
    expect: [/users\[0\]\.id: must match pattern/],
  },
  {
    name: 'a user id with terminal escapes, among a repeated one: every problem listed',
    config: base((c) => {
      users(c).push({ id: 'me' }, { id: 'me' }, { id: 'me\u001b[2J' });
    }),
    expect: [/users\[3\]\.id: must match pattern/, /users\[2\]\.id: "me" is already used by users\[0\]/],
    problems: 3,
  },
  // Item 4: the env store maps ids onto variable names that keep neither case nor punctuation.
  {
    name: 'two users the env secret store cannot tell apart (alice-x, Alice.X, alice_x)',
    config: base((c) => {
      c.secrets = { type: 'env' };
      c.users = [{ id: 'alice-x' }, { id: 'Alice.X' }, { id: 'alice_x' }, { id: 'me' }];
    }),
    expect: [
      /users\[1\]\.id: "Alice\.X" and users\[0\]\.id "alice-x" would read the same environment variables \(LIFE_STATS_SECRET__<NAMESPACE>__ALICE_X__<NAME>\)/,
      /users\[2\]\.id: "alice_x" and users\[0\]\.id "alice-x"/,
    ],
    problems: 2,
  },
  {
    name: 'the same, with the env store chosen by LIFE_STATS_SECRETS=env',
    config: base((c) => {
      c.users = [{ id: 'alice-x' }, { id: 'ALICE_X' }];
    }),
    env: { LIFE_STATS_SECRETS: 'env' },
    expect: [/users\[1\]\.id: "ALICE_X" and users\[0\]\.id "alice-x" would read the same environment variables/],
  },
  // Item 7: a file nested so deep that copying it would overflow the stack.
  {
    name: 'a config nested 100,000 levels deep names the file and the place',
    config: `{"timezone":"UTC","users":[{"id":"me","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}],"plugins":[]}`,
    expect: [
      /1 config problem in .*life-stats\.config\.json:/,
      /users\[0\]\.x\[0\]\[0\].*: nests deeper than 64 levels/,
    ],
  },
];

checkConfigCases('bad input: config: limits', LIMIT_CASES);
