/**
 * Packages depend on packages, not on each other's files (docs/architecture.md): a relative import
 * never leaves the package it is written in. Each workspace package (and the example plugin) is one
 * package; the repository root (tests/, bench/, scripts/) is another. Everything else goes through a
 * package name and its `exports`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Imports still to be moved onto package names (issue 13); this list only ever shrinks. */
const KNOWN: readonly string[] = [];

function packageRoots(): string[] {
  const tracked = execFileSync('git', ['ls-files', '*package.json'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.includes('node_modules/'));
  return tracked.map((f) => resolve(ROOT, dirname(f))).sort((a, b) => b.length - a.length);
}

function ownerOf(file: string, roots: readonly string[]): string {
  return roots.find((r) => file === r || file.startsWith(r + sep)) ?? ROOT;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g;

export function crossPackageImports(): string[] {
  const roots = packageRoots();
  const files = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.js', '*.mjs', '*.cjs'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  const found: string[] = [];
  for (const file of files) {
    const abs = resolve(ROOT, file);
    if (!existsSync(abs)) continue;
    const own = ownerOf(abs, roots);
    const text = readFileSync(abs, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(dirname(abs), match[2] as string);
      if (ownerOf(target, roots) !== own) found.push(`${file} -> ${match[2]}`);
    }
  }
  return found;
}

describe('package boundaries', () => {
  it('no relative import leaves its package', () => {
    const found = crossPackageImports();
    const fresh = found.filter((f) => !KNOWN.includes(f));
    expect(fresh, 'import these by package name and its exports instead').toEqual([]);
  });

  it('the list of known exceptions holds only imports that still exist', () => {
    const found = new Set(crossPackageImports());
    expect(KNOWN.filter((k) => !found.has(k))).toEqual([]);
  });

  it('finds a relative import that climbs into another package', () => {
    const roots = packageRoots();
    const from = join(ROOT, 'infra', 'src', 'x.ts');
    const target = resolve(dirname(from), '../../core/src/errors.js');
    expect(ownerOf(from, roots)).not.toBe(ownerOf(target, roots));
    expect(relative(ROOT, ownerOf(target, roots))).toBe('core');
  });
});
