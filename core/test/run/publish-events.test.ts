import { type EventBridgeFake, startEventBridgeFake } from '@life-stats/testing/eventbridge-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinkLogger, type LogRecord } from '../../src/log/logger.js';
import { publishRunCompleted } from '../../src/run/publish-events.js';
import type { RunSummary } from '../../src/run/types.js';

let fake: EventBridgeFake;

beforeAll(async () => {
  fake = await startEventBridgeFake();
});

afterAll(async () => {
  await fake?.stop();
});

const summary: RunSummary = {
  runs: [
    {
      user: 'me',
      metric: 'steps',
      plugin: 'google-fit-steps',
      status: 'ok',
      window: { start: '2026-11-18', end: '2026-11-25' },
      items: 8,
    },
    { user: 'you', metric: 'steps', plugin: 'google-fit-steps', status: 'reconnect', error: 'token revoked' },
  ],
};

function logs() {
  const records: LogRecord[] = [];
  return { records, logger: createSinkLogger((r) => records.push(r), { level: 'debug' }) };
}

describe('Run Completed events', () => {
  it('publishes one event with source life-stats, detail-type Run Completed and the summary as detail', async () => {
    fake.setMode('accept');
    const before = fake.events.length;
    const { logger } = logs();
    await expect(
      publishRunCompleted({ busName: 'life-stats-bus', summary, logger, clientConfig: fake.clientConfig }),
    ).resolves.toBe(true);
    const published = fake.events.slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      EventBusName: 'life-stats-bus',
      Source: 'life-stats',
      DetailType: 'Run Completed',
    });
    expect(JSON.parse(published[0]?.Detail ?? '')).toEqual(summary);
  });

  it.each([
    ['reject-entries', /InternalFailure \(try again\); the run itself is unaffected/],
    ['access-denied', /allow events:PutEvents on the bus life-stats-bus/],
  ] as const)('logs and returns false when EventBridge answers %s, without throwing', async (mode, message) => {
    fake.setMode(mode);
    const { logger, records } = logs();
    try {
      await expect(
        publishRunCompleted({ busName: 'life-stats-bus', summary, logger, clientConfig: fake.clientConfig }),
      ).resolves.toBe(false);
    } finally {
      fake.setMode('accept');
    }
    const errors = records.filter((r) => r.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(message);
    expect(errors[0]?.fields).toMatchObject({ eventBus: 'life-stats-bus' });
  });

  it('logs and returns false when EventBridge cannot be reached', async () => {
    const { logger, records } = logs();
    const result = await publishRunCompleted({
      busName: 'default',
      summary,
      logger,
      clientConfig: { ...fake.clientConfig, endpoint: 'http://127.0.0.1:1', maxAttempts: 1 },
    });
    expect(result).toBe(false);
    expect(records.find((r) => r.level === 'error')?.message).toMatch(
      /could not publish the "Run Completed" event to bus default/,
    );
  });

  it('sends a compact detail when the summary is larger than one event may be', async () => {
    fake.setMode('accept');
    const before = fake.events.length;
    const runs: RunSummary['runs'] = Array.from({ length: 3000 }, (_, i) => ({
      user: `user-${i}`,
      metric: 'steps',
      plugin: 'google-fit-steps',
      status: i === 7 ? 'failed' : 'ok',
      window: { start: '2026-11-18', end: '2026-11-25' },
      items: 8,
      ...(i === 7 ? { error: 'boom' } : {}),
    }));
    const { logger } = logs();
    await publishRunCompleted({ busName: 'default', summary: { runs }, logger, clientConfig: fake.clientConfig });
    const detail = JSON.parse(fake.events.slice(before)[0]?.Detail ?? '');
    expect(detail).toEqual({
      runs: [runs[7]],
      counts: { ok: 2999, failed: 1, skipped: 0, reconnect: 0, deferred: 0 },
      truncated: true,
    });
  });
});
