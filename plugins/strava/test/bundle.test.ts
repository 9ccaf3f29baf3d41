import { bundlePlugin } from '@life-stats/testing/bundle-plugin';
import { describe, expect, it } from 'vitest';

describe('strava bundle', () => {
  it("is its own few files: no HTTP or OAuth client of its own (refresh, rotation and rate budgets are core's)", async () => {
    const { inputs, bytes } = await bundlePlugin('plugins/strava/src/index.ts', { minify: true });
    expect(inputs.filter((path) => !path.startsWith('plugins/strava/src/'))).toEqual([]);
    expect(bytes).toBeLessThan(20_000);
  });
});
