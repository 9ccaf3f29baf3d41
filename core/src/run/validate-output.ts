import { PluginOutputError } from '../errors.js';
import type { DateWindow, Observation } from '../plugins/types.js';
import { FIRST_DATE, isValidDate, LAST_DATE } from '../util/dates.js';
import { renderValue } from '../util/render-value.js';

const DATE_SHAPE_RE = /^\d{4}-\d{2}-\d{2}$/;
const PREVIEW_LENGTH = 160;
/** Placeholder quoting for values JSON cannot show (NaN, Infinity, bigint, undefined). */
const RAW = '\u0000';
/**
 * Magnitudes every store keeps: DynamoDB numbers run from 1e-130 to just under 1e126 (SQLite's
 * REAL would take more). Checked here so a value out of range fails the same way on every store,
 * before any of the result is written (DynamoDB would reject only the batch holding it).
 */
const MAX_MAGNITUDE = 1e126;
const MIN_MAGNITUDE = 1e-130;

/** Masks secret values in a text (the run's redactor). */
type Redact = (text: string) => string;
const keep: Redact = (text) => text;

/**
 * A short, JSON-like rendering of a value for messages; NaN and Infinity stay visible. Secrets are
 * masked before the text is cut, so a cut never leaves part of a secret that the mask would miss.
 */
function preview(value: unknown, redact: Redact): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'number' && !Number.isFinite(v)) return `${RAW}${v}${RAW}`;
        if (typeof v === 'bigint') return `${RAW}${v}n${RAW}`;
        if (typeof v === 'function') return `${RAW}[function]${RAW}`;
        return v;
      }) ?? String(value);
    text = text.replace(/"\\u0000(.*?)\\u0000"/g, '$1');
  } catch {
    // Circular structures and the like: the type is enough to point at the culprit.
    text = Object.prototype.toString.call(value);
  }
  text = redact(text);
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Why an item is not a storable observation, or `undefined` when it is. */
function itemProblem(item: unknown, window: DateWindow, redact: Redact): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return `must be an object { date, value }, got ${typeName(item)}`;
  }
  const { date, value } = item as Record<string, unknown>;
  if (date === undefined) return 'has no date';
  if (typeof date !== 'string' || !DATE_SHAPE_RE.test(date)) {
    return `date ${preview(date, redact)} is not a YYYY-MM-DD string`;
  }
  if (!isValidDate(date)) return `date ${date} is not a real calendar date (${FIRST_DATE}..${LAST_DATE})`;
  if (date < window.start || date > window.end) {
    return `date ${date} is outside the window ${window.start}..${window.end}`;
  }
  if (value === undefined) return 'has no value';
  if (typeof value !== 'number') return `value ${preview(value, redact)} is a ${typeName(value)}, not a number`;
  if (!Number.isFinite(value)) return `value ${value} is not a finite number`;
  if (Math.abs(value) >= MAX_MAGNITUDE) return `value ${value} is too large to store (magnitudes must be below 1e126)`;
  if (value !== 0 && Math.abs(value) < MIN_MAGNITUDE) {
    return `value ${value} is too small to store (non-zero magnitudes start at 1e-130; round it to 0)`;
  }
  return undefined;
}

function isPlainItem(item: unknown): item is Record<string, unknown> {
  return typeof item === 'object' && item !== null && !Array.isArray(item);
}

/**
 * `date` and `value` read once each (also through a getter on a class's prototype), beside a copy
 * of the other own keys for the message's preview.
 */
function snapshotItem(raw: Record<string, unknown>): Record<string, unknown> {
  const date = raw.date;
  const value = raw.value;
  const { date: _date, value: _value, ...rest } = raw;
  return { ...rest, date, value };
}

/** Read something of the result once; a getter that throws rejects the result, naming what it was reading. */
function snapshot<T>(pluginId: string, read: () => T, what: string): T {
  try {
    return read();
  } catch (error) {
    throw new PluginOutputError(
      pluginId,
      `fetch() returned a bad observation: reading ${what} threw: ${renderValue(error)}`,
      { cause: error },
    );
  }
}

/**
 * Check what a plugin's `fetch` resolved to before anything is stored (DESIGN.md "Plugin
 * contract"): an array of `{ date, value }` with real calendar dates inside `window`, finite
 * numbers, and no date twice. One bad item rejects the whole result.
 *
 * @param pluginId - the plugin's id, for the message.
 * @param result - what `fetch` resolved to.
 * @param window - the window the plugin was asked for (inclusive local dates).
 * @param redact - masks secret values in the message (the run's redactor); applied before the
 *   item preview is cut to length, so no fragment of a secret survives.
 * @returns clean `{ date, value }` copies in the plugin's order; extra fields are dropped.
 * @throws {PluginOutputError} naming the plugin and the offending item (by its array index).
 */
export function validateObservations(
  pluginId: string,
  result: unknown,
  window: DateWindow,
  redact: Redact = keep,
): Observation[] {
  if (!Array.isArray(result)) {
    throw new PluginOutputError(
      pluginId,
      `fetch() must resolve to an array of { date, value }, got ${typeName(result)} ${preview(result, redact)}`,
    );
  }
  const out: Observation[] = [];
  const seen = new Map<string, number>();
  // Validate a snapshot and keep only it: getters (or a Proxy) could answer differently each time
  // they are read, so what is stored must be exactly what was checked.
  const items = snapshot(pluginId, () => Array.prototype.slice.call(result) as unknown[], 'the result');
  for (let i = 0; i < items.length; i++) {
    const raw: unknown = items[i];
    const item = isPlainItem(raw) ? snapshot(pluginId, () => snapshotItem(raw), `item ${i}`) : raw;
    const problem = itemProblem(item, window, redact);
    if (problem !== undefined) {
      throw new PluginOutputError(
        pluginId,
        `fetch() returned a bad observation: item ${i} ${preview(item, redact)}: ${problem}`,
      );
    }
    const { date, value } = item as Observation;
    const first = seen.get(date);
    if (first !== undefined) {
      throw new PluginOutputError(
        pluginId,
        `fetch() returned a bad observation: item ${i} ${preview(item, redact)}: date ${date} appears twice (first at item ${first}); a plugin returns at most one value per day`,
      );
    }
    seen.set(date, i);
    out.push({ date, value });
  }
  return out;
}
