import {
  addDays,
  type DateWindow,
  isValidDate,
  LifeStatsError,
  type Observation,
  type PluginOAuthContext,
} from '@life-stats/core/plugin';
import type { OuraDataType, OuraDocument } from './data-types.js';
import { type OuraErrorContext, ouraApiError } from './oura-errors.js';

/** What a read needs besides the data type. */
export interface ReadOptions {
  oauth: PluginOAuthContext;
  /** `apiRootUrl`, ending in `/`. */
  apiRootUrl: string;
  window: DateWindow;
  errors: Omit<OuraErrorContext, 'path'>;
}

/** More pages than a window of documents can have: past it, Oura's `next_token` is going round. */
const MAX_PAGES = 1000;

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The query of a window. Oura's `day` is the user's local date, but its date-only bounds are not
 * both inclusive: a date-only `end_date` excludes its own day (issue 15; the-momentum/open-wearables
 * #1161 saw the daily collections filtered by `timestamp` against midnight), and `sleep` has been
 * seen excluding `start_date` instead (their #1007). Asking for a day more on each side covers both;
 * what falls outside the window is dropped by {@link observationsOf}.
 */
export function windowQuery(window: DateWindow): { start_date: string; end_date: string } {
  return { start_date: addDays(window.start, -1), end_date: addDays(window.end, 1) };
}

/** Every document of the data type's collection for the padded window, following `next_token`. */
export async function readDocuments(type: OuraDataType, options: ReadOptions): Promise<OuraDocument[]> {
  const path = `v2/usercollection/${type.collection}`;
  const context = { ...options.errors, path };
  const prefix = `[life-stats] [plugin:${context.pluginId}]`;
  const documents: OuraDocument[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(path, options.apiRootUrl);
    const query = { ...windowQuery(options.window), fields: type.fields.join(',') };
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    if (token !== undefined) url.searchParams.set('next_token', token);
    const response = await options.oauth.fetch(url, { headers: { accept: 'application/json' } });
    const body = await readBody(response);
    if (!response.ok) throw ouraApiError(context, response, body);
    const { data, next_token: next } = (body ?? {}) as { data?: unknown; next_token?: unknown };
    if (!Array.isArray(data)) {
      throw new LifeStatsError('E_PLUGIN_FAILED', `${prefix} Oura answered ${path} without a \`data\` list`, {
        hint: 'A proxy or a change at Oura answered instead of the Oura API v2: check `apiRootUrl`.',
      });
    }
    for (const item of data) if (typeof item === 'object' && item !== null) documents.push(item as OuraDocument);
    if (typeof next !== 'string' || next === '') return documents;
    if (seen.has(next)) break;
    seen.add(next);
    token = next;
  }
  throw new LifeStatsError('E_PLUGIN_FAILED', `${prefix} Oura's next_token for ${path} kept going round`, {
    hint: 'Run again later; if it persists, report it with this message.',
  });
}

/**
 * One observation per Oura `day` inside the window: the documents grouped by their `day` (Oura's
 * own local date, believed as DESIGN.md's "Day attribution" says) and read by the data type. A day
 * without a value (no document, a `null` score) has no observation.
 */
export function observationsOf(
  type: OuraDataType,
  documents: readonly OuraDocument[],
  window: DateWindow,
): Observation[] {
  const byDay = new Map<string, OuraDocument[]>();
  for (const document of documents) {
    const day = document.day;
    if (!isValidDate(day) || day < window.start || day > window.end) continue;
    const list = byDay.get(day) ?? [];
    list.push(document);
    byDay.set(day, list);
  }
  const observations: Observation[] = [];
  for (const day of [...byDay.keys()].sort()) {
    const value = type.dayValue(byDay.get(day) ?? []);
    if (value !== undefined) observations.push({ date: day, value });
  }
  return observations;
}
