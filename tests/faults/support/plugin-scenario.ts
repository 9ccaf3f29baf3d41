/**
 * The `plugin` fault group's scenario: a broken plugin on the first run, the fixed one on the next,
 * on the real engine and a real SQLite file.
 */
import type { LogRecord, Observation, PluginContext, Storage } from '@life-stats/core';
import { definePlugin, eachDate, runPairs } from '@life-stats/core';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterEach, expect } from 'vitest';
import { type CaseRecorder, expectedDays } from './case.js';
import { sqliteRows, sqliteRun } from './rows.js';

const open: Storage[] = [];

/** Close the stores a case opened, after each case. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
}

/** Close `storage` after the case. */
export function closeAfterCase(storage: Storage): void {
  open.push(storage);
}

export const FIRST_RUN = '2026-11-25T12:00:00.000Z';
export const HEALING_RUN = '2026-11-25T13:00:00.000Z';
/** backfillDays 3 on 2026-11-25 (UTC): one fetch of four days. */
export const WINDOW = { start: '2026-11-22', end: '2026-11-25' };
export const DAYS = eachDate(WINDOW.start, WINDOW.end);
/** What the source holds for each day (distinct per day, with a fraction, so a wrong day shows). */
export const sourceValue = (date: string) => 1000 + Number(date.slice(8)) * 3 + 0.25;
export const goodDays = (ctx: PluginContext): Observation[] =>
  eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: sourceValue(date) }));

export interface Scenario {
  id: string;
  /** What the broken plugin does (returns or throws); `ctx` is the real fetch context. */
  broken: (ctx: PluginContext) => Promise<unknown>;
  /** Every fragment the pair's error must contain: the problem, in words a plugin author can act on. */
  problem: (string | RegExp)[];
  /** What the fixed plugin does. @default every day of the window, from the source */
  fixed?: (ctx: PluginContext) => Promise<Observation[]>;
  /** Does core itself name the plugin in the message (`[plugin:<id>]`)? Else the pair and log fields do. */
  messageNamesPlugin: boolean;
  secrets?: { user?: string[]; shared?: string[] };
  fetchTimeoutMs?: number;
  /** Plants secrets in the store before the first run. */
  plant?: (
    c: CaseRecorder,
    set: (namespace: string, name: string, value: string, user?: string) => Promise<void>,
  ) => Promise<void>;
  /** Extra assertions on the first run. */
  after?: (first: Awaited<ReturnType<typeof runPairs>>, records: LogRecord[]) => void;
}

/** Fault on the first run, fix, heal on the next: the shape every case of this file shares. */
export async function faultThenHeal(c: CaseRecorder, s: Scenario): Promise<{ file: string }> {
  const dir = tempDir('life-stats-fault-plugin-');
  const file = `${dir}/db.sqlite`;
  let broken = true;
  let calls = 0;
  const plugin = definePlugin({
    id: s.id,
    apiVersion: 1,
    metric: { type: 'level' },
    ...(s.secrets ? { secrets: s.secrets } : {}),
    async fetch(ctx) {
      calls++;
      if (broken) return (await s.broken(ctx as PluginContext)) as Observation[];
      return s.fixed ? s.fixed(ctx as PluginContext) : goodDays(ctx as PluginContext);
    },
  });
  const config = makeConfig(dir, [{ plugin }], { backfillDays: 3 });
  const { storage, secrets } = makeStores(dir);
  closeAfterCase(storage);
  await s.plant?.(c, (namespace, name, value, user) => secrets.set(namespace, name, value, user));
  const log = captureLogger();
  const options = {
    config,
    storage,
    secrets,
    logger: log.logger,
    retry: FAST_RETRY,
    ...(s.fetchTimeoutMs !== undefined ? { fetchTimeoutMs: s.fetchTimeoutMs } : {}),
  };

  const first = await runPairs({ ...options, now: at(FIRST_RUN) });
  c.see(first, log.text());
  const pair = first.runs[0];
  expect(first.runs).toHaveLength(1);
  expect(pair).toMatchObject({ user: 'me', metric: 'level', plugin: s.id, status: 'failed', items: 0 });
  for (const fragment of s.problem) expect(pair?.error).toMatch(fragment);
  if (s.messageNamesPlugin) expect(pair?.error).toContain(`[plugin:${s.id}]`);
  // The operator's log line says which plugin, user and metric failed, and why.
  const errorLine = log.records.find((r) => r.level === 'error');
  expect(errorLine?.fields).toMatchObject({ plugin: s.id, user: 'me', metric: 'level', status: 'failed' });
  expect(errorLine?.message).toContain(pair?.error);
  s.after?.(first, log.records);
  // The whole fetch result is rejected: not even its good days are written; the cursor stays unset,
  // and the run row records the failure for `life-stats status`.
  expect(sqliteRows(file)).toEqual([]);
  expect(sqliteRun(file, 'me', 'level')).toEqual({
    last_run_time: null,
    last_status: 'failed',
    last_error: pair?.error,
  });

  broken = false;
  const callsBefore = calls;
  const second = await runPairs({ ...options, now: at(HEALING_RUN) });
  c.see(second, log.text());
  expect(second.runs).toEqual([
    { user: 'me', metric: 'level', plugin: s.id, status: 'ok', window: WINDOW, items: DAYS.length },
  ]);
  expect(calls - callsBefore).toBe(1);
  c.checkRows(expectedDays('me', 'level', DAYS, sourceValue), sqliteRows(file));
  expect(sqliteRun(file, 'me', 'level')).toEqual({ last_run_time: HEALING_RUN, last_status: 'ok', last_error: null });
  return { file };
}
