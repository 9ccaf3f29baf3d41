import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Loader } from 'cosmiconfig';
import { ConfigError, type ConfigProblem, isLifeStatsError, LifeStatsError } from '../errors.js';
import { defaultExport, importModule } from '../plugins/import-module.js';
import { applyEnvOverrides, ENV_VARS } from './env-overrides.js';
import { nestingProblem } from './nesting.js';
import { parseJsonFile } from './parse-json.js';
import { resolveEntries } from './plugin-entries.js';
import { configSchema } from './schema.js';
import { toLoadedConfig } from './to-loaded-config.js';
import type { LoadedConfig } from './types.js';
import { asValidated, validateConfigFile } from './validate-config.js';
import { loadTimeZoneList } from './zone-list.js';

/** The cosmiconfig module name: `package.json#life-stats`, `.life-stats.json`, `life-stats.config.*`. */
const MODULE_NAME = 'life-stats';

/** File names searched in each folder, in order. */
const SEARCH_PLACES = [
  'package.json',
  '.life-stats.json',
  'life-stats.config.json',
  'life-stats.config.js',
  'life-stats.config.mjs',
  'life-stats.config.ts',
] as const;

export interface LoadConfigOptions {
  /** The config file; relative to `cwd`. @default `env.LIFE_STATS_CONFIG`, else a search from `cwd` */
  configPath?: string;
  /** Where the search starts and relative paths given here resolve from. @default process.cwd() */
  cwd?: string;
  /** Environment holding `LIFE_STATS_*` overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Import the enabled entries' plugins and validate their configs. @default true */
  loadPlugins?: boolean;
}

/** A config file found and parsed, not yet validated. */
export interface RawConfigFile {
  /** Absolute path of the file. */
  filepath: string;
  /** Its content (for `package.json`, the `life-stats` key). */
  config: unknown;
}

/**
 * Find, read and validate the config file, load the plugins of its enabled entries and validate
 * their configs. Never opens storage or secrets.
 *
 * The file is `configPath`, else `LIFE_STATS_CONFIG`, else the first of {@link SEARCH_PLACES}
 * found in `cwd` or a parent folder up to the home folder (cosmiconfig's `global` search strategy,
 * so the command works from any subfolder of a project, including a workspace package with its own
 * package.json), else `~/.config/life-stats/config.json` (or the platform's equivalent).
 *
 * @throws {LifeStatsError} `E_CONFIG_NOT_FOUND` when there is no config file.
 * @throws {ConfigError} `E_CONFIG` listing every problem, each with its JSON path.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const { filepath, config: raw } = await findConfigFile({ ...options, cwd, env });
  const dir = dirname(filepath);
  // Before anything copies or validates it: a recursive walk of a too-deep value overflows the stack.
  const tooDeep = nestingProblem(raw);
  if (tooDeep) throw new ConfigError([tooDeep], filepath);

  const overridden = applyEnvOverrides(raw, env);
  // The zones the config names are checked against the runtime's list, cached by the user.
  loadTimeZoneList(env);
  const file = validateConfigFile(overridden.config);
  const plugins = await resolveEntries((file.value as { plugins?: unknown } | null)?.plugins, {
    dir,
    cwd,
    loadPlugins: options.loadPlugins ?? true,
  });
  const problems = [...overridden.problems, ...file.problems, ...plugins.problems];
  if (problems.length > 0) throw new ConfigError(sortProblems(problems), filepath);

  return toLoadedConfig(asValidated(file.value), { filepath, dir }, plugins.entries);
}

/**
 * Find and parse the config file without validating it: `configPath`, else `LIFE_STATS_CONFIG`,
 * else cosmiconfig's search from `cwd` (see {@link loadConfig}).
 *
 * @throws {LifeStatsError} `E_CONFIG_NOT_FOUND`; {@link ConfigError} when the file cannot be parsed.
 */
async function findConfigFile(options: LoadConfigOptions = {}): Promise<RawConfigFile> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const fromEnv = env[ENV_VARS.config] || undefined;
  const explicit = options.configPath ?? fromEnv;
  if (explicit !== undefined) {
    const filepath = resolve(cwd, explicit);
    const source = options.configPath === undefined ? ` (from ${ENV_VARS.config})` : '';
    const stats = await stat(filepath).catch(() => undefined);
    if (!stats?.isFile()) {
      throw new LifeStatsError(
        'E_CONFIG_NOT_FOUND',
        `[life-stats] config file ${filepath}${source} ${stats ? 'is not a file' : 'does not exist'}`,
        { hint: 'Check the path, or run `life-stats init` to write a starter config.' },
      );
    }
    const result = await guard(filepath, () => loadExplicit(filepath));
    if (!result || result.isEmpty) {
      const what =
        basename(filepath) === 'package.json'
          ? `has no "${MODULE_NAME}" key`
          : 'is empty (it must hold a config object)';
      throw new ConfigError([{ path: '', message: `the file ${what}` }], filepath);
    }
    return { filepath: result.filepath, config: result.config };
  }

  const result = await guard(undefined, async () => (await createExplorer()).search(cwd));
  if (!result) {
    throw new LifeStatsError(
      'E_CONFIG_NOT_FOUND',
      `[life-stats] no config file found in ${cwd} or its parent folders (looked for package.json#${MODULE_NAME}, ${SEARCH_PLACES.slice(1).join(', ')})`,
      { hint: 'Run `life-stats init` to write a starter config, or pass --config FILE.' },
    );
  }
  return { filepath: result.filepath, config: result.config };
}

/** cosmiconfig, imported on first use: a config named by path (the usual cron line) needs no search. */
async function createExplorer() {
  const { cosmiconfig } = await import('cosmiconfig');
  return cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'global',
    loaders: {
      '.json': loadJson,
      ...Object.fromEntries(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].map((ext) => [ext, loadModule])),
    },
    cache: false,
  });
}

/**
 * A config file named by path. A plain JSON file is read here, as cosmiconfig's `load` would (an
 * empty file is empty, `null` is no config); anything else — `package.json`, JS and TS configs, a
 * JSON file that uses cosmiconfig's `$import` — goes through cosmiconfig.
 */
async function loadExplicit(
  filepath: string,
): Promise<{ filepath: string; config: unknown; isEmpty?: boolean } | null> {
  if (extname(filepath) === '.json' && basename(filepath) !== 'package.json') {
    const content = await readFile(filepath, 'utf8');
    if (content.trim() === '') return { filepath, config: undefined, isEmpty: true };
    const config = loadJson(filepath, content);
    if (config === null) return null;
    if (typeof config !== 'object' || !Object.hasOwn(config, '$import')) return { filepath, config };
  }
  return (await createExplorer()).load(filepath);
}

const loadJson = (filepath: string, content: string): unknown => parseJsonFile(content, filepath);

/**
 * JS and TS configs: tsx for TypeScript rather than cosmiconfig's loader, which needs the
 * `typescript` package (users may not have it) and does not unwrap CommonJS-compiled defaults.
 */
const loadModule: Loader = async (filepath) => {
  const namespace = await importModule(filepath);
  return namespace.default === undefined ? undefined : defaultExport(namespace);
};

/** A JS/TS config that throws, or a broken file, as a config error naming the file. */
async function guard<T>(filepath: string | undefined, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isLifeStatsError(error)) throw error;
    const file = filepath ?? (error as { filepath?: string }).filepath;
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: '', message: `the file cannot be loaded: ${message}` }], file, { cause: error });
  }
}

const TOP_LEVEL_ORDER = Object.keys(configSchema.properties);

/**
 * Problems in file order: environment first, then by top-level key as the schema lists them, then
 * by array index, so everything about `plugins[2]` reads together.
 */
function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const rank = (path: string): [number, number] => {
    if (path.startsWith('env ')) return [-1, 0];
    const match = /^([^.[]*)(?:\[(\d+)\])?/.exec(path);
    const top = TOP_LEVEL_ORDER.indexOf(match?.[1] ?? '');
    return [top === -1 ? (path === '' ? -1 : TOP_LEVEL_ORDER.length) : top, Number(match?.[2] ?? -1)];
  };
  return problems
    .map((problem, order) => ({ problem, order, rank: rank(problem.path) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.order - b.order)
    .map(({ problem }) => problem);
}
