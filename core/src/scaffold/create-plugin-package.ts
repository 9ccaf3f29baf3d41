import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { pluginNames } from './plugin-names.js';
import { pluginTemplates } from './templates.js';

/** Where and what {@link createPluginPackage} writes. */
export interface CreatePluginPackageOptions {
  /** The folder the package folder is created in. @default the working directory */
  dir?: string;
}

/** A package {@link createPluginPackage} wrote. */
export interface CreatedPluginPackage {
  /** Absolute path of the new package folder. */
  dir: string;
  packageName: string;
  /** The plugin id. */
  id: string;
  /** Files written, relative to `dir`. */
  files: string[];
}

/**
 * Write a ready-to-publish plugin package for `name` (see `pluginNames`): package.json,
 * tsconfig.json, `src/index.ts` with `definePlugin`, a test using the plugin kit against a local
 * fake provider, a README and a .gitignore.
 *
 * @throws {UsageError} for an invalid name, or when the package folder exists and is not empty.
 */
export function createPluginPackage(name: string, options: CreatePluginPackageOptions = {}): CreatedPluginPackage {
  const names = pluginNames(name);
  const dir = resolve(options.dir ?? process.cwd(), names.folder);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(`${dir} already exists and is not empty: choose another name or --dir`);
  }
  const files = pluginTemplates(names, coreVersion());
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return { dir, packageName: names.packageName, id: names.id, files: Object.keys(files) };
}

/** This core's version, for the new package's devDependency (same path from src/ and dist/). */
function coreVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
