/**
 * A plain package name resolved exactly as import-meta-resolve (Node's ES module algorithm, the
 * `node` and `import` conditions) resolves it, for the common shapes only, without loading
 * import-meta-resolve: that package, with the `node:assert`, `node:v8` and `node:util` it imports
 * for its error classes, is ~10 ms of every `life-stats run` (docs/performance.md, issue 18).
 *
 * The common shapes: a lowercase package name without a subpath, no self-reference, and a
 * `package.json` whose `exports` leads to `.` through plain strings and `node`/`import`/`default`
 * conditions. Anything else — `main` without `exports`, arrays, patterns, a target outside the
 * package or missing on disk, an unreadable or odd `package.json`, a builtin's name — answers
 * {@link UNUSUAL}, and the caller asks import-meta-resolve, which gives the same answer or error
 * as before. There is no cache: every answer comes from the files as they are now.
 */
import { readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join } from 'node:path';

/** This resolver does not decide the case: ask import-meta-resolve. */
export const UNUSUAL = Symbol('unusual');

const PLAIN_NAME_RE = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
/** A target segment nothing in Node's checks (`.`, `..`, `node_modules`, encoded characters) can object to. */
const PLAIN_SEGMENT_RE = /^[A-Za-z0-9_@+~-][A-Za-z0-9._@+~-]*$/;
const CONDITIONS = new Set(['default', 'node', 'import']);

/**
 * The real path of the module `name` resolves to from a file in `dir`; `undefined` when no
 * `node_modules/<name>` folder exists in `dir` or any parent (import-meta-resolve's
 * `ERR_MODULE_NOT_FOUND`); {@link UNUSUAL} for everything this resolver leaves to import-meta-resolve.
 */
export function resolvePlainPackage(name: string, dir: string): string | undefined | typeof UNUSUAL {
  if (!PLAIN_NAME_RE.test(name) || builtinModules.includes(name)) return UNUSUAL;
  const scope = packageScope(dir);
  if (scope === UNUSUAL || scope?.name === name) return UNUSUAL; // a package importing itself
  for (let at = dir; ; at = dirname(at)) {
    const folder = join(at, 'node_modules', name);
    if (tryStat(folder)?.isDirectory()) return resolveIn(folder);
    if (dirname(at) === at) return undefined;
  }
}

/** The package.json whose scope `dir` is in (Node's `getPackageScopeConfig`), if any. */
function packageScope(dir: string): Record<string, unknown> | undefined | typeof UNUSUAL {
  for (let at = dir; basename(at) !== 'node_modules'; at = dirname(at)) {
    const json = readJson(join(at, 'package.json'));
    if (json !== undefined) return json;
    if (dirname(at) === at) return undefined;
  }
  return undefined;
}

function resolveIn(folder: string): string | typeof UNUSUAL {
  const json = readJson(join(folder, 'package.json'));
  if (json === undefined || json === UNUSUAL) return UNUSUAL;
  const target = mainTarget(json.exports);
  if (target === UNUSUAL) return UNUSUAL;
  const segments = target.slice(2).split('/');
  if (!segments.every((s) => PLAIN_SEGMENT_RE.test(s) && s.toLowerCase() !== 'node_modules')) return UNUSUAL;
  const file = join(folder, ...segments);
  if (!tryStat(file)?.isFile()) return UNUSUAL; // import-meta-resolve words the error
  return realpathSync(file);
}

/** The `exports` target of `.`, when it is one plain string reached through known conditions. */
function mainTarget(exports: unknown): string | typeof UNUSUAL {
  if (typeof exports === 'string') return plainTarget(exports);
  if (!isObject(exports)) return UNUSUAL;
  const keys = Object.getOwnPropertyNames(exports);
  if (keys.length === 0) return UNUSUAL;
  const subpaths = keys.filter((key) => key.startsWith('.'));
  if (subpaths.length === 0) return conditionTarget(exports);
  if (subpaths.length !== keys.length || !Object.hasOwn(exports, '.')) return UNUSUAL;
  return conditionTarget(exports['.']);
}

function conditionTarget(target: unknown): string | typeof UNUSUAL {
  if (typeof target === 'string') return plainTarget(target);
  if (!isObject(target)) return UNUSUAL;
  const keys = Object.getOwnPropertyNames(target);
  // Numeric keys are an error in Node, and JSON.parse reorders them: not ours to decide.
  if (keys.some((key) => /^\d/.test(key))) return UNUSUAL;
  const key = keys.find((k) => CONDITIONS.has(k));
  return key === undefined ? UNUSUAL : conditionTarget(target[key]);
}

function plainTarget(target: string): string | typeof UNUSUAL {
  return target.startsWith('./') ? target : UNUSUAL;
}

/** A package.json's object; `undefined` when there is none; {@link UNUSUAL} when it cannot be read or is not an object. */
function readJson(file: string): Record<string, unknown> | undefined | typeof UNUSUAL {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as { code?: unknown }).code === 'ENOENT' ? undefined : UNUSUAL;
  }
  try {
    const json: unknown = JSON.parse(text);
    return isObject(json) ? json : UNUSUAL;
  } catch {
    return UNUSUAL;
  }
}

/** import-meta-resolve's `tryStatSync`: any error is "nothing there". */
function tryStat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
