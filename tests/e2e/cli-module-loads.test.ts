/**
 * What a `life-stats` process loads (issue 18): `--help` imports no command module and no config
 * code; `run` on the sample config imports the run command and nothing of report, auth, scaffold,
 * connect links, the AWS SDK or (once the plugin's validator is cached) ajv's compiler; a first-party
 * plugin is one file, its published bundle (scripts/bundle-plugins.mjs). Every ES module a process resolves and every CommonJS module it
 * requires is traced by an `--import` hook and compared, so a new static import that drags one of
 * them in fails here. The CLI and core's plugin entries run bundled (core/scripts/bundle.mjs): a
 * bundle file it loads stands for the modules esbuild put in it, which its `// <path>` comments name.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, PROVIDER_ENTRIES, ROOT, sampleProject } from '@life-stats/testing/sample-project';
import { afterAll, describe, expect, it } from 'vitest';

const project = sampleProject();

afterAll(() => rmSync(project.dir, { recursive: true, force: true }));

/** An `--import` module that prints `LOADED <path>` for every module the process loads. */
function tracer(dir: string): string {
  const hooks = join(dir, 'load-hooks.mjs');
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process._rawDebug('LOADED ' + result.url);
  return result;
}\n`,
  );
  const register = join(dir, 'load-trace.mjs');
  writeFileSync(
    register,
    `import { createRequire, register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const loaded = load.apply(this, arguments);
  try { process._rawDebug('LOADED ' + Module._resolveFilename(request, parent, isMain)); } catch {}
  return loaded;
};\n`,
  );
  return register;
}

/** The modules one CLI process loaded, as paths relative to the repository (`node_modules/x/…`). */
function loaded(args: string[]): { status: number | null; modules: string[]; builtins: string[]; stdout: string } {
  const res = spawnSync(process.execPath, ['--import', tracer(project.dir), CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    // The plugins' compiled config validators are cached here (plugins/schema-validators.ts).
    env: { ...process.env, LIFE_STATS_CACHE_DIR: join(project.dir, 'validators') },
  });
  const all = res.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length).replace(/^file:\/\//, ''));
  const modules = all
    .filter((path) => path.startsWith(ROOT))
    .flatMap((path) => (isBundle(path) ? [path, ...bundledModules(path)] : [path]))
    .map((path) => path.slice(ROOT.length));
  // Node's own modules, as `node:x` whether imported so or required by a bare name.
  const builtins = all.filter((path) => !path.startsWith('/')).map((name) => name.replace(/^(node:)?/, 'node:'));
  return { status: res.status, modules: [...new Set(modules)], builtins: [...new Set(builtins)], stdout: res.stdout };
}

const COMMANDS = 'core/dist/cli/commands/';
const BUNDLE = join(ROOT, 'core/dist/cli-bundle/');
const isBundle = (path: string) => path.startsWith(BUNDLE) || /\/core\/dist\/[^/]+\.bundle\.js$/.test(path);

/** The modules a chunk of the CLI's bundle holds: esbuild names each, relative to core, in a comment line. */
function bundledModules(chunk: string): string[] {
  const core = join(ROOT, 'core');
  return [...readFileSync(chunk, 'utf8').matchAll(/^\/\/ (\S+\.[cm]?js)$/gm)].map(
    (match) => `${ROOT}${relative(ROOT, resolve(core, match[1] ?? ''))}`,
  );
}
const HEAVY_BUILTINS = /^node:(crypto|child_process|assert|v8|http|https|net|stream|events)$/;

describe('the modules a life-stats process loads', () => {
  it('--help: the command table and commander, no command module and no config code', () => {
    const help = loaded(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: life-stats');
    expect(help.modules).toContain('core/dist/cli/command-table.js');
    expect(help.modules).toContain('core/dist/cli/program.js');
    expect(help.modules).toContain('node_modules/commander/index.js');
    expect(help.modules.filter((m) => m.startsWith(COMMANDS))).toEqual([]);
    // Nor the command context (logger, redactor, the user-id rule for `--user` flags).
    expect(help.modules.filter((m) => m.startsWith('core/dist/config/'))).toEqual([]);
    expect(help.modules).not.toContain('core/dist/cli/context.js');
    // Nor the date helpers, which the bin switches to `TZ` reads only when a command runs.
    expect(help.modules).not.toContain('core/dist/util/dates.js');
    expect(help.modules.filter((m) => /node_modules\/(ajv|cosmiconfig|better-sqlite3)\//.test(m))).toEqual([]);
  });

  it('run: the run command only, nothing of report, auth, scaffold, connect links, the AWS SDK or a schema compiler', () => {
    // The first run compiles the csv plugin's config validator (ajv) and caches it.
    expect(loaded(['run', '--config', project.config]).modules).toContain('node_modules/ajv/dist/ajv.js');
    const rerun = loaded(['run', '--config', project.config]);
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(/me\s+weight\s+csv\s+ok/);
    // What a run does need is traced, so the lists below cannot be empty by accident.
    expect(rerun.modules).toContain(`${COMMANDS}run.js`);
    expect(rerun.modules.some((m) => m.startsWith('node_modules/better-sqlite3/'))).toBe(true);
    expect(rerun.modules.filter((m) => m.startsWith(COMMANDS) && m !== `${COMMANDS}run.js`)).toEqual([]);
    const forbidden =
      /^core\/dist\/(report|scaffold|connect)\/|^core\/dist\/index\.js|^core\/dist\/oauth\/(session|plugin-context|token-request|consent)\.js|^core\/dist\/cli\/auth-flow\.js|^core\/dist\/oauth\/loopback\.js|node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools|cosmiconfig|js-yaml|oauth4webapi|import-meta-resolve|commander)\/|^core\/dist\/cli\/program\.js|node_modules\/ajv\/dist\/(?!runtime\/)/;
    expect(rerun.modules.filter((m) => forbidden.test(m))).toEqual([]);
    // Node's modules that only OAuth, writes, commander or import-meta-resolve need (loaded lazily).
    expect(rerun.builtins).toContain('node:fs');
    expect(rerun.builtins.filter((b) => HEAVY_BUILTINS.test(b))).toEqual([]);
  });

  it('validate: the validate command, no commander, no import-meta-resolve, no schema compiler', () => {
    const validate = loaded(['validate', '--config', project.config]);
    expect(validate.status).toBe(0);
    expect(validate.stdout).toContain('is valid');
    expect(validate.modules).toContain(`${COMMANDS}validate.js`);
    expect(validate.modules).toContain('core/dist/cli/fast-argv.js');
    // The csv plugin imports core's slim entry, not the index with the whole programmatic API.
    expect(validate.modules).toContain('core/dist/plugin.js');
    const forbidden =
      /^core\/dist\/cli\/program\.js|^core\/dist\/index\.js|^core\/dist\/(report|scaffold|connect)\/|^core\/dist\/run\/run-pairs?\.js|^core\/dist\/oauth\/(session|consent)\.js|^core\/dist\/storage\/(sqlite|dynamodb)\.js|node_modules\/(commander|import-meta-resolve|cosmiconfig|better-sqlite3)\/|node_modules\/ajv\/dist\/(?!runtime\/)/;
    expect(validate.modules.filter((m) => forbidden.test(m))).toEqual([]);
    expect(validate.builtins).toContain('node:fs');
    expect(validate.builtins.filter((b) => HEAVY_BUILTINS.test(b))).toEqual([]);
    // Nor node:util (~5 ms on Node 24): a run has it only through better-sqlite3, as its floor does.
    expect(validate.builtins).not.toContain('node:util');
  });

  it('validate with every provider plugin: one file per plugin, its published bundle, and no XML or zip reader', () => {
    const config = join(project.dir, 'providers.config.json');
    writeFileSync(config, JSON.stringify({ users: [{ id: 'me' }], plugins: PROVIDER_ENTRIES }));
    const validate = loaded(['validate', '--config', config]);
    expect(validate.stdout).toContain('7 enabled');
    expect(validate.status).toBe(0);
    const names = ['oura', 'withings', 'strava', 'google-health', 'google-health-steps', 'google-fit-steps'];
    expect(validate.modules.filter((m) => m.startsWith('plugins/')).sort()).toEqual(
      [...names, 'apple-health', 'google-common'].map((name) => `plugins/${name}/dist/index.bundle.js`).sort(),
    );
    // Apple Health reads an export with saxes and yauzl, loaded on its first fetch or check, and
    // so are the Node modules it reads it with (streams, crypto for its cache file's name).
    expect(validate.modules.filter((m) => /node_modules\/(saxes|yauzl)\//.test(m))).toEqual([]);
    // Nor core's OAuth session, which google-common imports when a fetch or check opens one.
    const session = /^core\/dist\/(oauth-session\.bundle|oauth\/(session|token-request|token-cache|library))\.js$/;
    expect(validate.modules.filter((m) => session.test(m))).toEqual([]);
    expect(validate.builtins).toContain('node:fs');
    expect(validate.builtins.filter((b) => HEAVY_BUILTINS.test(b) || b === 'node:string_decoder')).toEqual([]);
  });
});
