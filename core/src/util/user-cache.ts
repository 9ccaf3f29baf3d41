/**
 * The user's cache folder of life-stats: compiled plugin validators (plugins/schema-validators.ts)
 * and the runtime's time-zone list (config/zone-list.ts). `~/.cache/life-stats/validators` (or
 * `$XDG_CACHE_HOME/…`); `LIFE_STATS_CACHE_DIR` moves it; `off` disables it. Created 0700, files
 * 0600; what is read from it counts only from a file and folder that are this user's and that no
 * one else may write.
 */
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache folder, or `undefined` when caching is off or there is no home folder. */
export function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const configured = env.LIFE_STATS_CACHE_DIR;
  if (configured === 'off') return undefined;
  if (configured) return configured;
  let home: string;
  try {
    home = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  } catch {
    return undefined;
  }
  return join(home, 'life-stats', 'validators');
}

/** Is `path` this user's, and writable by no one else? Throws when it cannot be read. */
export function ownedAndPrivate(path: string): boolean {
  const stats = statSync(path);
  const uid = process.getuid?.();
  return (uid === undefined || stats.uid === uid) && (stats.mode & 0o022) === 0;
}

/** Write atomically (a concurrent reader sees the old file or the new one, never half of one). */
export function storeInCache(file: string, text: string): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // The cache is an optimisation: a read-only or full disk costs the work again next time.
  }
}
