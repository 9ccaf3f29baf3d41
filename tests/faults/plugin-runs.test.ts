/**
 * Fault suite, group `plugin`, beyond one fetch: a plugin that misbehaves for one user or for the
 * second chunk of a window, and a result only DynamoDB refuses (see plugin-output.test.ts).
 */
import type { Observation, PluginContext } from '@life-stats/core';
import { definePlugin, eachDate, runPairs } from '@life-stats/core';
import { createFileSecrets } from '@life-stats/core/secrets/file';
import { createDynamoDbStorage } from '@life-stats/core/storage/dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { at, captureLogger, FAST_RETRY, makeConfig, makeStores, tempDir } from '@life-stats/testing/engine';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { expectedDays, faultCase } from './support/case.js';
import {
  cleanUpAfterEach,
  closeAfterCase,
  DAYS,
  FIRST_RUN,
  goodDays,
  HEALING_RUN,
  sourceValue,
  WINDOW,
} from './support/plugin-scenario.js';
import { dynamoRows, sqliteRows, sqliteRun } from './support/rows.js';

cleanUpAfterEach();

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
      closeAfterCase(storage);
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
    closeAfterCase(storage);
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
      closeAfterCase(storage);
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
