/**
 * A fan-out worker's share of a rate limit (`createRateBudgets(clocks, share)`): each of `share`
 * workers gets `1 / share` of `requestsPerMinute` and of every window, so together they stay within
 * the limit (docs/lambda.md, "Rate limits across workers").
 */
import { describe, expect, it } from 'vitest';
import { DeferPairError } from '../../src/errors.js';
import { createRateBudgets } from '../../src/run/rate-budget.js';

const HOUR = 3_600_000;

describe('a worker’s share of a rate limit', () => {
  it('spaces requests at share × 60 000 / requestsPerMinute', async () => {
    const waits: number[] = [];
    const stop = new AbortController();
    const budget = createRateBudgets({ monotonic: () => 0 }, 2).get('k', { requestsPerMinute: 6 });
    // 6 rpm between 2 workers: 3 rpm each, one request per 20 s. The clock stands still, so each
    // take reports how long it would wait; the waits are aborted, not slept.
    const takes = [0, 1, 2].map(() => budget.take(stop.signal, (ms) => waits.push(ms)).catch(() => 'aborted'));
    expect(waits).toEqual([20_000, 40_000]);
    stop.abort();
    expect(await Promise.all(takes)).toEqual([undefined, 'aborted', 'aborted']);
  });

  it('gives each worker its share of a window, rounded down, never below one', async () => {
    const wall = Date.parse('2026-12-04T00:00:00Z');
    const budgets = createRateBudgets({ monotonic: () => 0, wall: () => wall }, 10);
    const budget = budgets.get('w', { windows: [{ requests: 25, perMs: HOUR }] });
    await budget.take();
    await budget.take();
    await expect(budget.take()).rejects.toBeInstanceOf(DeferPairError);
    const tiny = budgets.get('t', { windows: [{ requests: 3, perMs: HOUR }] });
    await tiny.take();
    await expect(tiny.take()).rejects.toBeInstanceOf(DeferPairError);
  });

  it('leaves the limit whole with a share of one', async () => {
    const budget = createRateBudgets({ monotonic: () => 0, wall: () => 0 }).get('w', {
      windows: [{ requests: 3, perMs: HOUR }],
    });
    for (let i = 0; i < 3; i++) await budget.take();
    await expect(budget.take()).rejects.toBeInstanceOf(DeferPairError);
  });
});
