import { join } from 'node:path';
import type { Storage } from '@life-stats/core';
import { addDays, definePlugin, eachDate, runPairs } from '@life-stats/core';
import { createHandler } from '@life-stats/core/lambda';
import { createSsmSecrets } from '@life-stats/core/secrets/ssm';
import { createSqliteStorage } from '@life-stats/core/storage/sqlite';
import { captureStdout } from '@life-stats/testing/capture-stdout';
import { fastSdkRetry } from '@life-stats/testing/dynalite';
import { at, captureLogger, FAST_RETRY, makeConfig, tempDir } from '@life-stats/testing/engine';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type CaseRecorder, expectedDays, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';
import { dayValue } from './support/secrets-rig.js';

const open: Storage[] = [];

let ssm: SsmFake;

beforeAll(async () => {
  ssm = await startSsmFake();
});

afterAll(async () => {
  await ssm?.stop();
});

afterEach(async () => {
  ssm.denyAccess();
  ssm.throttle();
  ssm.resetRequests();
  ssm.parameters.clear();
  for (const s of open.splice(0)) await s.close();
});

const PREFIX = '/life-stats-faults';
const RUN1 = '2026-11-25T12:00:00.000Z';
const RUN2 = '2026-11-25T13:00:00.000Z';
const RUN3 = '2026-11-25T14:00:00.000Z';

/** Engine + SSM store + SQLite: as the Lambda runs, with an inline plugin that checks the token. */
function ssmSetup(c: CaseRecorder, options: { cacheTtlMs?: number; rotateTo?: string } = {}) {
  const { rotateTo, ...storeOptions } = options;
  const dir = tempDir();
  const token = c.secret('token');
  const plugin = definePlugin({
    id: 'counter',
    apiVersion: 1,
    metric: { type: 'steps' },
    secrets: { user: ['token'] },
    maxDaysPerFetch: 90,
    async fetch(ctx) {
      if (ctx.secrets.get('token') !== token) throw new Error('provider answered 401');
      // An OAuth plugin whose provider hands out a new refresh token stores it.
      if (rotateTo) await ctx.secrets.set('token', rotateTo);
      return eachDate(ctx.window.start, ctx.window.end).map((date) => ({ date, value: dayValue(date) }));
    },
  });
  const config = makeConfig(dir, [{ plugin }], { backfillDays: 3 });
  const file = join(dir, 'db.sqlite');
  const storage = createSqliteStorage({ path: file });
  open.push(storage);
  const secrets = createSsmSecrets({
    prefix: PREFIX,
    // The SDK's retry decisions and attempt count (SSM default: 3, standard mode), with 5 ms waits.
    clientConfig: { ...ssm.clientConfig, retryStrategy: fastSdkRetry(3, 5) },
    ...storeOptions,
  });
  const parameter = `${PREFIX}/counter/me/token`;
  const putToken = () => ssm.parameters.set(parameter, { value: token, type: 'SecureString', version: 1 });
  const run = async (iso: string) => {
    const log = captureLogger();
    const summary = await runPairs({ config, storage, secrets, logger: log.logger, retry: FAST_RETRY, now: at(iso) });
    c.see(summary, log.text());
    return summary;
  };
  const expected = expectedDays('me', 'steps', eachDate('2026-11-22', '2026-11-25'), dayValue);
  return { config, file, storage, secrets, parameter, putToken, run, expected };
}

describe('SSM secrets faults', () => {
  faultCase(
    'secrets',
    'the SSM token parameter does not exist: skipped with the command to run; put, it heals',
    async (c) => {
      // No read cache, so the store asks GetParameter and meets ParameterNotFound (with the default
      // cache, the namespace listing already says the parameter is missing).
      const t = ssmSetup(c, { cacheTtlMs: 0 });
      ssm.resetRequests();
      const first = await t.run(RUN1);
      expect(first.runs).toEqual([
        {
          user: 'me',
          metric: 'steps',
          plugin: 'counter',
          status: 'skipped',
          hint: `run \`life-stats secrets set counter token --user me\` (read from SSM parameter ${PREFIX}/counter/me/token)`,
        },
      ]);
      expect(ssm.requests).toContainEqual({
        operation: 'GetParameter',
        input: { Name: t.parameter, WithDecryption: true },
      });
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'skipped' });

      // What `life-stats secrets set` (or `aws ssm put-parameter`) does.
      t.putToken();
      const second = await t.run(RUN2);
      expect(second.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN2, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'SSM denies access to the parameters: the pair fails naming the path and IAM action, recorded in its run row; allowed, it heals',
    async (c) => {
      const t = ssmSetup(c);
      t.putToken();
      const first = await t.run(RUN1);
      expect(first.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      const rowsBefore = sqliteRows(t.file);

      // The role loses its SSM permissions on the namespace (a policy change, a narrowed prefix).
      ssm.denyAccess((_operation, name) => name.startsWith(`${PREFIX}/counter`));
      const second = await t.run(RUN2);
      const message =
        `[life-stats] [secrets:ssm] cannot list the users under ${PREFIX}/counter: access denied (ssm:GetParametersByPath is missing)\n` +
        `  → Allow ssm:GetParametersByPath on arn:aws:ssm:<region>:<account>:parameter${PREFIX}/counter* (IAM can scope it to the prefix) to the role or user running life-stats.`;
      // The store failing as a whole no longer stops the run unseen: the pair fails with its error,
      // and the run row records it, so `life-stats status` and the FailedPairs metric show it.
      expect(second.runs).toEqual([
        { user: 'me', metric: 'steps', plugin: 'counter', status: 'failed', items: 0, error: message },
      ]);
      expect(sqliteRows(t.file)).toEqual(rowsBefore);
      expect(sqliteRun(t.file, 'me', 'steps')).toEqual({
        last_run_time: RUN1,
        last_status: 'failed',
        last_error: message,
      });

      ssm.denyAccess();
      const third = await t.run(RUN3);
      // The cursor stayed at RUN1, so the window starts settleDays (1) before that day.
      expect(third.runs[0]).toMatchObject({ status: 'ok', window: { start: '2026-11-24', end: '2026-11-25' } });
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN3, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'SSM refuses to store a rotated token: the pair fails naming the path and IAM action, the new token never shows; allowed, it heals',
    async (c) => {
      const rotated = c.secret('rotated');
      const t = ssmSetup(c, { rotateTo: rotated });
      t.putToken();
      ssm.denyAccess((operation) => operation === 'PutParameter');
      const first = await t.run(RUN1);
      expect(first.runs[0]?.status).toBe('failed');
      expect(first.runs[0]?.error).toContain(
        `[life-stats] [secrets:ssm] cannot write ${t.parameter}: access denied (ssm:PutParameter is missing)`,
      );
      expect(first.runs[0]?.error).toContain(
        `Allow ssm:PutParameter on arn:aws:ssm:<region>:<account>:parameter${t.parameter} (IAM can scope it to the prefix)`,
      );
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: null, last_status: 'failed' });
      expect(ssm.parameters.get(t.parameter)?.value).not.toBe(rotated);

      ssm.denyAccess();
      const second = await t.run(RUN2);
      expect(second.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      expect(ssm.parameters.get(t.parameter)?.value).toBe(rotated);
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN2, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'SSM throttles the user listing: the pair fails saying to run later, recorded in its run row; a brief throttle is healed by SDK retries',
    async (c) => {
      const t = ssmSetup(c);
      t.putToken();
      ssm.throttle((operation) => operation === 'GetParametersByPath');
      const first = await t.run(RUN1);
      const message =
        `[life-stats] [secrets:ssm] cannot list the users under ${PREFIX}/counter: SSM is throttling requests even after retries (ThrottlingException)\n` +
        '  → Run again later; consider raising the Parameter Store throughput setting of the account.';
      expect(first.runs).toMatchObject([{ user: 'me', status: 'failed', error: message }]);
      expect(ssm.count('GetParametersByPath')).toBe(3);
      c.checkNothingWritten(sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toEqual({
        last_run_time: null,
        last_status: 'failed',
        last_error: message,
      });

      // The next run meets two throttled answers only: the SDK's retries absorb them.
      ssm.resetRequests();
      ssm.throttle((operation, request) => operation === 'GetParametersByPath' && request <= 2);
      const second = await t.run(RUN2);
      expect(second.runs[0]).toMatchObject({ status: 'ok', items: 4 });
      expect(ssm.count('GetParametersByPath')).toBe(3);
      c.checkRows(t.expected, sqliteRows(t.file));
      expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_run_time: RUN2, last_status: 'ok' });
    },
  );

  faultCase(
    'secrets',
    'the Lambda role may not list the SSM parameters: the pair fails naming the IAM action, recorded, and FailedPairs counts it; allowed, the next invocation heals',
    async (c) => {
      const t = ssmSetup(c);
      t.putToken();
      const config = { ...t.config, secrets: { type: 'ssm' as const, prefix: PREFIX } };
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      delete process.env.POWERTOOLS_DEV;
      const stdout = captureStdout();
      try {
        const handler = createHandler({ loadConfig: async () => config });
        const context = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'fault-request' };
        ssm.denyAccess((operation) => operation === 'GetParametersByPath');
        const failed = await handler({}, context);
        c.see(failed, stdout.text());
        const message =
          `[life-stats] [secrets:ssm] cannot list the users under ${PREFIX}/counter: access denied (ssm:GetParametersByPath is missing)\n` +
          `  → Allow ssm:GetParametersByPath on arn:aws:ssm:<region>:<account>:parameter${PREFIX}/counter* (IAM can scope it to the prefix) to the role or user running life-stats.`;
        expect(failed.runs).toMatchObject([{ user: 'me', metric: 'steps', status: 'failed', error: message }]);
        const lines = stdout.json();
        // The listing's error once, and the pair's failure with plugin, user and metric.
        expect(lines.filter((line) => line.level === 'ERROR').map((line) => line.message)).toEqual([
          `cannot list the users of namespace counter: ${message}`,
          `failed: ${message}`,
        ]);
        expect(lines.find((line) => 'FailedPairs' in line)?.FailedPairs).toBe(1);
        c.checkNothingWritten(sqliteRows(t.file));
        expect(sqliteRun(t.file, 'me', 'steps')).toEqual({
          last_run_time: null,
          last_status: 'failed',
          last_error: message,
        });

        ssm.denyAccess();
        const summary = await handler({}, context);
        c.see(summary, stdout.text());
        expect(summary.runs).toMatchObject([{ user: 'me', metric: 'steps', status: 'ok', items: 4 }]);
        const today = new Date().toISOString().slice(0, 10);
        c.checkRows(expectedDays('me', 'steps', eachDate(addDays(today, -3), today), dayValue), sqliteRows(t.file));
        expect(sqliteRun(t.file, 'me', 'steps')).toMatchObject({ last_status: 'ok', last_error: null });
      } finally {
        stdout.restore();
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    },
  );
});
