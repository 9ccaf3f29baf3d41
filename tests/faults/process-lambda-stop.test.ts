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
import { plantTokens } from './support/process-rig.js';
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
    'a pair still fetching when the Lambda runs out of time is stopped before the runtime kills it: deferred, collected next time',
    async (c) => {
      const prefix = `${PREFIX}-stopped`;
      const users = ['s1', 's2'];
      const tokens = plantTokens(c, users);
      for (const [user, token] of tokens) {
        ssm.parameters.set(`${prefix}/${PLUGIN_ID}/${user}/token`, { value: token, type: 'SecureString', version: 1 });
      }
      const tables = await dynamo.createTables();
      const served = new Map<string, ExpectedRow>();
      let hang = true;
      const plugin = definePlugin({
        id: PLUGIN_ID,
        apiVersion: 1,
        metric: { type: METRIC },
        secrets: { user: ['token'] },
        async fetch(ctx) {
          if (ctx.secrets.get('token') !== tokens.get(ctx.user.id)) throw new Error(`wrong token for ${ctx.user.id}`);
          // s2's provider never answers, and this plugin ignores its signal: only the run can stop it.
          if (hang && ctx.user.id === 's2') await new Promise<never>(() => {});
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
        secrets: { type: 'ssm' as const, prefix },
      };
      // A function with 3 s left; the fetch timeout (120 s by default) is far longer than that.
      const end = Date.now() + 3_000;
      const handler = createHandler({ loadConfig: async () => config, deadlineMarginMs: 1_500 });
      const context = (left: () => number): LambdaContext => ({
        getRemainingTimeInMillis: left,
        awsRequestId: 'fault-stopped',
        functionName: 'life-stats',
      });

      stdout = captureStdout();
      let first: RunSummary;
      try {
        first = await handler(
          {},
          context(() => end - Date.now()),
        );
      } finally {
        c.see(stdout.text());
        stdout.restore();
        stdout = undefined;
      }
      c.see(first);
      // It returned before the runtime would have killed it, with the stuck pair accounted for.
      expect(Date.now()).toBeLessThan(end);
      const byUser = new Map(first.runs.map((r) => [r.user, r]));
      expect(byUser.get('s1')?.status).toBe('ok');
      expect(byUser.get('s2')).toMatchObject({
        status: 'deferred',
        error: expect.stringMatching(/deadline while this pair was running/),
      });
      const runsAfterFirst = new Map((await dynamo.scan(tables.runsTable)).map((r) => [r.user_id?.S, r]));
      expect(runsAfterFirst.get('s2')?.last_status?.S).toBe('deferred');
      expect(runsAfterFirst.get('s2')?.last_run_time).toBeUndefined();
      expect((await dynamoRows(dynamo, tables.metricsTable)).filter((r) => r.user_id === 's2')).toEqual([]);

      hang = false;
      const next = await handler(
        {},
        context(() => 900_000),
      );
      c.see(next);
      expect(next.runs.map((r) => [r.user, r.status]).sort()).toEqual([
        ['s1', 'ok'],
        ['s2', 'ok'],
      ]);
      c.checkRows([...served.values()], await dynamoRows(dynamo, tables.metricsTable));
      const runs = await dynamo.scan(tables.runsTable);
      for (const row of runs) expect(row.last_run_time?.S, row.user_id?.S).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    },
    30_000,
  );
});
