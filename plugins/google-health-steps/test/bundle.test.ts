import { bundlePlugin, wholeGoogleapisIndex } from '@life-stats/testing/bundle-plugin';
import { describe, expect, it } from 'vitest';

describe('google-health-steps bundle', () => {
  it('never pulls in googleapis at all, and stays well under 3 MB', async () => {
    const { inputs, bytes } = await bundlePlugin('plugins/google-health-steps/src/index.ts');
    expect(wholeGoogleapisIndex(inputs)).toEqual([]);
    // The Health plugin talks to the API with the OAuth client alone.
    expect(inputs.filter((path) => /node_modules\/googleapis\//.test(path))).toEqual([]);
    expect(bytes).toBeLessThan(3_000_000);
  });
});
