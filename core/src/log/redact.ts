import type { LogFields, Logger } from './logger.js';

const MASK = '[redacted]';
/** Shorter values are not masked: they would mangle ordinary text and are not real credentials. */
const MIN_LENGTH = 4;

/**
 * Remembers every secret value read during a process and masks them in any text. Every log line,
 * error message and summary passes through it, so a plugin that logs its token leaks nothing.
 */
export interface Redactor {
  add(value: string | undefined): void;
  redact(text: string): string;
  /** Redact every string inside a JSON-like value. */
  redactValue<T>(value: T): T;
}

export function createRedactor(): Redactor {
  const values = new Set<string>();
  let sorted: string[] = [];
  const redact = (text: string): string => {
    let out = text;
    for (const v of sorted) if (out.includes(v)) out = out.split(v).join(MASK);
    return out;
  };
  const redactValue = <T>(value: T): T => {
    if (typeof value === 'string') return redact(value) as T;
    if (Array.isArray(value)) return value.map(redactValue) as T;
    if (value instanceof Error) return redact(value.message) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
      return out as T;
    }
    return value;
  };
  return {
    add(value) {
      if (!value || value.length < MIN_LENGTH || values.has(value)) return;
      values.add(value);
      // Longest first, so a secret containing another is masked whole.
      sorted = [...values].sort((a, b) => b.length - a.length);
    },
    redact,
    redactValue,
  };
}

/** A logger that masks every known secret in messages and fields before passing them on. */
export function createRedactingLogger(inner: Logger, redactor: Redactor): Logger {
  const wrap =
    (fn: (m: string, f?: LogFields) => void) =>
    (message: string, fields?: LogFields): void =>
      fn(redactor.redact(message), fields ? redactor.redactValue(fields) : undefined);
  return {
    debug: wrap(inner.debug.bind(inner)),
    info: wrap(inner.info.bind(inner)),
    warn: wrap(inner.warn.bind(inner)),
    error: wrap(inner.error.bind(inner)),
    child: (fields) => createRedactingLogger(inner.child(redactor.redactValue(fields)), redactor),
  };
}
