import { describe, expect, it } from 'vitest';
import { mergeAsync } from '../../src/util/merge-async.js';

/** A source of `values`, each after `delayMs`, recording how far it was read and whether it was closed. */
function source(values: number[], delayMs: number, failAt?: number) {
  const state = { pulled: 0, closed: false };
  async function* generate(): AsyncGenerator<number> {
    try {
      for (const [i, value] of values.entries()) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (i === failAt) throw new Error(`source failed at ${value}`);
        state.pulled++;
        yield value;
      }
    } finally {
      state.closed = true;
    }
  }
  return { iterable: generate(), state };
}

describe('mergeAsync', () => {
  it('yields every value of every source once, a fast source not waiting for a slow one', async () => {
    const slow = source([100, 101, 102], 30);
    const fast = source([1, 2, 3, 4, 5, 6], 1);
    const seen: number[] = [];
    for await (const value of mergeAsync([slow.iterable, fast.iterable])) seen.push(value);
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 100, 101, 102]);
    // The fast source was read to its end before the slow one gave its first value.
    expect(seen.indexOf(6)).toBeLessThan(seen.indexOf(100));
    expect(await collect(mergeAsync([]))).toEqual([]);
  });

  it('reads each source at most one value ahead of the consumer', async () => {
    const a = source([1, 2, 3, 4, 5, 6, 7, 8], 0);
    const merged = mergeAsync([a.iterable]);
    expect((await merged.next()).value).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One value consumed, one more pending: the source did not run on while nobody read.
    expect(a.state.pulled).toBeLessThanOrEqual(2);
    await merged.return(undefined);
    expect(a.state.closed).toBe(true);
  });

  it('ends with the first error and closes the other sources', async () => {
    const failing = source([1, 2, 3], 2, 1);
    const long = source(
      Array.from({ length: 100 }, (_, i) => i),
      5,
    );
    await expect(collect(mergeAsync([failing.iterable, long.iterable]))).rejects.toThrow('source failed at 2');
    expect(long.state.closed).toBe(true);
    expect(long.state.pulled).toBeLessThan(100);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
