import { bundlePlugin, wholeGoogleapisIndex } from '@life-stats/testing/bundle-plugin';
import { describe, expect, it } from 'vitest';

describe('google-fit-steps bundle', () => {
  it('never pulls in the whole googleapis index, and stays well under 3 MB', async () => {
    const { inputs, bytes } = await bundlePlugin('plugins/google-fit-steps/src/index.ts');
    expect(wholeGoogleapisIndex(inputs)).toEqual([]);
    const googleapis = inputs.filter((path) => /node_modules\/googleapis\//.test(path));
    // Only the Fitness module of googleapis, never its index of every API.
    expect(googleapis.every((path) => path.includes('googleapis/build/src/apis/fitness/'))).toBe(true);
    expect(googleapis.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(3_000_000);
  });
});
