/**
 * Assertions the tests of every package share: what an operation threw, everything a user or a log
 * could see of an error, and that no secret is in it.
 */
import { expect } from 'vitest';

/** What a life-stats error carries besides its message (any of it may be absent). */
export type CaughtError = Error & { code?: string; hint?: string; retryAfterMs?: number; [key: string]: unknown };

/**
 * The error a promise rejects with, or a function throws (synchronously or by rejecting). Fails the
 * test when nothing is thrown.
 */
export async function rejection(operation: Promise<unknown> | (() => unknown)): Promise<CaughtError> {
  try {
    await (typeof operation === 'function' ? operation() : operation);
  } catch (error) {
    return error as CaughtError;
  }
  throw new Error('expected a rejection, but the operation succeeded');
}

/** The error a synchronous function throws. Fails the test when nothing is thrown. */
export function thrown(operation: () => unknown): CaughtError {
  try {
    operation();
  } catch (error) {
    return error as CaughtError;
  }
  throw new Error('expected an exception, but the operation returned');
}

/** A log line as the kit's loggers record it. */
export interface VisibleLogLine {
  message: string;
  fields?: unknown;
}

/** Every text a user or a log could see: messages, hints and causes of an error, and log lines. */
export function visibleText(error: unknown, logs: readonly VisibleLogLine[] = []): string {
  const parts: string[] = [];
  let e = error as { message?: unknown; hint?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 10; depth++, e = e.cause as typeof e) {
    parts.push(String(e.message ?? e), String(e.hint ?? ''));
    if (typeof e !== 'object') break;
  }
  for (const line of logs) parts.push(line.message, JSON.stringify(line.fields ?? {}));
  return parts.join('\n');
}

/**
 * Assert that none of `secrets` appears in `text` — raw, JSON-escaped, URL-encoded or in base64 —
 * naming the secret's position (never its value) when one does.
 */
export function expectNoSecret(text: string, secrets: Iterable<string | undefined>): void {
  let i = 0;
  for (const secret of secrets) {
    i++;
    if (!secret) continue;
    for (const [form, encoded] of secretForms(secret)) {
      expect(text.includes(encoded), `secret #${i} appears ${form}`).toBe(false);
    }
  }
}

/**
 * The forms a secret is commonly rendered in, by name: as is, JSON-escaped (once, and twice for
 * JSON inside JSON), URL-encoded, and base64 (standard and URL-safe, unpadded; only for values of 8
 * characters or more, shorter ones occur in base64 text by chance).
 */
export function secretForms(secret: string): [string, string][] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms: [string, string][] = [
    ['as is', secret],
    ['JSON-escaped', json],
    ['JSON-escaped twice', JSON.stringify(json).slice(1, -1)],
    ['URL-encoded', encodeURIComponent(secret)],
  ];
  if (secret.length >= 8) {
    forms.push(['in base64', Buffer.from(secret).toString('base64').replace(/=+$/, '')]);
    forms.push(['in base64url', Buffer.from(secret).toString('base64url')]);
  }
  return forms;
}
