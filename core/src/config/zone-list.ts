/**
 * The runtime's time-zone list (`Intl.supportedValuesOf('timeZone')`), which config validation
 * checks every zone against, kept in the user's cache folder (util/user-cache.ts): listing it costs
 * ~2 ms of every `life-stats validate` and `run`, reading it back ~0.1 ms. The file is keyed by
 * the versions the list depends on — Node (V8's canonical names), ICU and its time-zone data — so
 * another runtime lists it again and writes its own; anything unreadable, foreign, not this user's
 * or of another key is ignored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTimeZoneList } from '../util/dates.js';
import { cacheDir, ownedAndPrivate, storeInCache } from '../util/user-cache.js';

const FILE = 'time-zones.json';

/** What the list depends on. */
function runtimeKey(): string {
  const { node, icu, tz } = process.versions;
  return `node ${node} icu ${icu ?? '-'} tz ${tz ?? '-'}`;
}

/**
 * Let the date helpers use the cached list of this runtime, or list the zones once and cache them.
 * Never throws: without a cache the helpers list the zones themselves, as before.
 */
export function loadTimeZoneList(env: NodeJS.ProcessEnv): void {
  const dir = cacheDir(env);
  if (dir === undefined) return;
  const file = join(dir, FILE);
  const key = runtimeKey();
  const cached = read(file, key);
  if (cached) {
    useTimeZoneList(cached);
    return;
  }
  const zones = Intl.supportedValuesOf('timeZone');
  useTimeZoneList(zones);
  storeInCache(file, JSON.stringify({ key, zones }));
}

function read(file: string, key: string): string[] | undefined {
  try {
    if (!ownedAndPrivate(join(file, '..')) || !ownedAndPrivate(file)) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { key: found, zones } = parsed as { key?: unknown; zones?: unknown };
    if (found !== key || !Array.isArray(zones) || zones.length === 0) return undefined;
    return zones.every((zone) => typeof zone === 'string') ? (zones as string[]) : undefined;
  } catch {
    return undefined;
  }
}
