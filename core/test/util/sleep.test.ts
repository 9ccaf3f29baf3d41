import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/util/sleep.js';

describe('sleep', () => {
  it('waits about the time asked', async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("rejects with the signal's reason at once when it already aborted, even for no wait", async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped before'));
    await expect(sleep(0, controller.signal)).rejects.toThrow('stopped before');
    await expect(sleep(60_000, controller.signal)).rejects.toThrow('stopped before');
  });

  it('rejects as soon as the signal aborts mid-wait, and leaves no listener behind when it ends', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('stopped mid-wait')), 10);
    await expect(pending).rejects.toThrow('stopped mid-wait');

    const shared = new AbortController();
    let listeners = 0;
    const add = shared.signal.addEventListener.bind(shared.signal);
    const remove = shared.signal.removeEventListener.bind(shared.signal);
    shared.signal.addEventListener = (...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    };
    shared.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    };
    await Promise.all([sleep(5, shared.signal), sleep(10, shared.signal)]);
    expect(listeners).toBe(0);
  });
});
