/**
 * better-sqlite3 loaded with its addon named directly (storage/sqlite-driver.ts): the file
 * `bindings` would pick, or nothing (its own search) when a build it tries first exists.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addonOf, loadSqliteDriver } from '../../src/storage/sqlite-driver.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A package folder holding the given files (paths under it). */
function packageWith(...files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'life-stats-addon-'));
  dirs.push(dir);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), '');
  }
  return dir;
}

describe('the SQLite driver', () => {
  it("names this install's build/Release addon, and the database it opens works", () => {
    const { Driver, binding } = loadSqliteDriver();
    const pkg = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    expect(binding).toEqual({ nativeBinding: join(pkg, 'build/Release/better_sqlite3.node') });
    const db = new Driver(':memory:', binding);
    expect(db.prepare('SELECT 6 * 7 AS n').get()).toEqual({ n: 42 });
    db.close();
  });

  it('leaves the search to `bindings` when a build it tries before Release exists, or none is there', () => {
    expect(addonOf(packageWith('build/Release/better_sqlite3.node'))).toEqual({
      nativeBinding: expect.stringMatching(/build\/Release\/better_sqlite3\.node$/),
    });
    expect(addonOf(packageWith('build/Release/better_sqlite3.node', 'build/Debug/better_sqlite3.node'))).toEqual({});
    expect(addonOf(packageWith('build/Release/better_sqlite3.node', 'build/better_sqlite3.node'))).toEqual({});
    expect(addonOf(packageWith('lib/index.js'))).toEqual({});
  });
});
