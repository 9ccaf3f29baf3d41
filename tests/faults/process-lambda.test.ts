import type { RunSummary } from '@life-stats/core';
import { definePlugin, eachDate } from '@life-stats/core';
import { createHandler, type LambdaContext } from '@life-stats/core/lambda';
import { type CapturedStdout, captureStdout } from '@life-stats/testing/capture-stdout';
import type { LocalDynamoDb } from '@life-stats/testing/dynalite';
import { makeConfig, tempDir } from '@life-stats/testing/engine';
import type { SsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type ExpectedRow, faultCase } from './support/case.js';
import { METRIC, PLUGIN_ID, sourceValue } from './support/level-provider.js';
import { type LocalAws, startLocalAws } from './support/local-aws.js';
import { plantTokens, until, untilAsync } from './support/process-rig.js';
import { dynamoRows } from './support/rows.js';

describe('process faults: the Lambda deadline', () => {
  const PREFIX = '/life-stats-faults';
  let aws: LocalAws | undefined;
  let dynamo: LocalDynamoDb;
  let ssm: SsmFake;
  let stdout: CapturedStdout | undefined;

  beforeAll(async () => {
    aws = await startLocalAws();
    ({ dynamo, ssm } = aws);
  });

  afterAll(async () => {
    stdout?.restore();
    await aws?.stop();
  });

  faultCase(
    'process',
    'the Lambda deadline arrives mid-run: the rest is deferred, the next invocation collects it',
    async (c) => {
      const users = Array.from({ length: 12 }, (_, i) => `l${String(i + 1).padStart(2, '0')}`);
      const tokens = plantTokens(c, users);
      for (const [user, token] of tokens) {
        ssm.parameters.set(`${PREFIX}/${PLUGIN_ID}/${user}/token`, { value: token, type: 'SecureString', version: 1 });
      }
      const tables = await dynamo.createTables();
      const served = new Map<string, ExpectedRow>();
      let inFlight = 0;
      let gate: (() => void) | undefined;
      let gated = true;
      const plugin = definePlugin({
        id: PLUGIN_ID,
        apiVersion: 1,
        metric: { type: METRIC },
        secrets: { user: ['token'] },
        async fetch(ctx) {
          const token = ctx.secrets.get('token');
          if (token !== tokens.get(ctx.user.id)) throw new Error(`wrong token for ${ctx.user.id}`);
          if (gated) {
            inFlight++;
            await new Promise<void>((resolve) => {
              const previous = gate;
              gate = () => {
                previous?.();
                resolve();
              };
            });
          }
          return eachDate(ctx.window.start, ctx.window.end).map((date) => {
            const value = sourceValue(ctx.user.id, date);
            served.set(`${ctx.user.id}|${date}`, { user: ctx.user.id, metric: METRIC, date, value });
            return { date, value };
          });
        },
      });
      const config = {
        ...makeConfig(tempDir('life-stats-fault-lambda-'), [{ plugin }], {
          backfillDays: 3,
          users: users.map((id) => ({ id, timezone: 'UTC' })),
        }),
        storage: { type: 'dynamodb' as const, ...tables },
        secrets: { type: 'ssm' as const, prefix: PREFIX },
      };
      const handler = createHandler({ loadConfig: async () => config, deadlineMarginMs: 5_000 });
      let remaining = 900_000;
      const context: LambdaContext = {
        getRemainingTimeInMillis: () => remaining,
        awsRequestId: 'fault-deadline',
        functionName: 'life-stats',
      };

      stdout = captureStdout();
      let first: RunSummary;
      try {
        const invocation = handler({}, context);
        // Eight pairs (the run's concurrency) are fetching when the clock runs down; they finish,
        // the four still waiting for a slot must not start.
        await until('eight pairs in flight', () => inFlight === 8);
        remaining = 4_000;
        gate?.();
        first = await invocation;
      } finally {
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
      c.see(first);
      const ok = first.runs.filter((r) => r.status === 'ok').map((r) => r.user);
      const deferred = first.runs.filter((r) => r.status === 'deferred');
      expect(ok).toHaveLength(8);
      expect(deferred.map((r) => r.user).sort()).toEqual(users.filter((u) => !ok.includes(u)));
      expect(deferred).toHaveLength(4);
      for (const run of deferred) {
        expect(run).toMatchObject({ plugin: PLUGIN_ID, metric: METRIC, error: expect.stringMatching(/deadline/) });
      }
      // Nothing of a deferred pair is written: no rows, no run row (so its cursor is where it was).
      const rowsAfterFirst = await dynamoRows(dynamo, tables.metricsTable);
      expect(new Set(rowsAfterFirst.map((r) => r.user_id))).toEqual(new Set(ok));
      expect(rowsAfterFirst).toHaveLength(8 * 4);
      const runsAfterFirst = await dynamo.scan(tables.runsTable);
      expect(runsAfterFirst.map((r) => r.user_id?.S).sort()).toEqual([...ok].sort());
      const cursorsAfterFirst = new Map(runsAfterFirst.map((r) => [r.user_id?.S, r.last_run_time?.S]));

      // The next invocation has time: every pair runs, the deferred ones from their backfill window.
      gated = false;
      remaining = 900_000;
      stdout = captureStdout();
      let next: RunSummary;
      try {
        next = await handler({}, context);
      } finally {
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
      c.see(next);
      expect(next.runs.map((r) => [r.user, r.status]).sort()).toEqual(users.map((u) => [u, 'ok']));
      for (const run of next.runs.filter((r) => !ok.includes(r.user))) expect(run.items).toBe(4);

      const expected = [...served.values()];
      for (const user of users) expect(expected.filter((r) => r.user === user).length, user).toBeGreaterThanOrEqual(4);
      c.checkRows(expected, await dynamoRows(dynamo, tables.metricsTable));
      const runs = await dynamo.scan(tables.runsTable);
      expect(runs).toHaveLength(users.length);
      for (const row of runs) {
        const user = row.user_id?.S ?? '';
        expect(row.last_status?.S, user).toBe('ok');
        const time = row.last_run_time?.S ?? '';
        expect(time, user).toMatch(/^\d{4}-\d{2}-\d{2}T/);
        const before = cursorsAfterFirst.get(user);
        if (before) expect(time > before, user).toBe(true);
      }
    },
    60_000,
  );

  faultCase(
    'process',
    'the Lambda invocation is killed mid-pair (function timeout): the next container completes it; a thawed straggler moves no cursor back',
    async (c) => {
      const prefix = `${PREFIX}-killed`;
      const users = ['k1', 'k2', 'k3', 'k4'];
      const slow = new Set(['k3', 'k4']);
      const tokens = plantTokens(c, users);
      for (const [user, token] of tokens) {
        ssm.parameters.set(`${prefix}/${PLUGIN_ID}/${user}/token`, { value: token, type: 'SecureString', version: 1 });
      }
      const tables = await dynamo.createTables();
      const served = new Map<string, ExpectedRow>();
      const stalled: (() => void)[] = [];
      /** The same plugin code in each container; in the first one the provider stalls on k3/k4's 2nd chunk. */
      const pluginFor = (stalls: boolean) =>
        definePlugin({
          id: PLUGIN_ID,
          apiVersion: 1,
          metric: { type: METRIC },
          secrets: { user: ['token'] },
          maxDaysPerFetch: 2,
          async fetch(ctx) {
            if (ctx.secrets.get('token') !== tokens.get(ctx.user.id)) throw new Error(`wrong token for ${ctx.user.id}`);
            // Its first chunk is answered; the second one stalls.
            const answeredBefore = [...served.keys()].some((k) => k.startsWith(`${ctx.user.id}|`));
            if (stalls && slow.has(ctx.user.id) && answeredBefore) {
              await new Promise<void>((resolve) => stalled.push(resolve));
            }
            return eachDate(ctx.window.start, ctx.window.end).map((date) => {
              const value = sourceValue(ctx.user.id, date);
              served.set(`${ctx.user.id}|${date}`, { user: ctx.user.id, metric: METRIC, date, value });
              return { date, value };
            });
          },
        });
      const configFor = (stalls: boolean) => ({
        ...makeConfig(tempDir('life-stats-fault-lambda-'), [{ plugin: pluginFor(stalls) }], {
          backfillDays: 3,
          users: users.map((id) => ({ id, timezone: 'UTC' })),
        }),
        storage: { type: 'dynamodb' as const, ...tables },
        secrets: { type: 'ssm' as const, prefix },
      });
      const context: LambdaContext = {
        getRemainingTimeInMillis: () => 900_000,
        awsRequestId: 'fault-killed',
        functionName: 'life-stats',
      };
      const runsOf = async () =>
        new Map((await dynamo.scan(tables.runsTable)).map((r) => [r.user_id?.S ?? '', r.last_run_time?.S]));

      stdout = captureStdout();
      let straggler: Promise<RunSummary> | undefined;
      try {
        // Container 1: k1 and k2 finish; k3 and k4 write their first chunk, then the provider stalls
        // and Lambda's timeout ends the invocation (the handler never returns).
        straggler = createHandler({ loadConfig: async () => configFor(true) })({}, context);
        await untilAsync('k1/k2 done, k3/k4 mid-pair', async () => {
          if (stalled.length < 2) return false;
          const runs = await runsOf();
          return Boolean(runs.get('k1') && runs.get('k2'));
        });
        const rows = await dynamoRows(dynamo, tables.metricsTable);
        for (const user of users)
          expect(
            rows.filter((r) => r.user_id === user),
            user,
          ).toHaveLength(slow.has(user) ? 2 : 4);
        const runsAfterKill = await runsOf();
        expect([...runsAfterKill.keys()].sort()).toEqual(['k1', 'k2']);

        // Container 2 (Lambda starts a fresh one after a timeout): every pair completes.
        const next = await createHandler({ loadConfig: async () => configFor(false) })({}, context);
        c.see(next);
        expect(next.runs.map((r) => [r.user, r.status, r.items]).sort()).toEqual([
          ['k1', 'ok', 2],
          ['k2', 'ok', 2],
          ['k3', 'ok', 4],
          ['k4', 'ok', 4],
        ]);
        const expected = [...served.values()];
        for (const user of users)
          expect(expected.filter((r) => r.user === user).length, user).toBeGreaterThanOrEqual(4);
        c.checkRows(expected, await dynamoRows(dynamo, tables.metricsTable));
        const cursors = await runsOf();
        for (const user of users) {
          const before = runsAfterKill.get(user);
          const now = cursors.get(user) ?? '';
          expect(now, user).toMatch(/^\d{4}-\d{2}-\d{2}T/);
          if (before) expect(now > before, user).toBe(true);
        }

        // Had container 1 been frozen rather than ended, it could wake up later and finish: its
        // writes are the same upserts, and its older start time never moves a cursor back.
        for (const resume of stalled.splice(0)) resume();
        const late = await straggler;
        c.see(late);
        expect(late.runs.map((r) => r.status)).toEqual(users.map(() => 'ok'));
        c.checkRows([...served.values()], await dynamoRows(dynamo, tables.metricsTable));
        expect(await runsOf()).toEqual(cursors);
      } finally {
        for (const resume of stalled.splice(0)) resume();
        await straggler?.catch(() => undefined);
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
    },
    60_000,
  );
});
