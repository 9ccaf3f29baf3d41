/**
 * Bad input, group `config`, continued (see bad-input-config.test.ts): broken plugin entries — a
 * plugin that cannot be found or is not a plugin, a config its schema refuses, a bad metric,
 * schedule, rate limit or flag.
 */
import { base, plugins } from './support/bad-input-project.js';
import { type ConfigCase, checkConfigCases } from './support/config-cases.js';

const ENTRY_CASES: ConfigCase[] = [
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
    name: 'a rate limit of zero requests per minute',
    config: base((c) => {
      plugins(c)[0] = { use: './counter.mjs', config: { base: 10 }, rateLimit: { requestsPerMinute: 0 } };
    }),
    expect: [/plugins\[0\]\.rateLimit\.requestsPerMinute: must be > 0/],
  },
];

checkConfigCases('bad input: config: plugin entries', ENTRY_CASES);
