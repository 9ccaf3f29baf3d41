import { eachDate } from '@life-stats/core';
import { createHandler } from '@life-stats/core/lambda';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  context,
  example,
  fetchedKeys,
  PREFIX,
  statuses,
  storedMetrics,
  tokenOf,
  USERS,
  useLambdaRig,
} from './support/lambda-rig.js';

const rig = useLambdaRig();

describe('Lambda handler end to end (DynamoDB on loopback, SSM fake, fake provider)', () => {
  it('discovers the 12 users in SSM, stores every item with the seed schema, and reruns add no duplicates', async () => {
    const handler = createHandler();
    const first = await handler(example('all.json'), context());

    // 12 users found in SSM over two pages; "me" is in the config but has no token: skipped.
    const stepRuns = first.runs.filter((r) => r.metric === 'steps');
    expect(stepRuns.map((r) => r.user).sort()).toEqual([...USERS, 'me'].sort());
    expect(stepRuns.find((r) => r.user === 'me')).toMatchObject({
      status: 'skipped',
      hint: expect.stringContaining('life-stats secrets set fake-fit token --user me'),
    });
    expect(first.runs.filter((r) => r.metric === 'water_ml').map((r) => [r.user, r.status])).toEqual([['me', 'ok']]);
    expect(statuses(first)).toEqual({ ok: 13, skipped: 1 });
    for (const run of first.runs.filter((r) => r.status === 'ok')) {
      expect(eachDate(run.window?.start ?? '', run.window?.end ?? '')).toHaveLength(4);
      expect(run.items).toBe(4);
    }
    expect(
      rig.ssm.requests.filter((r) => r.operation === 'GetParametersByPath' && r.input.Path === `${PREFIX}/fake-fit`)
        .length,
    ).toBeGreaterThanOrEqual(2);

    const afterFirst = await storedMetrics(rig);
    expect(afterFirst.size).toBe(52);
    expect(new Set(afterFirst.keys())).toEqual(fetchedKeys([first]));

    const runRows = await rig.dynamo.scan(rig.tables.runsTable);
    expect(runRows).toHaveLength(14);
    const meSteps = runRows.find((r) => r.user_id?.S === 'me' && r.metric_type?.S === 'steps');
    expect(meSteps).toEqual({ user_id: { S: 'me' }, metric_type: { S: 'steps' }, last_status: { S: 'skipped' } });
    const okRow = runRows.find((r) => r.user_id?.S === 'user01' && r.metric_type?.S === 'steps');
    expect(Object.keys(okRow ?? {}).sort()).toEqual(['last_run_time', 'last_status', 'metric_type', 'user_id']);
    expect(okRow?.last_status).toEqual({ S: 'ok' });
    expect(okRow?.last_run_time?.S).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // Every event shape again, the Scheduled Event envelope included: upserts, never duplicates.
    const summaries = [first];
    for (const [name, expected] of [
      ['all.json', { ok: 13, skipped: 1 }],
      ['metric.json', { ok: 12, skipped: 1 }],
      ['user.json', { ok: 1, skipped: 1 }],
      ['both.json', { skipped: 1 }],
      ['scheduled-event.json', { ok: 13, skipped: 1 }],
    ] as const) {
      const summary = await handler(example(name), context());
      expect(statuses(summary), name).toEqual(expected);
      summaries.push(summary);
      const stored = await storedMetrics(rig);
      expect(new Set(stored.keys()), name).toEqual(fetchedKeys(summaries));
    }
    // Unless the date changed during the test, the reruns only re-fetched days already stored.
    expect((await storedMetrics(rig)).size).toBeLessThanOrEqual(52 + 13);
  });

  it("writes the pairs' items in shared BatchWriteItem requests of up to 25 and publishes one Run Completed event", async () => {
    const handler = createHandler();
    const before = rig.events.events.length;
    rig.dynamo.resetRequests();
    rig.ssm.resetRequests();
    const summary = await handler({ metric: 'steps' }, context());
    const items = summary.runs.reduce((n, r) => n + (r.items ?? 0), 0);
    expect(items).toBe(48);
    // 12 pairs of 4 items share batches (group commit): ⌈48/25⌉ = 2 requests when they finish within
    // the writer's linger of each other, as here; never one request per pair.
    expect(rig.dynamo.count('BatchWriteItem')).toBeGreaterThanOrEqual(2);
    expect(rig.dynamo.count('BatchWriteItem')).toBeLessThanOrEqual(6);
    expect(rig.dynamo.requests.filter((r) => r.operation === 'BatchWriteItem').every((r) => (r.items ?? 0) <= 25)).toBe(
      true,
    );
    expect(rig.dynamo.count('PutItem')).toBe(0);
    // No cursor read per pair: one paginated Scan finds the users with run rows and their cursors; a
    // cursor write per pair.
    expect([rig.dynamo.count('GetItem'), rig.dynamo.count('UpdateItem'), rig.dynamo.count('Scan')]).toEqual([0, 13, 1]);
    // Users and every secret come from one listing of the namespace (13 parameters: 2 pages).
    expect(rig.ssm.count('GetParametersByPath')).toBe(2);
    expect(rig.ssm.count('GetParameter')).toBe(0);

    const published = rig.events.events.slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      EventBusName: 'life-stats-bus',
      Source: 'life-stats',
      DetailType: 'Run Completed',
    });
    expect(JSON.parse(published[0]?.Detail ?? '')).toEqual(summary);
  });

  it('logs JSON lines with plugin, user and metric, emits EMF metrics, and never prints a secret', async () => {
    const handler = createHandler();
    await handler({}, context());
    await handler({ user_id: 'user03' }, context());
    const text = rig.stdout?.text() ?? '';
    for (const user of USERS) expect(text).not.toContain(tokenOf(user));
    expect(text).not.toContain(CLIENT_ID);

    const lines = rig.stdout?.json() ?? [];
    const careless = lines.filter((l) => String(l.message).startsWith('calling the provider with'));
    expect(careless.length).toBeGreaterThan(0);
    for (const line of careless) expect(line.message).toBe('calling the provider with [redacted] and [redacted]');
    const okLine = lines.find((l) => l.user === 'user03' && String(l.message).startsWith('ok:'));
    expect(okLine).toMatchObject({
      level: 'INFO',
      service: 'life-stats',
      plugin: 'fake-steps',
      user: 'user03',
      metric: 'steps',
    });
    expect(okLine).toMatchObject({ function_name: 'life-stats', function_request_id: 'e2e-request' });

    const pairsOk = lines.filter((l) => 'Pairs' in l && l.Status === 'ok').map((l) => l.Pairs);
    expect(pairsOk).toEqual([13, 1]);
    expect(lines.filter((l) => 'FailedPairs' in l).map((l) => l.FailedPairs)).toEqual([0, 0]);
  });
});
