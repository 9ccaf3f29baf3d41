import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePluginSchema } from '../../src/plugins/schema-validators.js';

const dir = mkdtempSync(join(tmpdir(), 'life-stats-validators-'));
const env = { LIFE_STATS_CACHE_DIR: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A new object each call: the in-process memo is per object, so a second call reads the folder. */
const schema = () => ({
  type: 'object',
  properties: { file: { type: 'string', minLength: 1 }, delimiter: { type: 'string', default: ',' } },
  required: ['file'],
  additionalProperties: false,
});

function validate(s: object, data: Record<string, unknown>) {
  const compiled = compilePluginSchema(s, env);
  if ('problem' in compiled) throw new Error(compiled.problem);
  const ok = compiled.validate(data);
  return { ok, data, errors: (compiled.validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`) };
}

describe('compilePluginSchema', () => {
  it('compiles once, caches the code (0600 in a 0700 folder), and the cached validator behaves the same', () => {
    const fresh = [validate(schema(), { file: 'a.csv' }), validate(schema(), { file: '', extra: 1 })];
    const files = readdirSync(env.LIFE_STATS_CACHE_DIR);
    expect(files).toHaveLength(1);
    expect(statSync(env.LIFE_STATS_CACHE_DIR).mode & 0o777).toBe(0o700);
    expect(statSync(join(env.LIFE_STATS_CACHE_DIR, files[0] as string)).mode & 0o777).toBe(0o600);
    const cached = [validate(schema(), { file: 'a.csv' }), validate(schema(), { file: '', extra: 1 })];
    expect(cached).toEqual(fresh);
    // Defaults applied, every problem reported.
    expect(fresh[0]).toEqual({ ok: true, data: { file: 'a.csv', delimiter: ',' }, errors: [] });
    expect(fresh[1]?.errors.sort()).toEqual([' additionalProperties', '/file minLength']);
  });

  it('compiles again over a broken cache file, and names a schema that is not draft-07', () => {
    const [file] = readdirSync(env.LIFE_STATS_CACHE_DIR);
    writeFileSync(join(env.LIFE_STATS_CACHE_DIR, file as string), 'this is not javascript {');
    expect(validate(schema(), { file: 'x' }).ok).toBe(true);
    expect(validate(schema(), { nofile: 'x' }).ok).toBe(false);
    const bad = compilePluginSchema({ type: 'object', properties: { n: { type: 'nonsense' } } }, env);
    expect(bad).toEqual({ problem: expect.stringContaining('schema is invalid') });
  });

  it('never runs a cached file others may write: it compiles instead', () => {
    const [file] = readdirSync(env.LIFE_STATS_CACHE_DIR);
    const path = join(env.LIFE_STATS_CACHE_DIR, file as string);
    // The key line stays: it is the schema's, so only the mode stands in the way.
    const key = readFileSync(path, 'utf8').split('\n')[0];
    // Planted code that would accept anything, in a file the group may write.
    writeFileSync(path, `${key}\nmodule.exports = () => true;`);
    chmodSync(path, 0o664);
    expect(validate(schema(), { nofile: 'x' }).ok).toBe(false);
    // Compiled over: the file is the real validator again, the owner's only.
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The same file, private: it is what runs (so the mode check is what stopped it above).
    writeFileSync(path, `${key}\nmodule.exports = () => true;`);
    chmodSync(path, 0o600);
    expect(validate(schema(), { nofile: 'x' }).ok).toBe(true);
    rmSync(path);
  });

  it("never runs a cached file whose key line is another schema's (a name collision): it compiles instead", () => {
    validate(schema(), { file: 'x' });
    const [file] = readdirSync(env.LIFE_STATS_CACHE_DIR);
    const path = join(env.LIFE_STATS_CACHE_DIR, file as string);
    const [key = '', ...code] = readFileSync(path, 'utf8').split('\n');
    expect(JSON.parse(key)).toEqual([2, expect.any(String), JSON.stringify(schema())]);
    // Private and the user's, but keyed by another schema: a validator that accepts anything.
    const other = JSON.stringify([2, JSON.parse(key)[1], JSON.stringify({ type: 'object' })]);
    writeFileSync(path, `${other}\nmodule.exports = () => true;`, { mode: 0o600 });
    expect(validate(schema(), { nofile: 'x' }).ok).toBe(false);
    // Compiled over with this schema's key and code.
    expect(readFileSync(path, 'utf8')).toBe([key, ...code].join('\n'));
    rmSync(path);
  });

  it("after a compile, removes the validators no process of this version can use: format 1's, another ajv's or format's", () => {
    const cacheDir = join(dir, 'prune');
    const local = { LIFE_STATS_CACHE_DIR: cacheDir };
    const own = (s: object) => {
      const compiled = compilePluginSchema(s, local);
      if ('problem' in compiled) throw new Error(compiled.problem);
    };
    own({ type: 'object', properties: { a: { type: 'string' } } });
    const [current = ''] = readdirSync(cacheDir);
    const [key = ''] = readFileSync(join(cacheDir, current), 'utf8').split('\n');
    const [format, ajvVersion] = JSON.parse(key) as [number, string];
    const plant = (name: string, firstLine: string) => {
      writeFileSync(join(cacheDir, name), `${firstLine}\nmodule.exports = () => true;`, { mode: 0o600 });
    };
    plant(`${'a'.repeat(64)}.cjs`, 'module.exports = () => true;'); // format 1: sha256 names, no key line
    plant('0123456789abcdef.cjs', JSON.stringify([format, '0.0.1', '{}'])); // an older ajv
    plant('fedcba9876543210.cjs', JSON.stringify([format - 1, ajvVersion, '{}'])); // another format
    plant('00000000aaaaaaaa.cjs', JSON.stringify([format, ajvVersion, '{"type":"string"}'])); // still usable
    writeFileSync(join(cacheDir, 'notes.txt'), 'not ours to remove');
    own({ type: 'object', properties: { b: { type: 'number' } } });
    const after = readdirSync(cacheDir);
    // Kept: the first schema's, the usable planted one, the second schema's new one, and not ours.
    for (const name of [current, '00000000aaaaaaaa.cjs', 'notes.txt']) expect(after).toContain(name);
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.cjs'))).toHaveLength(3);
    expect(readdirSync(cacheDir)).not.toContain(`${'a'.repeat(64)}.cjs`);
    expect(readdirSync(cacheDir)).not.toContain('0123456789abcdef.cjs');
    expect(readdirSync(cacheDir)).not.toContain('fedcba9876543210.cjs');
  });

  it('caches nothing with LIFE_STATS_CACHE_DIR=off', () => {
    const off = { LIFE_STATS_CACHE_DIR: 'off' };
    const before = readdirSync(env.LIFE_STATS_CACHE_DIR);
    const compiled = compilePluginSchema({ ...schema(), title: 'uncached' }, off);
    expect('validate' in compiled).toBe(true);
    expect(readdirSync(env.LIFE_STATS_CACHE_DIR)).toEqual(before);
    // The same schema with the cache on does write a file, so the check above can fail.
    compilePluginSchema({ ...schema(), title: 'uncached' }, env);
    expect(readdirSync(env.LIFE_STATS_CACHE_DIR)).toHaveLength(before.length + 1);
  });

  it('caches exactly the schemas a JSON round trip keeps unchanged (as isDeepStrictEqual judges it)', () => {
    class Box {
      a = 1;
    }
    const sparse = [1, 2, 3];
    delete sparse[1]; // a hole
    const extras: unknown[] = [
      1,
      0,
      1e300,
      'text',
      true,
      null,
      [1, { b: null }],
      { nested: [[]] },
      {
        get a() {
          return 1;
        },
      },
      undefined,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(0),
      /x/,
      () => 1,
      new Box(),
      Object.create(null),
      Object.assign([1, 2], { x: 1 }),
      { [Symbol('s')]: 1, a: 1 },
      { toJSON: () => 1 },
      sparse,
      [undefined],
    ];
    const dirFor = { LIFE_STATS_CACHE_DIR: join(dir, 'round-trip') };
    const judged = extras.map((extra, i) => {
      const schema = { type: 'object', title: `case ${i}`, 'x-extra': extra };
      const before = statSafe(dirFor.LIFE_STATS_CACHE_DIR);
      expect('validate' in compilePluginSchema(schema, dirFor)).toBe(true);
      const cached = statSafe(dirFor.LIFE_STATS_CACHE_DIR) > before;
      return { i, cached, roundTrip: isDeepStrictEqual(JSON.parse(JSON.stringify(schema)), schema) };
    });
    expect(judged.filter((j) => j.cached).length).toBeGreaterThan(5);
    expect(judged.filter((j) => !j.cached).length).toBeGreaterThan(5);
    for (const j of judged) expect(j).toEqual({ ...j, cached: j.roundTrip });
  });
});

function statSafe(folder: string): number {
  try {
    return readdirSync(folder).length;
  } catch {
    return 0;
  }
}
