import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from '../errors.js';
import { compilePluginSchema } from '../plugins/schema-validators.js';
import type { JsonSchema } from '../plugins/types.js';
import { isRecord } from '../util/is-record.js';
import { ajvErrorsToProblems } from './ajv-problems.js';
import { cloneJson } from './validate-config.js';

/** Property names whose string values are paths even without `"format": "path"`. */
const PATH_NAMES = new Set(['file', 'path', 'dir']);

export interface PluginConfigOptions {
  /** The config file's folder: relative paths in the config resolve from here. */
  dir: string;
  /** Path of the config block in the file, for messages, e.g. `plugins[2].config`. */
  path: string;
}

export interface PluginConfigResult {
  /** A copy of the config with the schema's defaults applied and paths resolved. */
  config: Record<string, unknown>;
  problems: ConfigProblem[];
}

/**
 * Validate an entry's `config` against its plugin's `configSchema` (draft-07, defaults applied) and
 * resolve its relative paths from the config file's folder: string properties whose schema has
 * `"format": "path"`, and string properties named `file`, `path` or `dir`.
 */
export function validatePluginConfig(
  schema: JsonSchema,
  config: Record<string, unknown> | undefined,
  options: PluginConfigOptions,
): PluginConfigResult {
  const value = cloneJson(config ?? {});
  const compiled = compilePluginSchema(schema);
  if ('problem' in compiled) {
    return {
      config: value,
      problems: [{ path: options.path, message: `the plugin's configSchema cannot be compiled: ${compiled.problem}` }],
    };
  }
  const { validate } = compiled;
  if (!validate(value)) return { config: value, problems: ajvErrorsToProblems(validate.errors, value, options.path) };
  return { config: resolvePaths(schema, value, options.dir) as Record<string, unknown>, problems: [] };
}

/**
 * Resolve the relative paths in a plugin config from `dir` (in place), by the convention above;
 * with no schema at hand (plugin not loaded), by property name only.
 */
export function resolveConfigPaths(
  schema: JsonSchema | undefined,
  config: Record<string, unknown>,
  dir: string,
): Record<string, unknown> {
  return resolvePaths(schema ?? {}, config, dir) as Record<string, unknown>;
}

function resolvePaths(schema: unknown, value: unknown, dir: string): unknown {
  if (!isRecord(schema)) return value;
  if (isRecord(value)) {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    for (const [key, item] of Object.entries(value)) {
      const propertySchema = properties[key];
      if (typeof item === 'string' && isPathProperty(key, propertySchema)) value[key] = resolvePath(item, dir);
      else value[key] = resolvePaths(propertySchema, item, dir);
    }
  } else if (Array.isArray(value) && isRecord(schema.items)) {
    const items = schema.items;
    return value.map((item) =>
      typeof item === 'string' && items.format === 'path' ? resolvePath(item, dir) : resolvePaths(items, item, dir),
    );
  }
  return value;
}

function isPathProperty(key: string, schema: unknown): boolean {
  if (isRecord(schema) && schema.format === 'path') return true;
  if (!PATH_NAMES.has(key)) return false;
  return !isRecord(schema) || schema.type === undefined || schema.type === 'string';
}

/** Resolve a relative path from `dir`; absolute paths, URLs and `-` (stdin) stay as written. */
function resolvePath(value: string, dir: string): string {
  if (value === '' || value === '-' || isAbsolute(value) || /^[A-Za-z][A-Za-z0-9+.-]+:/.test(value)) return value;
  return resolve(dir, value);
}
