import { bundlePlugin } from '@life-stats/testing/bundle-plugin';
import { describe, expect, it } from 'vitest';

describe('oura bundle', () => {
  it("is its own few files: no HTTP or OAuth client of its own (refresh and rotation are core's)", async () => {
    const { inputs, bytes } = await bundlePlugin('plugins/oura/src/index.ts', { minify: true });
    expect(inputs.filter((path) => !path.startsWith('plugins/oura/src/'))).toEqual([]);
    expect(bytes).toBeLessThan(20_000);
  });
});
