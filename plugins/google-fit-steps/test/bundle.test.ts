import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Bundle the plugin as the Lambda build does (esbuild, platform node), with only
 * `@life-stats/core` left out: it is shared by every plugin and measured on its own.
 */
async function bundle() {
  const result = await build({
    entryPoints: [`${root}plugins/google-fit-steps/src/index.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@life-stats/core'],
    plugins: [
      {
        name: 'workspace-source',
        setup(b) {
          // The workspace package's export map points at dist/, which tests do not build.
          b.onResolve({ filter: /^@life-stats\/google-common$/ }, () => ({
            path: `${root}plugins/google-common/src/index.ts`,
          }));
        },
      },
    ],
  });
  return { inputs: Object.keys(result.metafile.inputs), bytes: result.outputFiles[0]?.contents.length ?? 0 };
}

describe('google-fit-steps bundle', () => {
  it('never pulls in the whole googleapis index, and stays well under 3 MB', async () => {
    const { inputs, bytes } = await bundle();
    expect(inputs.filter((path) => /googleapis\/build\/src\/(index|googleapis)\.js$/.test(path))).toEqual([]);
    const googleapis = inputs.filter((path) => /node_modules\/googleapis\//.test(path));
    // Only the Fitness module of googleapis, never its index of every API.
    expect(googleapis.every((path) => path.includes('googleapis/build/src/apis/fitness/'))).toBe(true);
    expect(googleapis.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(3_000_000);
  });
});
