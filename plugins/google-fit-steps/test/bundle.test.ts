import { bundlePlugin, wholeGoogleapisIndex } from '@life-stats/testing/bundle-plugin';
import { describe, expect, it } from 'vitest';

describe('google-fit-steps bundle', () => {
  it('carries no googleapis code and no google-auth-library or gaxios', async () => {
    const { inputs, bytes } = await bundlePlugin('plugins/google-fit-steps/src/index.ts');
    expect(wholeGoogleapisIndex(inputs)).toEqual([]);
    // googleapis-common pins its own google-auth-library and gaxios: the plugin sends plain requests instead.
    expect(inputs.filter((path) => /node_modules\/googleapis(-common)?\//.test(path))).toEqual([]);
    const copies = (name: string) =>
      new Set(inputs.map((p) => p.match(new RegExp(`^(.*node_modules/${name})/`))?.[1]).filter(Boolean));
    // Token refresh and rotation are core's (oauth4webapi, outside this bundle): no Google auth client.
    expect(copies('google-auth-library').size).toBe(0);
    expect(copies('gaxios').size).toBe(0);
    expect(bytes).toBeLessThan(1_000_000);
  });
});
