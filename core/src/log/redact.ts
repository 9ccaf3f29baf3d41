import { renderValue, toJsonSafe } from '../util/render-value.js';
import type { LogFields, Logger } from './logger.js';

const MASK = '[redacted]';
/** Shorter values are not masked: they would mangle ordinary text and are not real credentials. */
const MIN_LENGTH = 4;

/**
 * Remembers every secret value read during a process and masks them in any text. Every log line,
 * error message and summary passes through it, so a plugin that logs its token leaks nothing.
 *
 * A secret is masked in every form it is commonly rendered in, not only as it is: JSON-escaped
 * (a secret holding `"` or `\` inside a plugin result or error that was serialized before it
 * reached the redactor; twice escaped for JSON inside JSON), URL-encoded (a token in a query
 * string), and base64 (standard and URL-safe, unpadded: a token encoded on its own).
 */
export interface Redactor {
  add(value: string | undefined): void;
  /** `text` with every known secret masked; a value that is not a string is rendered first. */
  redact(text: string): string;
  /**
   * Redact every string inside a JSON-like value. The copy is safe to serialize: circular
   * references, bigints and the like are replaced by labels (see `toJsonSafe`).
   */
  redactValue<T>(value: T): T;
}

/** The forms of `secret` a message or log line may show it in. */
function renderedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = [
    secret,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(secret),
    // `+` for spaces, as HTML forms and URLSearchParams encode them.
    new URLSearchParams({ s: secret }).toString().slice(2),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
  ];
  return [...new Set(forms)];
}

export function createRedactor(): Redactor {
  const values = new Set<string>();
  // Secrets by their first MIN_LENGTH characters, longest first: a text is scanned once, looking
  // up each position, instead of once per secret (a run of 10,000 users knows ~70,000 forms).
  const byPrefix = new Map<string, string[]>();
  const redact = (text: string): string => {
    const input = typeof text === 'string' ? text : renderValue(text);
    if (byPrefix.size === 0 || input.length < MIN_LENGTH) return input;
    // Every occurrence of every secret is masked, overlapping ones as one run: mark the covered
    // span at each position where a secret starts, then replace each maximal covered span.
    let out = '';
    let copied = 0;
    let coveredTo = -1;
    let spanStart = -1;
    for (let i = 0; i <= input.length - MIN_LENGTH; i++) {
      const match = byPrefix.get(input.slice(i, i + MIN_LENGTH))?.find((v) => input.startsWith(v, i));
      if (match === undefined) continue;
      if (i > coveredTo) {
        if (spanStart >= 0) {
          out += input.slice(copied, spanStart) + MASK;
          copied = coveredTo;
        }
        spanStart = i;
      }
      coveredTo = Math.max(coveredTo, i + match.length);
    }
    if (spanStart < 0) return input;
    return `${out}${input.slice(copied, spanStart)}${MASK}${input.slice(coveredTo)}`;
  };
  const redactStrings = (value: unknown): unknown => {
    if (typeof value === 'string') return redact(value);
    if (Array.isArray(value)) return value.map(redactStrings);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = redactStrings(v);
      return out;
    }
    return value;
  };
  const redactValue = <T>(value: T): T => {
    if (typeof value === 'string') return redact(value) as T;
    if (value instanceof Error) return redact(renderValue(value)) as T;
    // First a copy that holds only JSON values (no cycle can make the walk below endless).
    return redactStrings(toJsonSafe(value)) as T;
  };
  return {
    add(value) {
      if (typeof value !== 'string' || value.length < MIN_LENGTH || values.has(value)) return;
      for (const form of renderedForms(value)) {
        if (form.length < MIN_LENGTH || values.has(form)) continue;
        values.add(form);
        const key = form.slice(0, MIN_LENGTH);
        const list = byPrefix.get(key) ?? [];
        // Longest first, so a secret containing another is masked whole.
        list.push(form);
        list.sort((a, b) => b.length - a.length);
        byPrefix.set(key, list);
      }
    },
    redact,
    redactValue,
  };
}

/**
 * A logger that masks every known secret in messages and fields before passing them on.
 *
 * Whatever a plugin hands it — an array, an `Error`, an object, a bigint as the message, fields
 * that are not an object — is rendered to text and redacted; and a log call never throws, so a
 * plugin's logging can never fail its pair.
 */
export function createRedactingLogger(inner: Logger, redactor: Redactor): Logger {
  const wrap =
    (fn: (m: string, f?: LogFields) => void) =>
    (message: unknown, fields?: unknown): void => {
      try {
        const safeFields =
          fields === undefined
            ? undefined
            : redactor.redactValue(isFields(fields) ? fields : ({ fields } as LogFields));
        fn(redactor.redact(renderValue(message)), safeFields);
      } catch {
        // A sink that fails (a closed stream) loses one line; the work it describes goes on.
      }
    };
  return {
    debug: wrap(inner.debug.bind(inner)),
    info: wrap(inner.info.bind(inner)),
    warn: wrap(inner.warn.bind(inner)),
    error: wrap(inner.error.bind(inner)),
    child: (fields) =>
      createRedactingLogger(inner.child(redactor.redactValue(isFields(fields) ? fields : { fields })), redactor),
  };
}

function isFields(value: unknown): value is LogFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}
