/**
 * The time-zone list kept in the user's cache (config/zone-list.ts): written once per runtime,
 * read back instead of asking Intl, ignored when it is another runtime's, broken or not private.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTimeZoneList } from '../../src/config/zone-list.js';
import { isValidTimeZone, useTimeZoneList } from '../../src/util/dates.js';

const dirs: string[] = [];
afterEach(() => {
  useTimeZoneList(Intl.supportedValuesOf('timeZone'));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cache(): { dir: string; file: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), 'life-stats-zones-'));
  dirs.push(root);
  const dir = join(root, 'cache');
  return { dir, file: join(dir, 'time-zones.json'), env: { LIFE_STATS_CACHE_DIR: dir } };
}

const key = () => `node ${process.versions.node} icu ${process.versions.icu} tz ${process.versions.tz}`;

/** A list of this runtime's key that names a zone no runtime has, to see whether it was used. */
function plant(dir: string, file: string, mode = 0o600): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ key: key(), zones: ['Europe/Berlin', 'Mars/Olympus_Mons'] }), { mode });
  chmodSync(file, mode);
}

describe('the cached time-zone list', () => {
  it('is written on first use, private, with the runtime key and exactly the runtime list', () => {
    const { file, env } = cache();
    loadTimeZoneList(env);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toEqual({ key: key(), zones: Intl.supportedValuesOf('timeZone') });
    expect(written.zones).toContain('Europe/Berlin');
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
  });

  it('is what later processes check zones against', () => {
    const { dir, file, env } = cache();
    plant(dir, file);
    loadTimeZoneList(env);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(true);
  });

  it("is ignored, and written anew, when it is another runtime's, broken or writable by others", () => {
    for (const spoil of [
      (dir: string, file: string) => {
        plant(dir, file);
        writeFileSync(file, JSON.stringify({ key: 'node 0.0.0 icu 1 tz 1', zones: ['Mars/Olympus_Mons'] }));
      },
      (dir: string, file: string) => {
        plant(dir, file);
        writeFileSync(file, '{"key":');
      },
      (dir: string, file: string) => plant(dir, file, 0o666),
    ]) {
      const { dir, file, env } = cache();
      spoil(dir, file);
      useTimeZoneList(Intl.supportedValuesOf('timeZone'));
      loadTimeZoneList(env);
      expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
      expect(JSON.parse(readFileSync(file, 'utf8')).zones).toEqual(Intl.supportedValuesOf('timeZone'));
    }
  });

  it('is neither read nor written with LIFE_STATS_CACHE_DIR=off', () => {
    const { file } = cache();
    loadTimeZoneList({ LIFE_STATS_CACHE_DIR: 'off' });
    expect(existsSync(file)).toBe(false);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
