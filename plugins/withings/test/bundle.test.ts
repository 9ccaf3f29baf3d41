import { bundlePlugin } from '@life-stats/testing/bundle-plugin';
import { describe, expect, it } from 'vitest';

describe('withings bundle', () => {
  it('is its own source only: no OAuth or HTTP client of its own (core does OAuth), a few kB minified', async () => {
    const { inputs, bytes } = await bundlePlugin('plugins/withings/src/index.ts', { minify: true });
    expect(inputs.filter((path) => path.includes('node_modules/'))).toEqual([]);
    expect(inputs.every((path) => path.startsWith('plugins/withings/src/'))).toBe(true);
    expect(bytes).toBeLessThan(30_000);
  });
});
