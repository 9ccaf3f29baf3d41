/**
 * Any JavaScript value as text, without ever throwing: what a plugin throws or logs may be a
 * bigint, a circular object, a symbol, an object without a prototype or one whose `toString`
 * throws. `JSON.stringify` and `String` fail on some of these, and a failure there would replace
 * the plugin's message with the serializer's own ("Do not know how to serialize a BigInt").
 */

const MAX_DEPTH = 20;

/**
 * A JSON-like copy of `value` that `JSON.stringify` can always write: bigints as `"5n"`, functions
 * and symbols as short labels, `Date`s as ISO strings, errors as `{ name, message }`, circular
 * references as `"[Circular]"`, and anything nested deeper than 20 levels as `"[…]"`.
 */
export function toJsonSafe(value: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: safeMessage(value) };
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJsonSafe(item, seen, depth + 1) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch (error) {
        item = `[getter threw: ${safeMessage(error)}]`;
      }
      const safe = toJsonSafe(item, seen, depth + 1);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The message of an error-like value, never throwing. */
function safeMessage(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return renderValue(error);
  } catch {
    return '[unreadable]';
  }
}

/**
 * `value` as one piece of text: a string as it is, an `Error` as its message, anything else as
 * JSON (through {@link toJsonSafe}), with `String()` as the last resort.
 */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return safeMessage(value);
  // Scalars JSON would quote or drop: shown as written in code.
  if (typeof value !== 'object' || value === null) {
    const safe = toJsonSafe(value);
    if (typeof safe === 'string') return safe;
  }
  try {
    const json = JSON.stringify(toJsonSafe(value));
    if (json !== undefined) return json;
  } catch {
    // Fall through to the type name.
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
