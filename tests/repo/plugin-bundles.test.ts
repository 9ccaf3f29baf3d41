/**
 * Every first-party plugin is published as one ES module, `dist/index.bundle.js`
 * (scripts/bundle-plugins.mjs): its package's `.` export. What the bundle still imports must be
 * there when a user installs the package: Node's modules, and the packages it lists as
 * dependencies or peer dependencies — never a development dependency (those are compiled in) and
 * never a file of its own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PLUGINS = fileURLToPath(new URL('../../plugins/', import.meta.url));

interface Manifest {
  name: string;
  exports: Record<string, string | { types?: string; default?: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const packages = readdirSync(PLUGINS)
  .filter((name) => existsSync(join(PLUGINS, name, 'package.json')))
  .map((name) => ({
    name,
    dir: join(PLUGINS, name),
    manifest: JSON.parse(readFileSync(join(PLUGINS, name, 'package.json'), 'utf8')) as Manifest,
  }));

/** Every module specifier of a static import or re-export (esbuild starts each on a line) or of an `import()`. */
function specifiers(code: string): string[] {
  const statements = code.matchAll(/^(?:import|export)\b[^;'"]*?(?:\bfrom\s*)?(["'])([^"']+)\1/gm);
  const dynamic = code.matchAll(/\bimport\(\s*(["'])([^"']+)\1\s*\)/g);
  return [...new Set([...statements, ...dynamic].map((match) => match[2] ?? ''))];
}

const packageOf = (specifier: string) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');
const builtins = new Set(builtinModules);
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtins.has(packageOf(specifier));

describe('the first-party plugins, as published', () => {
  it('are all here', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['csv', 'apple-health', 'oura', 'withings', 'strava', 'google-health', 'google-common']),
    );
  });

  for (const { name, dir, manifest } of packages) {
    it(`${manifest.name} exports one bundle that imports only what an install brings`, () => {
      const entry = manifest.exports['.'];
      expect(typeof entry === 'object' ? entry.default : entry).toBe('./dist/index.bundle.js');
      const file = join(dir, 'dist', 'index.bundle.js');
      expect(existsSync(file), `plugins/${name}/dist/index.bundle.js is missing: run \`npm run build\``).toBe(true);
      const imported = specifiers(readFileSync(file, 'utf8'));
      // The check sees the bundle's imports (every plugin has some), so the lists below mean something.
      expect(imported).toContain('@life-stats/core/plugin');
      expect(imported.filter((s) => s.startsWith('.'))).toEqual([]);
      const installed = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      expect(imported.filter((s) => !isBuiltin(s) && !installed.has(packageOf(s)))).toEqual([]);
    });
  }

  it('compiles in what only a development dependency provides (csv-parse in the csv plugin), still behind its import()', () => {
    const csv = packages.find((p) => p.name === 'csv');
    expect(csv?.manifest.devDependencies).toHaveProperty('csv-parse');
    const code = readFileSync(join(PLUGINS, 'csv', 'dist', 'index.bundle.js'), 'utf8');
    expect(code).toContain('node_modules/csv-parse/lib/');
    // Lazy: esbuild wraps a module reached only by `import()` in an init function, run by that import.
    expect(code).toMatch(/\.then\(\(\) => \(init_sync\(\), sync_exports\)\)/);
    expect(code.match(/init_sync\(\)/g)).toHaveLength(1);
  });
});
