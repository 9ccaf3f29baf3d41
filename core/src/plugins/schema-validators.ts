/**
 * Plugins' `configSchema` validators, compiled once per schema and machine. Compiling needs ajv's
 * compiler (about 30 ms to load, plus the draft-07 meta-schema and the schema itself: a third of a
 * `life-stats run`, docs/performance.md), yet a plugin's schema changes only with the plugin. So a
 * compiled validator is kept as ajv's standalone code in the user's cache folder, keyed by a hash of
 * the schema and ajv's version, and later processes evaluate that code instead of loading ajv.
 *
 * A cached validator exists only for a schema that passed the meta-schema check and compiled, so a
 * hit stands for both. A file's name is a quick hash of the key (no `node:crypto` on the run path);
 * its first line is the key itself, compared in full before anything in it is run. The folder is the user's own (created 0700, files 0600); anything unreadable
 * or broken in it is ignored and compiled again. `LIFE_STATS_CACHE_DIR` moves it; `off` disables it.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, Options } from 'ajv';
import { cacheDir, ownedAndPrivate, storeInCache } from '../util/user-cache.js';

const require = createRequire(import.meta.url);

/** Bump when the generated code's shape or the options below change. */
const FORMAT = 2;

/**
 * Plugin schemas are third-party: unknown keywords and formats must not break loading (ajv-formats
 * is not a dependency, so formats are not checked), and two plugins may share a `$id`. Library code
 * does not print: no "unknown format ignored" warnings.
 */
const OPTIONS: Options = {
  allErrors: true,
  useDefaults: true,
  strict: false,
  validateFormats: false,
  verbose: true,
  addUsedSchema: false,
  // checked against the meta-schema first, on one shared instance
  validateSchema: false,
  logger: false,
  code: { source: true },
};

/** A compiled validator: ajv's `ValidateFunction` shape, as far as life-stats reads it. */
interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** A schema's validator, or why it has none (the meta-schema's or the compiler's words). */
export type CompiledSchema = { validate: SchemaValidator } | { problem: string };

const compiled = new WeakMap<object, CompiledSchema>();

/**
 * The validator of a plugin's `configSchema`: from this process's memory, else the cache folder,
 * else compiled (and cached). Never throws: a schema that is not valid draft-07 or cannot be
 * compiled gives its `problem`.
 */
export function compilePluginSchema(schema: object, env: NodeJS.ProcessEnv = process.env): CompiledSchema {
  let result = compiled.get(schema);
  if (!result) {
    result = fromCache(schema, env);
    compiled.set(schema, result);
  }
  return result;
}

function fromCache(schema: object, env: NodeJS.ProcessEnv): CompiledSchema {
  const dir = cacheDir(env);
  // Only a schema that is plain JSON can be keyed by its text (a RegExp or function would vanish).
  const json = JSON.stringify(schema);
  const key = dir !== undefined && json !== undefined && isPlainJson(schema) ? keyOf(json) : undefined;
  const file = dir !== undefined && key !== undefined ? join(dir, `${hash(key)}.cjs`) : undefined;
  if (file && key) {
    const cached = load(file, key);
    if (cached) return { validate: cached };
  }
  const fresh = compile(schema);
  if (file && key && 'code' in fresh) {
    storeInCache(file, `${key}\n${fresh.code}`);
    prune(join(file, '..'));
  }
  return 'problem' in fresh ? fresh : { validate: fresh.validate };
}

/**
 * Does `value` come back from a JSON round trip unchanged (what `isDeepStrictEqual(JSON.parse(
 * JSON.stringify(value)), value)` says, without loading `node:util`: ~5 ms on Node 24)? Plain
 * objects and arrays of strings, finite numbers other than -0, booleans and null, nothing else.
 */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || Object.getOwnPropertySymbols(value).length > 0) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length) return false;
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isPlainJson);
}

/** Everything a cached validator depends on, as one line (JSON escapes every line break but U+2028/9, which `\n`-splitting ignores). */
function keyOf(json: string): string {
  return JSON.stringify([FORMAT, ajvVersion(), json]);
}

/** How every key of this format and ajv version starts: `[2,"8.17.1",`. */
function keyPrefix(): string {
  return `${JSON.stringify([FORMAT, ajvVersion()]).slice(0, -1)},`;
}

function ajvVersion(): string {
  return (require('ajv/package.json') as { version: string }).version;
}

/** Two 32-bit FNV-1a hashes of the key (different offsets): a file name, not a guarantee — the key line is. */
function hash(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Evaluate cached standalone code (CommonJS; its `require`s are ajv's small runtime helpers) — only
 * from a file and folder that are this user's and that no one else may write: code another local
 * user could plant (a cache folder pointed at a shared place) is never run, only compiled over —
 * and only when its first line is this schema's key (another schema whose name hashes the same is
 * compiled over too).
 */
function load(file: string, key: string): SchemaValidator | undefined {
  let code: string;
  try {
    if (!ownedAndPrivate(join(file, '..')) || !ownedAndPrivate(file)) return undefined;
    const text = readFileSync(file, 'utf8');
    const newline = text.indexOf('\n');
    if (newline < 0 || text.slice(0, newline) !== key) return undefined;
    code = text.slice(newline + 1);
  } catch {
    return undefined;
  }
  try {
    const module = { exports: {} as unknown };
    new Function('module', 'exports', 'require', code)(module, module.exports, require);
    const validate = module.exports as SchemaValidator;
    return typeof validate === 'function' ? validate : undefined;
  } catch {
    return undefined;
  }
}

/** A cached validator's file name: format 1 named it by a sha256, format 2 by {@link hash}. */
const CACHE_FILE = /^(?:[0-9a-f]{64}|[0-9a-f]{16})\.cjs$/;

/**
 * After a compile (rare: a new schema, a new ajv or format), remove the folder's validators that no
 * process of this version can use any more: format 1's files, and files whose key line names
 * another format or ajv version. Only this cache's own file names, only in a folder that is this
 * user's and private; never fails the run.
 */
function prune(dir: string): void {
  const current = keyPrefix();
  try {
    if (!ownedAndPrivate(dir)) return;
    for (const name of readdirSync(dir)) {
      if (!CACHE_FILE.test(name)) continue;
      const path = join(dir, name);
      if (name.length === 64 + 4 || !firstLine(path).startsWith(current)) rmSync(path, { force: true });
    }
  } catch {
    // The cache is an optimisation: what cannot be removed now is tried again after a later compile.
  }
}

/** The first line of a file, read in one small chunk (a key line is short next to the code). */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const text = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
    const newline = text.indexOf('\n');
    return newline < 0 ? text : text.slice(0, newline);
  } finally {
    closeSync(fd);
  }
}

let metaChecker: Ajv | undefined;

type AjvClass = typeof import('ajv').Ajv;

function compile(schema: object): { validate: SchemaValidator; code: string } | { problem: string } {
  // Loaded here only: a run whose plugins' validators are all cached never loads ajv's compiler.
  const { Ajv } = require('ajv') as { Ajv: AjvClass };
  const standaloneCode = require('ajv/dist/standalone/index.js') as { default: (ajv: Ajv, v: unknown) => string };
  try {
    // The draft-07 check on one shared instance, whose meta-schema is compiled once per process
    // (`validateSchema` does not add the schema, so `$id`s cannot collide), then the compile on a
    // fresh instance: two plugins may use the same `$id`, which one instance refuses.
    metaChecker ??= new Ajv({ strict: false, allErrors: true, logger: false });
    if (!metaChecker.validateSchema(schema)) {
      return { problem: `schema is invalid: ${metaChecker.errorsText()}` };
    }
    const ajv = new Ajv(OPTIONS);
    const validate = ajv.compile(schema);
    return { validate, code: standaloneCode.default(ajv, validate) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
