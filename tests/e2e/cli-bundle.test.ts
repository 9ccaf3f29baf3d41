/**
 * The CLI and the entries plugins import run bundled (core/scripts/bundle.mjs, issue 18): core's
 * modules in a few files. The modules both use that hold state or classes must stay outside every
 * bundle, imported from `core/dist/` by the CLI and by plugins alike: one token cache (a refresh
 * token a plugin's session rotated is the one the CLI knows), one copy of the time-zone reads the
 * CLI turned on, one class of every error. The pure ones may be copied.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CLI, ROOT } from '@life-stats/testing/sample-project';
import { describe, expect, it } from 'vitest';

const DIST = join(ROOT, 'core/dist');
const BUNDLE = join(DIST, 'cli-bundle');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g;

/** Every file of core/dist the given entries reach through relative imports. */
function reachable(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = entries.map((entry) => join(DIST, entry));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) queue.push(resolve(dirname(file), match[2] ?? ''));
  }
  return seen;
}

const chunks = [
  ...readdirSync(BUNDLE)
    .filter((name) => name.endsWith('.js'))
    .map((name) => join(BUNDLE, name)),
  join(DIST, 'plugin.bundle.js'),
  join(DIST, 'oauth-session.bundle.js'),
];

/** `SHARED` of the bundle script: the modules every bundle imports and none copies. */
function sharedList(): Set<string> {
  const script = readFileSync(join(ROOT, 'core/scripts/bundle.mjs'), 'utf8');
  const list = /const SHARED = \[([^\]]*)\]/.exec(script)?.[1] ?? '';
  return new Set([...list.matchAll(/'([^']+)'/g)].map((m) => join(DIST, m[1] ?? '')));
}

/**
 * Does a compiled module hold state — a top-level `let`/`var`, an empty Map or Set it fills (a
 * `new Set([...])` is a lookup table) — or export a class (an `instanceof` across two copies fails)?
 */
function statefulOrClass(file: string): boolean {
  const code = readFileSync(file, 'utf8');
  return (
    /^(?:export )?(?:let|var) /m.test(code) ||
    /^(?:export )?const \w+ = new (?:Map|Set|WeakMap|WeakSet)\(\)/m.test(code) ||
    /^export class /m.test(code)
  );
}

/** The modules whose code esbuild put in a bundle (it names each in a `// <path>` line, relative to core). */
function bundled(): Set<string> {
  const out = new Set<string>();
  for (const chunk of chunks) {
    for (const match of readFileSync(chunk, 'utf8').matchAll(/^\/\/ (\S+\.[cm]?js)$/gm)) {
      out.add(resolve(ROOT, 'core', match[1] ?? ''));
    }
  }
  return out;
}

describe("the CLI's bundle", () => {
  const inBundle = bundled();

  it('holds core: the commands, the engine, the config loader, the stores', () => {
    for (const module of [
      'cli/main.js',
      'cli/commands/run.js',
      'run/run-pair.js',
      'config/load-config.js',
      'storage/sqlite.js',
    ]) {
      expect(inBundle).toContain(join(DIST, module));
    }
    // The small packages of the run path are compiled in; the rest (the AWS SDK, ajv, better-sqlite3) are not.
    expect([...inBundle].some((m) => m.includes('/node_modules/p-limit/'))).toBe(true);
    expect([...inBundle].filter((m) => /node_modules\/(@aws-sdk|ajv|better-sqlite3|commander)\//.test(m))).toEqual([]);
  });

  it('imports, never copies, the modules of the plugin entries that hold state or classes', () => {
    const keep = sharedList();
    const stateful = [...reachable(['plugin.js', 'oauth-session.js'])].filter(statefulOrClass);
    // The scan finds what matters, so the checks below cannot pass by finding nothing.
    for (const module of ['errors.js', 'util/dates.js', 'oauth/token-cache.js']) {
      expect(stateful).toContain(join(DIST, module));
    }
    expect(stateful.filter((module) => !keep.has(module))).toEqual([]);
    expect([...keep].filter((module) => inBundle.has(module))).toEqual([]);
    const imported = new Set(
      chunks.flatMap((chunk) =>
        [...readFileSync(chunk, 'utf8').matchAll(IMPORT)].map((m) => resolve(dirname(chunk), m[2] ?? '')),
      ),
    );
    expect(imported).toContain(join(DIST, 'errors.js'));
    expect(imported).toContain(join(DIST, 'util/dates.js'));
    expect(imported).toContain(join(DIST, 'oauth/token-cache.js'));
  });

  it('is what `@life-stats/core/plugin` and `/oauth` resolve to, with the index’s error classes', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'core/package.json'), 'utf8'));
    expect(pkg.exports['./plugin'].default).toBe('./dist/plugin.bundle.js');
    expect(pkg.exports['./oauth'].default).toBe('./dist/oauth-session.bundle.js');
    const plugin = await import(join(DIST, 'plugin.bundle.js'));
    const index = await import(join(DIST, 'index.js'));
    expect(plugin.ReconnectRequiredError).toBe(index.ReconnectRequiredError);
    expect(plugin.localDate).toBe(index.localDate);
    expect(Object.keys(plugin).filter((name) => !(name in index))).toEqual([]);
  });

  it('copies into several units only modules whose copies cannot disagree', () => {
    // Reviewed: each holds a class or a cache, and no two copies meet.
    const reviewed = [
      // InvalidOptionValue: thrown by a parser and caught by the same copy, main's fast path or
      // commander's (cli-program.js); fast-argv.test.ts pins that both answer alike.
      'core/dist/cli/command-table.js',
      // Caches of compiled validators: two copies compile or read the same file twice at worst.
      'core/dist/plugins/schema-validators.js',
      // AbortError, thrown and caught inside call-plugin; `run` and `check` never share a process.
      'node_modules/p-retry/index.js',
    ];
    const units = new Map<string, number>();
    for (const chunk of chunks.filter((file) => file.startsWith(BUNDLE))) {
      const inChunk = new Set(
        [...readFileSync(chunk, 'utf8').matchAll(/^\/\/ (\S+\.[cm]?js)$/gm)].map((m) =>
          resolve(ROOT, 'core', m[1] ?? ''),
        ),
      );
      for (const module of inChunk) units.set(module, (units.get(module) ?? 0) + 1);
    }
    const copied = [...units].filter(([, n]) => n > 1).map(([module]) => module);
    expect(copied.length).toBeGreaterThan(0);
    expect(
      copied
        .filter(statefulOrClass)
        .map((module) => module.slice(ROOT.length))
        .sort(),
    ).toEqual(reviewed);
  });

  it('is what the bin runs, and answers as the unbundled CLI does', () => {
    const run = (entry: string, args: string[]) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(${JSON.stringify(args)});`,
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
    expect(readFileSync(CLI, 'utf8')).toContain("import('../dist/cli-bundle/main.js')");
    // Help, version and usage errors through commander (cli-program.js, its own copy of the command
    // table), bad option values through each parser, a command the fast path takes.
    for (const args of [
      ['--help'],
      ['--version'],
      ['help', 'run'],
      ['nonsense'],
      ['run', '--bogus'],
      ['run', '--concurrency', '0'],
      ['run', '--concurrency=abc', '--config', 'nowhere.json'],
      ['backfill', '--from', '2026-02-30', '--config', 'nowhere.json'],
      ['validate', '--config', 'nowhere.json'],
    ]) {
      const bundledAnswer = run(join(BUNDLE, 'main.js'), args);
      const plain = run(join(DIST, 'cli/main.js'), args);
      expect({ status: bundledAnswer.status, stdout: bundledAnswer.stdout, stderr: bundledAnswer.stderr }).toEqual({
        status: plain.status,
        stdout: plain.stdout,
        stderr: plain.stderr,
      });
    }
  });
});

describe('the bin reads time zones through TZ (MainOptions.ownsProcess)', () => {
  it('gives each user the window of their own calendar day, as Intl does, whatever TZ the process has', () => {
    const dir = mkdtempSync(join(tmpdir(), 'life-stats-zones-'));
    try {
      // UTC+14 and UTC-11: 25 hours apart, so the two users' today is never the same date.
      const users = { east: 'Pacific/Kiritimati', west: 'Pacific/Pago_Pago' };
      writeFileSync(join(dir, 'weight.csv'), 'date,kg\n2026-01-01,70\n');
      const config = join(dir, 'life-stats.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          timezone: 'UTC',
          users: Object.entries(users).map(([id, timezone]) => ({ id, timezone })),
          plugins: [
            { use: 'csv', metric: 'weight', config: { file: 'weight.csv', dateColumn: 'date', valueColumn: 'kg' } },
          ],
        }),
      );
      const today = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
      const before = Object.fromEntries(Object.entries(users).map(([id, zone]) => [id, today(zone)]));
      const res = spawnSync(process.execPath, [CLI, 'run', '--json', '--config', config], {
        // The repository's node_modules has the csv plugin.
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, TZ: 'America/New_York', LIFE_STATS_CACHE_DIR: join(dir, 'validators') },
      });
      const after = Object.fromEntries(Object.entries(users).map(([id, zone]) => [id, today(zone)]));
      expect(res.status, res.stderr).toBe(0);
      const ends = Object.fromEntries(
        (JSON.parse(res.stdout).runs as { user: string; window: { end: string } }[]).map((r) => [r.user, r.window.end]),
      );
      expect(before.east).not.toBe(before.west);
      // A run that straddles a midnight may see either side of it.
      for (const id of Object.keys(users)) expect([before[id], after[id]]).toContain(ends[id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a plugin in the bundled CLI, importing the bundled @life-stats/core/plugin', () => {
  it("has its errors read as the CLI's own: reconnect, deferred, retried, each with its status", () => {
    const dir = mkdtempSync(join(tmpdir(), 'life-stats-bundled-plugin-'));
    try {
      // The project's own node_modules names the repository's core, as an install would.
      mkdirSync(join(dir, 'node_modules', '@life-stats'), { recursive: true });
      symlinkSync(join(ROOT, 'core'), join(dir, 'node_modules', '@life-stats', 'core'));
      const plugin = (id: string, body: string) =>
        writeFileSync(
          join(dir, `${id}.mjs`),
          `import { DeferPairError, ReconnectRequiredError, RetryableError, localDate } from '@life-stats/core/plugin';
let calls = 0;
export default { id: '${id}', apiVersion: 1, metric: { type: '${id}' },
  async fetch(ctx) { calls++; ${body} } };\n`,
        );
      plugin('revoked', "throw new ReconnectRequiredError('the grant was revoked', { pluginId: 'revoked' });");
      plugin(
        'spent',
        "throw new DeferPairError('the daily quota is spent', { resumeAt: new Date(Date.now() + 3_600_000) });",
      );
      plugin(
        'flaky',
        "if (calls < 2) throw new RetryableError('503 from the provider'); return [{ date: localDate(new Date(), ctx.user.timezone), value: calls }];",
      );
      const config = join(dir, 'life-stats.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          users: [{ id: 'me', timezone: 'Pacific/Kiritimati' }],
          backfillDays: 1,
          plugins: ['./revoked.mjs', './spent.mjs', './flaky.mjs'],
        }),
      );
      const res = spawnSync(process.execPath, [CLI, 'run', '--json', '--config', config], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, LIFE_STATS_CACHE_DIR: join(dir, 'cache') },
      });
      expect(res.status, res.stderr).toBe(1);
      const runs = JSON.parse(res.stdout).runs as { metric: string; status: string; items?: number }[];
      expect(Object.fromEntries(runs.map((r) => [r.metric, r.status]))).toEqual({
        revoked: 'reconnect',
        spent: 'deferred',
        flaky: 'ok',
      });
      expect(runs.find((r) => r.metric === 'flaky')?.items).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
