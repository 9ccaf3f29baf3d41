/**
 * The `storage` fault group's rig: a source plugin (inline and as a file), a run of one pair, a CLI
 * project on SQLite, and what the store must hold afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import type { LoadedConfig, SecretStore, Storage } from '@life-stats/core';
import { definePlugin, eachDate, runPairs } from '@life-stats/core';
import { at, captureLogger, FAST_RETRY, makeStores } from '@life-stats/testing/engine';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterEach, expect } from 'vitest';
import { type CaseRecorder, expectedDays } from './case.js';

const open: Storage[] = [];
const children: ChildProcess[] = [];
const projects: TempProject[] = [];

/** Close the stores, kill the children and remove the projects a case left behind, after each case. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
    for (const p of projects.splice(0)) p.remove();
  });
}

/** Clean `thing` up after the case. */
export function afterCase(thing: { storage?: Storage; child?: ChildProcess }): void {
  if (thing.storage) open.push(thing.storage);
  if (thing.child) children.push(thing.child);
}

/** What the fake source holds for a date: a distinct, non-integer number per day. */
export const dayValue = (date: string) => Number(date.slice(2).replaceAll('-', '')) / 100;

export const BACKFILL = 60; // 61 days: BatchWriteItem batches of 25, 25 and 11
export const DAY1 = '2026-11-25';
export const RUN1 = '2026-11-25T12:00:00.000Z';
export const RUN2 = '2026-11-25T13:00:00.000Z';

/** A plugin whose source holds {@link dayValue} for every day; it needs a user token. */
export function sourcePlugin() {
  return definePlugin({
    id: 'counter',
    apiVersion: 1,
    metric: { type: 'steps' },
    secrets: { user: ['token'] },
    settleDays: 1,
    maxDaysPerFetch: 90,
    async fetch(ctx) {
      if (!ctx.secrets.get('token')) throw new Error('no token');
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: dayValue(date) }));
    },
  });
}

export async function run(
  c: CaseRecorder,
  stores: { config: LoadedConfig; storage: Storage; secrets: SecretStore },
  iso: string,
) {
  const log = captureLogger();
  const summary = await runPairs({ ...stores, logger: log.logger, retry: FAST_RETRY, now: at(iso) });
  c.see(summary, log.text());
  expect(summary.runs).toHaveLength(1);
  return { result: summary.runs[0] as NonNullable<(typeof summary.runs)[0]>, log: log.text() };
}

/** The source plugin as a file (no imports: a plugin file cannot resolve @life-stats/core from a temp folder). */
const PLUGIN_FILE = `
export default {
  id: 'counter',
  apiVersion: 1,
  metric: { type: 'steps' },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 90,
  async fetch(ctx) {
    if (!ctx.secrets.get('token')) throw new Error('no token');
    const out = [];
    for (let d = new Date(ctx.window.start + 'T00:00:00Z'); d <= new Date(ctx.window.end + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
      const date = d.toISOString().slice(0, 10);
      out.push({ date, value: Number(date.slice(2).replaceAll('-', '')) / 100 });
    }
    return out;
  },
};
`;

/** A project on disk run through the CLI: a plugin file, config, a planted token; SQLite in data/. */
export async function cliProject(c: CaseRecorder) {
  const project = createTempProject({
    'plugins/counter.mjs': PLUGIN_FILE,
    'life-stats.config.json': {
      timezone: 'UTC',
      backfillDays: 3,
      storage: { type: 'sqlite', path: 'data/life-stats.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'me', timezone: 'UTC' }],
      plugins: [{ use: './plugins/counter.mjs' }],
    },
  });
  projects.push(project);
  const file = project.path('data/life-stats.db');
  const { secrets } = makeStores(project.dir);
  await secrets.set('counter', 'token', c.secret('token'), 'me');
  const argv = ['run', '--config', project.path('life-stats.config.json')];
  return { project, file, argv };
}

const window1 = eachDate('2026-09-26', DAY1);
export const expected1 = expectedDays('me', 'steps', window1, dayValue);
