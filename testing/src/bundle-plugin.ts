import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundle a plugin's source as the Lambda build does (esbuild, platform node), with only
 * `@life-stats/core` left out: it is shared by every plugin and measured on its own.
 * Returns the bundled input paths and the output size.
 */
export async function bundlePlugin(entry: string): Promise<{ inputs: string[]; bytes: number }> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
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
          // The workspace package's export map points at dist/; bundle its source instead.
          b.onResolve({ filter: /^@life-stats\/google-common$/ }, () => ({
            path: `${root}plugins/google-common/src/index.ts`,
          }));
        },
      },
    ],
  });
  return { inputs: Object.keys(result.metafile.inputs), bytes: result.outputFiles[0]?.contents.length ?? 0 };
}

/** Inputs from the whole `googleapis` index (every API), which must never be bundled. */
export const wholeGoogleapisIndex = (inputs: string[]) =>
  inputs.filter((path) => /googleapis\/build\/src\/(index|googleapis)\.js$/.test(path));
