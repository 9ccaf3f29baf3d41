/** How the plugin kit waits on a plugin's promises and words what it did wrong. */
import type { LogRecord } from '../log/logger.js';

/** How a plugin's promise ended within the time the kit gives it. */
export type Outcome<T> =
  | { status: 'resolved'; value: T }
  | { status: 'rejected'; reason: unknown }
  | { status: 'timeout' };

/** Settle `promise` or give up after `ms`; the promise's late rejection is still handled. */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timeout' }), ms);
  });
  const settled = promise.then(
    (value): Outcome<T> => ({ status: 'resolved', value }),
    (reason: unknown): Outcome<T> => ({ status: 'rejected', reason }),
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/** Call a plugin method so that a synchronous throw becomes a rejection, like an async one. */
export function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** Unwrap an outcome or fail with a message about what the plugin did. */
export function expectResolved<T>(outcome: Outcome<T>, what: string, ms: number): T {
  if (outcome.status === 'timeout') throw new Error(`${what} did not settle within ${ms} ms`);
  if (outcome.status === 'rejected') {
    throw new Error(`${what} rejected: ${messageOf(outcome.reason)}`, { cause: outcome.reason });
  }
  return outcome.value;
}

export function expectRejected(outcome: Outcome<unknown>, when: string, ms: number): void {
  if (outcome.status === 'timeout') {
    throw new Error(`fetch was still running ${ms} ms after ${when}; pass ctx.signal to every request`);
  }
  if (outcome.status === 'resolved') {
    throw new Error(`fetch resolved although ${when}; pass ctx.signal to every request and let its abort reject`);
  }
}

export async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

export function leakedSecrets(logs: readonly LogRecord[], secrets: Record<string, string>): string[] {
  const text = logs.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n');
  // Very short values would match ordinary text; core's redactor ignores them too.
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 4 && text.includes(value))
    .map(([name]) => name);
}
