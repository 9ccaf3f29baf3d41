import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { useTempProjects } from '@life-stats/testing/temp-project';
import { resolve as importMetaResolve } from 'import-meta-resolve';
import { describe, expect, it } from 'vitest';
import { resolvePlainPackage, UNUSUAL } from '../../src/plugins/resolve-package.js';
import { resolvePlugin } from '../../src/plugins/resolve-plugin.js';

const project = useTempProjects();

/** import-meta-resolve's answer, as resolve-plugin.ts reads it: a path, not found, or an error code. */
function reference(name: string, dir: string): string | undefined {
  try {
    const url = importMetaResolve(name, pathToFileURL(join(dir, '__life-stats-resolve__.js')).href);
    return url.startsWith('file:') ? fileURLToPath(url) : `builtin ${url}`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') return undefined;
    return `error ${code}`;
  }
}

const file = 'export default {};\n';

/** package.json shapes: the ones the fast resolver answers, and the ones it must leave alone. */
const SHAPES: Array<{ name: string; exports?: unknown; main?: string; fast: boolean }> = [
  { name: 'string', exports: './dist/index.js', fast: true },
  { name: 'subpath-default', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }, fast: true },
  { name: 'subpath-string', exports: { '.': './dist/index.js', './package.json': './package.json' }, fast: true },
  { name: 'conditions', exports: { require: './dist/index.cjs', import: './dist/index.js' }, fast: true },
  {
    name: 'node-first',
    exports: { node: { import: './dist/node.js', require: './x.cjs' }, default: './dist/index.js' },
    fast: true,
  },
  { name: 'browser-first', exports: { browser: './dist/browser.js', default: './dist/index.js' }, fast: true },
  { name: 'require-only', exports: { require: './dist/index.cjs' }, fast: false },
  { name: 'array', exports: ['./dist/index.js'], fast: false },
  { name: 'main-only', main: './dist/index.js', fast: false },
  { name: 'no-entry', fast: false },
  { name: 'missing-target', exports: './dist/gone.js', fast: false },
  { name: 'outside', exports: '../elsewhere/index.js', fast: false },
  { name: 'dot-segment', exports: './dist/../dist/index.js', fast: false },
  { name: 'node-modules-segment', exports: './node_modules/x/index.js', fast: false },
  { name: 'bare-target', exports: 'other-package', fast: false },
  { name: 'mixed', exports: { '.': './dist/index.js', import: './dist/index.js' }, fast: false },
  { name: 'no-dot', exports: { './sub': './dist/index.js' }, fast: false },
  { name: 'pattern', exports: { './*': './dist/*.js' }, fast: false },
  { name: 'null-target', exports: { '.': null }, fast: false },
  { name: 'empty', exports: {}, fast: false },
  { name: 'numeric-key', exports: { '0': './dist/index.js' }, fast: false },
  { name: 'directory', exports: './dist', fast: false },
];

function packageFiles(shape: (typeof SHAPES)[number], dir = 'node_modules'): Record<string, string | object> {
  const pkg = `${dir}/${shape.name}`;
  return {
    [`${pkg}/package.json`]: {
      name: shape.name,
      version: '1.0.0',
      type: 'module',
      ...(shape.exports !== undefined ? { exports: shape.exports } : {}),
      ...(shape.main ? { main: shape.main } : {}),
    },
    [`${pkg}/dist/index.js`]: file,
    [`${pkg}/dist/index.cjs`]: file,
    [`${pkg}/dist/node.js`]: file,
    [`${pkg}/dist/browser.js`]: file,
    [`${pkg}/index.js`]: file,
    [`${pkg}/node_modules/x/index.js`]: file,
  };
}

describe('resolvePlainPackage: exactly import-meta-resolve, or leaves the case to it', () => {
  it.each(SHAPES)('$name', (shape) => {
    const p = project(packageFiles(shape));
    const fast = resolvePlainPackage(shape.name, p.dir);
    if (shape.fast) {
      expect(fast).not.toBe(UNUSUAL);
      expect(fast).toBe(reference(shape.name, p.dir));
      expect(fast).toMatch(/\/dist\/(index|node)\.js$/);
    } else {
      expect(fast).toBe(UNUSUAL);
    }
  });

  it('not installed anywhere up the tree: not found, as import-meta-resolve says', () => {
    const p = project({ 'a/b/c/.keep': '' });
    expect(reference('not-installed', p.path('a/b/c'))).toBeUndefined();
    expect(resolvePlainPackage('not-installed', p.path('a/b/c'))).toBeUndefined();
  });

  it('finds the nearest node_modules first, a scoped name, through a symlink to its real path', () => {
    const shape = SHAPES[1] as (typeof SHAPES)[number];
    const p = project({
      ...packageFiles(shape),
      ...packageFiles(shape, 'a/node_modules'),
      ...packageFiles({ ...shape, name: 'real-scoped' }, 'packages'),
      'a/b/.keep': '',
    });
    expect(resolvePlainPackage(shape.name, p.path('a/b'))).toBe(p.path(`a/node_modules/${shape.name}/dist/index.js`));
    mkdirSync(p.path('node_modules/@acme'));
    symlinkSync(p.path('packages/real-scoped'), p.path('node_modules/@acme/water'));
    const scoped = resolvePlainPackage('@acme/water', p.path('a/b'));
    expect(scoped).toBe(p.path('packages/real-scoped/dist/index.js'));
    expect(scoped).toBe(reference('@acme/water', p.path('a/b')));
  });

  it('leaves builtins, subpaths, odd names and self-references to import-meta-resolve', () => {
    const p = project({ 'package.json': { name: 'me', exports: './index.js' }, 'index.js': file });
    for (const name of ['fs', 'csv/sub', 'Upper', '.hidden', '@scope']) {
      expect(resolvePlainPackage(name, p.dir)).toBe(UNUSUAL);
    }
    expect(resolvePlainPackage('me', p.dir)).toBe(UNUSUAL);
    expect(reference('me', p.dir)).toBe(p.path('index.js'));
    // An unparseable package.json in the scope is import-meta-resolve's error to give.
    const broken = project({ 'package.json': '{ nope' });
    expect(resolvePlainPackage('anything', broken.dir)).toBe(UNUSUAL);
    expect(reference('anything', broken.dir)).toBe('error ERR_INVALID_PACKAGE_CONFIG');
  });

  it('answers from the files as they are now: a changed, moved or shadowed package is resolved again', async () => {
    const shape = SHAPES[0] as (typeof SHAPES)[number];
    const p = project({ ...packageFiles(shape), 'config/.keep': '' });
    const options = { configDir: p.path('config'), cwd: p.path('config') };
    expect((await resolvePlugin(shape.name, options)).path).toBe(p.path(`node_modules/${shape.name}/dist/index.js`));
    // The package's exports now point elsewhere.
    p.write({
      [`node_modules/${shape.name}/package.json`]: { name: shape.name, version: '2.0.0', exports: './dist/node.js' },
    });
    const changed = await resolvePlugin(shape.name, options);
    expect(changed.path).toBe(p.path(`node_modules/${shape.name}/dist/node.js`));
    expect(changed.version).toBe('2.0.0');
    // A closer install shadows it.
    p.write(packageFiles(shape, 'config/node_modules'));
    expect((await resolvePlugin(shape.name, options)).path).toBe(
      p.path(`config/node_modules/${shape.name}/dist/index.js`),
    );
    // Both moved away: not found.
    renameSync(p.path('node_modules'), p.path('moved'));
    renameSync(p.path('config/node_modules'), p.path('config/moved'));
    await expect(resolvePlugin(shape.name, options)).rejects.toMatchObject({ code: 'E_PLUGIN_NOT_FOUND' });
  });
});
