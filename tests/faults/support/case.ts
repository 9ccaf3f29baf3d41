import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { secretForms } from '@life-stats/testing/assertions';
import { expect, it } from 'vitest';
import type { CaseFigures, CaseKind } from './ledger.js';

/** One observation as the source holds it (what the store must end up with, exactly once). */
export interface ExpectedRow {
  user: string;
  metric: string;
  date: string;
  value: number;
}

/** One raw stored row, read past the adapter (so duplicates would show). */
export interface StoredRow {
  user_id: string;
  metric_type: string;
  date: string;
  value: number;
}

/** What a case uses to record what it saw. */
export interface CaseRecorder {
  /**
   * A fresh secret value (token, refresh token, client secret) that must never be seen anywhere,
   * in any rendered form. `shape: 'quoted'` puts `"` and `\\` in it, so its JSON-escaped form differs.
   */
  secret(label: string, shape?: 'plain' | 'quoted'): string;
  /** Watch a secret value made elsewhere (e.g. by a fake provider). */
  watchSecret(value: string): void;
  /**
   * Everything a user or operator could see: log records, summaries, thrown errors (with cause and
   * stack), stdout/stderr, the argv of spawned processes, files written for humans.
   */
  see(...things: unknown[]): void;
  /**
   * Compare the raw stored rows with the source: every expected row present exactly once with its
   * value (else `lost`), nothing else (else `duplicated`). Fails the case on any difference.
   */
  checkRows(expected: readonly ExpectedRow[], stored: readonly StoredRow[]): void;
  /** Nothing was written (bad input): no row at all. */
  checkNothingWritten(stored: readonly StoredRow[]): void;
}

/** Every observation from `start` to `end` (inclusive) for one user and metric. */
export function expectedDays(
  user: string,
  metric: string,
  dates: readonly string[],
  value: (date: string) => number,
): ExpectedRow[] {
  return dates.map((date) => ({ user, metric, date, value: value(date) }));
}

function render(thing: unknown): string {
  if (typeof thing === 'string') return thing;
  if (thing instanceof Error) return inspect(thing, { depth: 8 });
  try {
    return `${JSON.stringify(thing)}\n${inspect(thing, { depth: 8 })}`;
  } catch {
    return inspect(thing, { depth: 8 });
  }
}

/** The recorder behind one case (exported for the ledger's own tests). */
export function createRecorder(kind: CaseKind, group: string): { recorder: CaseRecorder; figures: () => CaseFigures } {
  const secrets = new Set<string>();
  const seen: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let checkedStore = false;
  const recorder: CaseRecorder = {
    secret(label, shape = 'plain') {
      const random = randomBytes(12).toString('hex');
      const value =
        shape === 'quoted' ? `${label}-${random.slice(0, 12)}"q\\${random.slice(12)}` : `${label}-${random}`;
      secrets.add(value);
      return value;
    },
    watchSecret(value) {
      if (value.length < 6) throw new Error(`watchSecret: "${value}" is too short to search for`);
      secrets.add(value);
    },
    see(...things) {
      for (const thing of things) seen.push(render(thing));
    },
    checkRows(expected, stored) {
      checkedStore = true;
      const key = (u: string, m: string, d: string) => `${u}\u0000${m}\u0000${d}`;
      const want = new Map(expected.map((r) => [key(r.user, r.metric, r.date), r.value]));
      const got = new Map<string, number[]>();
      for (const r of stored) {
        const k = key(r.user_id, r.metric_type, r.date);
        got.set(k, [...(got.get(k) ?? []), Number(r.value)]);
      }
      const missing: string[] = [];
      for (const [k, value] of want) {
        const values = got.get(k);
        if (!values?.includes(value))
          missing.push(`${k.replaceAll('\u0000', ' ')} (want ${value}, got ${values ?? 'none'})`);
      }
      const extra: string[] = [];
      for (const [k, values] of got) {
        const surplus = want.has(k) ? values.length - 1 : values.length;
        for (let i = 0; i < surplus; i++) extra.push(k.replaceAll('\u0000', ' '));
      }
      lost += missing.length;
      duplicated += extra.length;
      expect({ lost: missing, duplicated: extra }).toEqual({ lost: [], duplicated: [] });
    },
    checkNothingWritten(stored) {
      checkedStore = true;
      duplicated += stored.length;
      expect(stored).toEqual([]);
    },
  };
  const figures = (): CaseFigures => {
    const text = seen.join('\n');
    let leaked = 0;
    // A secret counts as leaked in any form it could be read back from (JSON-escaped, URL-encoded, base64).
    for (const s of secrets) if (secretForms(s).some(([, form]) => text.includes(form))) leaked++;
    return { kind, group, lost, duplicated, leaked, checkedStore };
  };
  return { recorder, figures };
}

async function runCase(
  kind: CaseKind,
  group: string,
  task: { meta: { lifeStatsCase?: CaseFigures } },
  body: (c: CaseRecorder) => Promise<void>,
): Promise<void> {
  const { recorder, figures } = createRecorder(kind, group);
  try {
    await body(recorder);
  } finally {
    task.meta.lifeStatsCase = figures();
  }
  const final = figures();
  expect(final.leaked, 'a planted secret value appeared in captured output').toBe(0);
  if (kind === 'fault') expect(final.checkedStore, 'a fault case must check the stored rows').toBe(true);
}

/** Declares one case of a kind: a vitest test named `[group] name` that records its figures. */
type DefineCase = (group: string, name: string, body: (c: CaseRecorder) => Promise<void>, timeoutMs?: number) => void;

const defineCase =
  (kind: CaseKind): DefineCase =>
  (group, name, body, timeoutMs) =>
    it(`[${group}] ${name}`, async ({ task }) => runCase(kind, group, task, body), timeoutMs);

/**
 * A fault case: inject the fault, let life-stats meet it, clear it, run again, then check the
 * store (`c.checkRows`) and the cursor. Counts toward `faults: N/N survived`.
 */
export const faultCase: DefineCase = defineCase('fault');

/** A bad-input case: expect exit 2 (or a failed pair) naming the problem, and nothing written. */
export const badInputCase: DefineCase = defineCase('bad-input');
