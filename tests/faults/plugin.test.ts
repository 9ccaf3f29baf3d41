/**
 * Fault suite, group `plugin`: a plugin author's code misbehaves (throws, returns NaN, a string, a
 * date outside the window or twice, never resolves, reaches for an undeclared secret). Each case runs
 * the real engine on a real SQLite file: on the first run the pair fails with a message naming the
 * plugin and the problem, nothing of that fetch result is written and the cursor does not move; the
 * plugin is then fixed and the next run fills every day exactly once and moves the cursor.
 */

import type { LogRecord, Observation, PluginContext, Storage } from '@life-stats/core';
import { definePlugin, eachDate, runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createDynamoDbStorage } from '@life-stats/core/storage/dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, expectedDays, faultCase } from './support/case.js';
import { dynamoRows, sqliteRows, sqliteRun } from './support/rows.js';

const open: Storage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const FIRST_RUN = '2026-11-25T12:00:00.000Z';
const HEALING_RUN = '2026-11-25T13:00:00.000Z';
/** backfillDays 3 on 2026-11-25 (UTC): one fetch of four days. */
const WINDOW = { start: '2026-11-22', end: '2026-11-25' };
const DAYS = eachDate(WINDOW.start, WINDOW.end);
/** What the source holds for each day (distinct per day, with a fraction, so a wrong day shows). */
const sourceValue = (date: string) => 1000 + Number(date.slice(8)) * 3 + 0.25;
const goodDays = (ctx: PluginContext): Observation[] =>
  eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: sourceValue(date) }));

interface Scenario {
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
async function faultThenHeal(c: CaseRecorder, s: Scenario): Promise<{ file: string }> {
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
  open.push(storage);
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

describe('plugin faults: the fetch result is rejected whole, the next run heals', () => {
  faultCase('plugin', 'fetch throws', async (c) => {
    await faultThenHeal(c, {
      id: 'throws',
      broken: async () => {
        throw new Error('upstream parser choked on row 7');
      },
      problem: ['upstream parser choked on row 7'],
      // A plugin's own error is shown as thrown; the pair (and its log line) names the plugin.
      messageNamesPlugin: false,
      after: (_first, records) => {
        // Not transient: failed at once, no retries.
        expect(records.filter((r) => r.message.startsWith('attempt '))).toEqual([]);
      },
    });
  });

  faultCase('plugin', 'returns NaN for one day among good days', async (c) => {
    await faultThenHeal(c, {
      id: 'nan-day',
      broken: async (ctx) => goodDays(ctx).map((o, i) => (i === 2 ? { ...o, value: Number.NaN } : o)),
      problem: [
        'fetch() returned a bad observation: item 2',
        '"date":"2026-11-24","value":NaN',
        'value NaN is not a finite number',
      ],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns Infinity for the last day', async (c) => {
    await faultThenHeal(c, {
      id: 'infinite-day',
      broken: async (ctx) => goodDays(ctx).map((o, i, all) => (i === all.length - 1 ? { ...o, value: Infinity } : o)),
      problem: ['item 3', 'value Infinity is not a finite number'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a number no store can keep (1e200)', async (c) => {
    await faultThenHeal(c, {
      id: 'huge-value',
      // A unit bug (bytes → exabytes, a factorial…): SQLite could keep it, DynamoDB cannot.
      broken: async (ctx) => goodDays(ctx).map((o, i) => (i === 0 ? { ...o, value: 1e200 } : o)),
      problem: ['item 0', 'value 1e+200 is too large to store'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a string value', async (c) => {
    await faultThenHeal(c, {
      id: 'string-value',
      broken: async (ctx) => goodDays(ctx).map((o, i) => (i === 1 ? { ...o, value: String(o.value) } : o)),
      problem: ['item 1', 'value "1069.25" is a string, not a number'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a date outside the window', async (c) => {
    await faultThenHeal(c, {
      id: 'outside-window',
      // An off-by-one in the plugin's own date range: one day too many at the start.
      broken: async (ctx) => [{ date: '2026-11-21', value: 1 }, ...goodDays(ctx)],
      problem: ['item 0', 'date 2026-11-21 is outside the window 2026-11-22..2026-11-25'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns the same date twice', async (c) => {
    await faultThenHeal(c, {
      id: 'twice',
      // Two records for one day (e.g. two devices) that the plugin forgot to sum.
      broken: async (ctx) => [...goodDays(ctx), { date: '2026-11-23', value: 5 }],
      problem: ['item 4', 'date 2026-11-23 appears twice (first at item 1)', 'at most one value per day'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a date that is not on the calendar (2026-02-30)', async (c) => {
    await faultThenHeal(c, {
      id: 'bad-date',
      broken: async (ctx) => [...goodDays(ctx), { date: '2026-02-30', value: 7 }],
      problem: ['item 4', 'date 2026-02-30 is not a real calendar date'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'resolves to something that is not an array', async (c) => {
    await faultThenHeal(c, {
      id: 'not-array',
      // A plugin that returns the provider's envelope instead of its list.
      broken: async (ctx) => ({ days: goodDays(ctx) }),
      problem: ['fetch() must resolve to an array of { date, value }, got object {"days":'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'never resolves and ignores its abort signal', async (c) => {
    let hung = 0;
    await faultThenHeal(c, {
      id: 'hangs',
      broken: () => {
        hung++;
        return new Promise(() => {});
      },
      fetchTimeoutMs: 40,
      problem: ['fetch did not finish within 40 ms', 'the plugin ignores ctx.signal'],
      messageNamesPlugin: false,
      after: (_first, records) => {
        // A timeout is transient: every attempt was made, each one given up on after 40 ms.
        expect(hung).toBe(FAST_RETRY.retries + 1);
        expect(records.filter((r) => r.level === 'warn' && r.message.startsWith('attempt '))).toHaveLength(
          FAST_RETRY.retries,
        );
      },
    });
  });

  faultCase('plugin', "throws an error that carries the user's token: the message is masked", async (c) => {
    let token = '';
    await faultThenHeal(c, {
      id: 'careless',
      secrets: { user: ['token'], shared: ['client_secret'] },
      broken: async (ctx) => {
        const t = ctx.secrets.get('token');
        ctx.log.warn(`calling with ${t} and ${ctx.secrets.get('client_secret')}`);
        throw new Error(`provider said 401 for Bearer ${t}`);
      },
      plant: async (c, set) => {
        token = c.secret('careless-token');
        await set('careless', 'token', token, 'me');
        await set('careless', 'client_secret', c.secret('careless-client-secret'));
      },
      problem: ['provider said 401 for Bearer [redacted]'],
      messageNamesPlugin: false,
      after: (first, records) => {
        expect(JSON.stringify(first)).not.toContain(token);
        expect(records.find((r) => r.level === 'warn')?.message).toBe('calling with [redacted] and [redacted]');
      },
    });
  });

  faultCase('plugin', 'rotates its refresh token, then throws: the new token is kept and never shown', async (c) => {
    let old = '';
    let rotated = '';
    await faultThenHeal(c, {
      id: 'rotating',
      secrets: { user: ['token'] },
      plant: async (c, set) => {
        old = c.secret('old-refresh-token');
        rotated = c.secret('rotated-refresh-token');
        await set('rotating', 'token', old, 'me');
      },
      broken: async (ctx) => {
        // The provider rotated the token on refresh (the old one is now dead), then the data call failed.
        await ctx.secrets.set('token', rotated);
        throw new Error(`data call failed after refreshing to ${rotated} from ${ctx.secrets.get('token')}`);
      },
      fixed: async (ctx) => {
        if (ctx.secrets.get('token') !== rotated) throw new Error('invalid_grant: the old refresh token was revoked');
        return goodDays(ctx);
      },
      problem: ['data call failed after refreshing to [redacted] from [redacted]'],
      messageNamesPlugin: false,
    });
  });

  faultCase(
    'plugin',
    'answers only after its timeout, with stale values: the late answer is never written',
    async (c) => {
      const late: Promise<unknown>[] = [];
      const { file } = await faultThenHeal(c, {
        id: 'too-late',
        fetchTimeoutMs: 40,
        broken: (ctx) => {
          const answer = new Promise((resolve) =>
            setTimeout(() => resolve(goodDays(ctx).map((o) => ({ ...o, value: 999 }))), 150),
          );
          late.push(answer);
          return answer;
        },
        problem: ['fetch did not finish within 40 ms'],
        messageNamesPlugin: false,
      });
      // Every late answer has arrived by now (some during the healing run): none reached the store.
      expect(late).toHaveLength(FAST_RETRY.retries + 1);
      await Promise.all(late);
      await new Promise((r) => setTimeout(r, 20));
      c.checkRows(expectedDays('me', 'level', DAYS, sourceValue), sqliteRows(file));
      expect(sqliteRun(file, 'me', 'level')?.last_run_time).toBe(HEALING_RUN);
    },
  );

  faultCase('plugin', 'throws something that is not an Error (a string)', async (c) => {
    await faultThenHeal(c, {
      id: 'throws-string',
      broken: async () => {
        throw 'quota exceeded for today';
      },
      problem: ['quota exceeded for today'],
      messageNamesPlugin: false,
    });
  });

  faultCase('plugin', 'asks for a secret it did not declare; no planted secret leaks', async (c) => {
    const planted: string[] = [];
    await faultThenHeal(c, {
      id: 'greedy',
      secrets: { user: ['token'] },
      broken: async (ctx) => {
        const token = ctx.secrets.get('token');
        // The author reaches for another credential, with the user's token in the message if it fails.
        const other = ctx.secrets.get('api_key');
        throw new Error(`unreachable: ${token} ${other}`);
      },
      plant: async (c, set) => {
        const token = c.secret('greedy-token');
        const undeclaredSameNamespace = c.secret('greedy-api-key');
        const otherPlugins = c.secret('other-plugin-token');
        planted.push(token, undeclaredSameNamespace, otherPlugins);
        await set('greedy', 'token', token, 'me');
        await set('greedy', 'api_key', undeclaredSameNamespace, 'me');
        await set('greedy', 'api_key', undeclaredSameNamespace);
        await set('other-plugin', 'token', otherPlugins, 'me');
      },
      problem: [
        'may not use secret "api_key"',
        "it is not declared in the plugin's manifest (declared user secrets: token; shared secrets: none)",
        'Declare "api_key" in the plugin\'s `secrets.user` or `secrets.shared`',
      ],
      messageNamesPlugin: true,
      after: (first) => {
        for (const value of planted) expect(JSON.stringify(first)).not.toContain(value);
      },
    });
  });
});

describe('plugin faults: beyond one fetch', () => {
  faultCase(
    'plugin',
    'bad output in the second chunk of a window: the cursor stays, the next run redoes the gap',
    async (c) => {
      const dir = tempDir('life-stats-fault-plugin-');
      const file = `${dir}/db.sqlite`;
      let broken = false;
      const windows: string[] = [];
      const plugin = definePlugin({
        id: 'chunky',
        apiVersion: 1,
        metric: { type: 'level' },
        maxDaysPerFetch: 2,
        async fetch(ctx) {
          windows.push(`${ctx.window.start}..${ctx.window.end}`);
          const days = goodDays(ctx as PluginContext);
          if (broken && ctx.window.start === '2026-11-24') return days.map((o) => ({ ...o, value: Number.NaN }));
          return days;
        },
      });
      const config = makeConfig(dir, [{ plugin }], { backfillDays: 3 });
      const { storage, secrets } = makeStores(dir);
      open.push(storage);
      const log = captureLogger();
      const options = { config, storage, secrets, logger: log.logger, retry: FAST_RETRY };

      // A good run two days earlier sets the cursor.
      const seed = await runPairs({ ...options, now: at('2026-11-23T12:00:00.000Z') });
      c.see(seed, log.text());
      expect(seed.runs[0]?.status).toBe('ok');

      broken = true;
      const first = await runPairs({ ...options, now: at(FIRST_RUN) });
      c.see(first, log.text());
      // The first chunk (2026-11-22..23) is written; the second is rejected whole; the cursor stays.
      expect(first.runs[0]).toMatchObject({ plugin: 'chunky', status: 'failed', items: 2 });
      expect(first.runs[0]?.error).toContain('[plugin:chunky] fetch() returned a bad observation: item 0');
      expect(sqliteRows(file).map((r) => r.date)).toEqual(eachDate('2026-11-20', '2026-11-23'));
      expect(sqliteRun(file, 'me', 'level')).toMatchObject({
        last_run_time: '2026-11-23T12:00:00.000Z',
        last_status: 'failed',
      });

      broken = false;
      windows.length = 0;
      const second = await runPairs({ ...options, now: at(HEALING_RUN) });
      c.see(second, log.text());
      // Same start as the failed run: the gap is covered.
      expect(windows).toEqual(['2026-11-22..2026-11-23', '2026-11-24..2026-11-25']);
      expect(second.runs[0]).toMatchObject({ status: 'ok', window: WINDOW, items: 4 });
      c.checkRows(expectedDays('me', 'level', eachDate('2026-11-20', '2026-11-25'), sourceValue), sqliteRows(file));
      expect(sqliteRun(file, 'me', 'level')).toEqual({
        last_run_time: HEALING_RUN,
        last_status: 'ok',
        last_error: null,
      });
    },
  );

  faultCase('plugin', "hangs for one user only: the other users' pairs finish", async (c) => {
    const dir = tempDir('life-stats-fault-plugin-');
    const file = `${dir}/db.sqlite`;
    let broken = true;
    const plugin = definePlugin({
      id: 'hangs-for-you',
      apiVersion: 1,
      metric: { type: 'level' },
      async fetch(ctx) {
        if (broken && ctx.user.id === 'you') return new Promise<Observation[]>(() => {});
        return goodDays(ctx as PluginContext);
      },
    });
    const users = [
      { id: 'me', timezone: 'UTC' },
      { id: 'you', timezone: 'UTC' },
    ];
    const config = makeConfig(dir, [{ plugin }], { backfillDays: 3, users });
    const { storage, secrets } = makeStores(dir);
    open.push(storage);
    const log = captureLogger();
    const options = { config, storage, secrets, logger: log.logger, retry: FAST_RETRY, fetchTimeoutMs: 40 };

    const first = await runPairs({ ...options, now: at(FIRST_RUN) });
    c.see(first, log.text());
    expect(first.runs.map((r) => [r.user, r.status])).toEqual([
      ['me', 'ok'],
      ['you', 'failed'],
    ]);
    expect(first.runs[1]?.error).toContain('fetch did not finish within 40 ms');
    expect(sqliteRows(file).map((r) => r.user_id)).toEqual(['me', 'me', 'me', 'me']);
    expect(sqliteRun(file, 'me', 'level')?.last_run_time).toBe(FIRST_RUN);
    expect(sqliteRun(file, 'you', 'level')?.last_run_time).toBeNull();

    broken = false;
    const second = await runPairs({ ...options, now: at(HEALING_RUN) });
    c.see(second, log.text());
    expect(second.runs.map((r) => [r.user, r.status, r.items])).toEqual([
      ['me', 'ok', 2],
      ['you', 'ok', 4],
    ]);
    c.checkRows(
      [...expectedDays('me', 'level', DAYS, sourceValue), ...expectedDays('you', 'level', DAYS, sourceValue)],
      sqliteRows(file),
    );
    for (const user of ['me', 'you']) expect(sqliteRun(file, user, 'level')?.last_run_time).toBe(HEALING_RUN);
  });
});

describe('plugin faults on DynamoDB', () => {
  let dynamo: LocalDynamoDb;
  beforeAll(async () => {
    dynamo = await startLocalDynamoDb();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  faultCase(
    'plugin',
    'returns a number DynamoDB cannot keep in a 30-day fetch: rejected whole before any batch is written',
    async (c) => {
      const dir = tempDir('life-stats-fault-plugin-');
      const tables = await dynamo.createTables();
      let broken = true;
      // 30 days in one fetch: two BatchWriteItem requests (25 + 5); the bad value is in the second.
      const window = { start: '2026-10-27', end: '2026-11-25' };
      const days = eachDate(window.start, window.end);
      const plugin = definePlugin({
        id: 'tiny-value',
        apiVersion: 1,
        metric: { type: 'level' },
        async fetch(ctx) {
          const good = goodDays(ctx as PluginContext);
          return broken ? good.map((o, i) => (i === 27 ? { ...o, value: 1e-200 } : o)) : good;
        },
      });
      const config = makeConfig(dir, [{ plugin }], { backfillDays: 29 });
      const storage = createDynamoDbStorage({ ...tables, clientConfig: dynamo.clientConfig });
      open.push(storage);
      const secrets = createFileSecrets({ path: `${dir}/secrets.json` });
      const log = captureLogger();
      const options = { config, storage, secrets, logger: log.logger, retry: FAST_RETRY };
      const cursor = async () =>
        (await dynamo.scan(tables.runsTable)).map((r) => [r.last_status?.S, r.last_run_time?.S]);

      const first = await runPairs({ ...options, now: at(FIRST_RUN) });
      c.see(first, log.text());
      expect(first.runs[0]).toMatchObject({ plugin: 'tiny-value', status: 'failed', window, items: 0 });
      expect(first.runs[0]?.error).toContain('[plugin:tiny-value] fetch() returned a bad observation: item 27');
      expect(first.runs[0]?.error).toContain('value 1e-200 is too small to store');
      expect(await dynamoRows(dynamo, tables.metricsTable)).toEqual([]);
      expect(await cursor()).toEqual([['failed', undefined]]);

      broken = false;
      const second = await runPairs({ ...options, now: at(HEALING_RUN) });
      c.see(second, log.text());
      expect(second.runs[0]).toMatchObject({ status: 'ok', window, items: 30 });
      c.checkRows(expectedDays('me', 'level', days, sourceValue), await dynamoRows(dynamo, tables.metricsTable));
      expect(await cursor()).toEqual([['ok', HEALING_RUN]]);
    },
  );
});
