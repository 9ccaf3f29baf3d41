import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';

/** A JS plugin file a config can `use` by relative path. */
const PLUGIN = `export default {
  id: 'counter', apiVersion: 1, metric: { type: 'count', unit: 'n' },
  configSchema: { type: 'object', properties: { base: { type: 'integer', default: 10 } }, additionalProperties: false },
  async fetch(ctx) {
    const out = [];
    for (let d = new Date(ctx.window.start + 'T00:00:00Z'); d.toISOString().slice(0, 10) <= ctx.window.end; d.setUTCDate(d.getUTCDate() + 1)) {
      out.push({ date: d.toISOString().slice(0, 10), value: ctx.config.base + d.getUTCDate() });
    }
    return out;
  },
};
`;

function project(config: Record<string, unknown>, files: Record<string, string> = {}) {
  const dir = tempDir('life-stats-cli-');
  writeFileSync(path.join(dir, 'counter.mjs'), PLUGIN);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, 'life-stats.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

const BASE = {
  timezone: 'UTC',
  backfillDays: 3,
  storage: { type: 'sqlite', path: 'data/ls.db' },
  secrets: { type: 'file', path: 'data/secrets.json' },
  users: [{ id: 'me' }],
  plugins: [{ use: './counter.mjs' }],
};

describe('life-stats CLI', () => {
  it('run stores rows, a rerun adds no duplicates, query prints the contract fields', async () => {
    const dir = project(BASE);
    const first = await runCli(['run'], { cwd: dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/me\s+count\s+counter\s+ok/);
    expect(existsSync(path.join(dir, 'data/ls.db'))).toBe(true);

    expect((await runCli(['run'], { cwd: dir })).code).toBe(0);
    const query = await runCli(['query', '--format', 'json'], { cwd: dir });
    expect(query.code).toBe(0);
    const rows = JSON.parse(query.stdout) as Record<string, unknown>[];
    expect(rows.length).toBe(4);
    expect(new Set(rows.map((r) => r.date)).size).toBe(rows.length);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
      'date',
      'metric_type',
      'source',
      'timestamp',
      'user_id',
      'value',
    ]);
    expect(rows[0]).toMatchObject({ user_id: 'me', metric_type: 'count', source: 'counter' });

    const csv = await runCli(['query', '--format', 'csv', '--metric', 'count'], { cwd: dir });
    expect(csv.stdout.split('\n')[0]).toBe('user_id,metric_type,date,value,timestamp,source');
    expect(csv.stdout.trim().split('\n')).toHaveLength(5);
    const table = await runCli(['query'], { cwd: dir });
    expect(table.stdout).toMatch(/^user_id\s+metric_type\s+date/);
  });

  it('run --json prints only the summary on stdout', async () => {
    const dir = project(BASE);
    const res = await runCli(['run', '--json', '--log-level', 'info'], { cwd: dir });
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.runs).toEqual([
      expect.objectContaining({ user: 'me', metric: 'count', plugin: 'counter', status: 'ok', items: 4 }),
    ]);
    expect(res.stderr).toMatch(/\[counter\] \[me\] \[count\] ok: 4 items/);
  });

  it('shows progress on a terminal and none when piped', async () => {
    const dir = project(BASE);
    const tty = await runCli(['run'], { cwd: dir, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/run: 1\/1 pairs \(last: me\/count ok\)/);
    const piped = await runCli(['run'], { cwd: dir });
    expect(piped.stderr).toBe('');
    const json = await runCli(['run', '--json'], { cwd: dir, tty: true });
    expect(json.stderr).not.toMatch(/pairs/);
  });

  it('exits 1 when a pair fails, and 0 again once it works', async () => {
    const dir = project(
      { ...BASE, plugins: [{ use: './broken.mjs' }, { use: './counter.mjs' }] },
      {
        'broken.mjs':
          "export default { id: 'broken', apiVersion: 1, metric: { type: 'broken' }, async fetch() { throw new Error('provider said no'); } };",
      },
    );
    const res = await runCli(['run'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/broken\s+broken\s+failed.*provider said no/);
    expect(res.stdout).toMatch(/count\s+counter\s+ok/);
    expect((await runCli(['run', '--metric', 'count'], { cwd: dir })).code).toBe(0);
  });

  it('backfill fetches an explicit window and leaves the cursor alone', async () => {
    const dir = project(BASE);
    const res = await runCli(['backfill', '--from', '2026-01-01', '--to', '2026-01-31', '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).runs[0]).toMatchObject({
      status: 'ok',
      items: 31,
      window: { start: '2026-01-01', end: '2026-01-31' },
    });
    const q = await runCli(['query', '--format', 'json', '--from', '2026-01-10', '--to', '2026-01-12'], { cwd: dir });
    expect(JSON.parse(q.stdout).map((r: { date: string; value: number }) => [r.date, r.value])).toEqual([
      ['2026-01-10', 20],
      ['2026-01-11', 21],
      ['2026-01-12', 22],
    ]);
  });

  it.each([
    ['an unknown flag', ['run', '--frobnicate'], /unknown option/],
    ['a bad date', ['backfill', '--from', '2026-02-30', '--to', '2026-03-01'], /--from must be a calendar date/],
    [
      '--from after --to',
      ['backfill', '--from', '2026-03-02', '--to', '2026-03-01'],
      /--from 2026-03-02 is after --to 2026-03-01/,
    ],
    ['a missing required flag', ['backfill', '--from', '2026-03-01'], /--to/],
    ['an unknown command', ['frobnicate'], /unknown command/],
    ['a metric nobody writes', ['run', '--metric', 'nope'], /no enabled plugin entry writes metric "nope"/],
    ['a user with no pair', ['run', '--user', 'ghost'], /user "ghost" has no pair/],
    ['a bad query format', ['query', '--format', 'xml'], /xml/],
    ['a bad concurrency', ['run', '--concurrency', '0'], /positive integer/],
  ])('%s exits 2 with a message and writes nothing', async (_name, argv, message) => {
    const dir = project(BASE);
    const res = await runCli(argv, { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    if (argv.includes('--user')) {
      // Finding a user's pairs reads the store's run rows, but nothing is written.
      const q = await runCli(['query', '--format', 'json'], { cwd: dir });
      expect(JSON.parse(q.stdout)).toEqual([]);
    } else {
      expect(existsSync(path.join(dir, 'data'))).toBe(false);
    }
  });

  it('reports every config problem at once with its path, exits 2, and touches no storage', async () => {
    const dir = project({
      ...BASE,
      timezone: 'Mars/Olympus',
      backfillDays: -1,
      storagee: {},
      users: [{ id: 'me', timezone: 'Europe/Berln' }],
      plugins: [
        { use: './counter.mjs', config: { base: 'ten' }, schedule: 'cron(0 4 * * * *)' },
        { use: './counter.mjs', metric: 'count' },
        { use: 'no-such-plugin-anywhere' },
      ],
    });
    for (const command of ['validate', 'run']) {
      const res = await runCli([command], { cwd: dir });
      expect(res.code).toBe(2);
      for (const expected of [
        'timezone',
        'backfillDays',
        'storagee',
        'users[0].timezone',
        'plugins[0].config.base',
        'plugins[0].schedule',
        'plugins[1].metric',
        'plugins[2].use',
        '@life-stats/plugin-no-such-plugin-anywhere',
      ]) {
        expect(res.stderr).toContain(expected);
      }
      expect(existsSync(path.join(dir, 'data'))).toBe(false);
    }
  });

  it('rejects a plugin with the wrong apiVersion or without fetch (exit 2)', async () => {
    const dir = project(
      { ...BASE, plugins: [{ use: './v2.mjs' }, { use: './nofetch.mjs' }] },
      {
        'v2.mjs': "export default { id: 'v2', apiVersion: 2, metric: { type: 'v2' }, async fetch() { return []; } };",
        'nofetch.mjs': "export default { id: 'nofetch', apiVersion: 1, metric: { type: 'nf' } };",
      },
    );
    const res = await runCli(['validate'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/apiVersion 2/);
    expect(res.stderr).toMatch(/fetch/);
  });

  it('no config found: exit 2 with a next step', async () => {
    const dir = tempDir('life-stats-empty-');
    const res = await runCli(['run'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/life-stats init/);
  });

  it('validate and plugins describe the config', async () => {
    const dir = project(BASE);
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('is valid');
    const p = await runCli(['plugins', '--json'], { cwd: dir });
    expect(p.code).toBe(0);
    const listed = JSON.parse(p.stdout).plugins[0];
    expect(listed).toMatchObject({
      id: 'counter',
      metric: 'count',
      enabled: true,
      schedule: 'rate(1 day)',
      config: { base: 10 },
    });
  });

  it('--config and LIFE_STATS_CONFIG select the file', async () => {
    const dir = project(BASE);
    const elsewhere = tempDir('life-stats-cwd-');
    expect((await runCli(['validate'], { cwd: elsewhere })).code).toBe(2);
    expect(
      (await runCli(['validate', '--config', path.join(dir, 'life-stats.config.json')], { cwd: elsewhere })).code,
    ).toBe(0);
    const viaEnv = await runCli(['validate'], {
      cwd: elsewhere,
      env: { LIFE_STATS_CONFIG: path.join(dir, 'life-stats.config.json') },
    });
    expect(viaEnv.code).toBe(0);
  });

  it('secrets set reads the value from stdin only, strips one newline, stores it 0600, never echoes it', async () => {
    const dir = project(BASE);
    const res = await runCli(['secrets', 'set', 'google-fit', 'token', '--user', 'me'], {
      cwd: dir,
      stdin: 'refresh-token-value\n\n',
    });
    expect(res.code).toBe(0);
    expect(res.stdout + res.stderr).not.toContain('refresh-token-value');
    const file = path.join(dir, 'data/secrets.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      'google-fit': { users: { me: { token: 'refresh-token-value\n' } } },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const shared = await runCli(['secrets', 'set', 'google-fit', 'client_id'], { cwd: dir, stdin: 'cid.apps\r\n' });
    expect(shared.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))['google-fit'].client_id).toBe('cid.apps');

    const argv = await runCli(['secrets', 'set', 'google-fit', 'token', 'value-in-argv'], { cwd: dir, stdin: '' });
    expect(argv.code).toBe(2);
    const empty = await runCli(['secrets', 'set', 'google-fit', 'token'], { cwd: dir, stdin: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/stdin/);
  });

  it('init writes a starter config that validates', async () => {
    const dir = tempDir('life-stats-init-');
    const res = await runCli(['init'], { cwd: dir });
    expect(res.code).toBe(0);
    expect((await runCli(['validate'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['init'], { cwd: dir })).code).toBe(2);
  });

  it('--help and --version exit 0', async () => {
    const help = await runCli(['--help'], { cwd: process.cwd() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('backfill');
    const version = await runCli(['--version'], { cwd: process.cwd() });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
