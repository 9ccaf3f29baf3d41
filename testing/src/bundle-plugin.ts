import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Options of {@link bundlePlugin}. */
export interface BundlePluginOptions {
  /** Minify, as the Lambda bundle is. @default false */
  minify?: boolean;
}

/**
 * Bundle a plugin's source as the Lambda build does (esbuild, platform node), with only
 * `@life-stats/core` left out: it is shared by every plugin and measured on its own.
 * `entry` is a path from the repository root, or an absolute path.
 * Returns the bundled input paths and the output size.
 */
export async function bundlePlugin(
  entry: string,
  options: BundlePluginOptions = {},
): Promise<{ inputs: string[]; bytes: number }> {
  const result = await build({
    entryPoints: [entry.startsWith('/') ? entry : `${root}${entry}`],
    minify: options.minify ?? false,
    nodePaths: [`${root}node_modules`],
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

/**
 * How many copies of a package a bundle holds: its distinct `node_modules/<name>` folders
 * (googleapis-common pinning its own google-auth-library makes two).
 */
export function packageCopies(inputs: readonly string[], name: string): number {
  const folders = new Set<string>();
  for (const path of inputs) {
    const at = path.lastIndexOf(`node_modules/${name}/`);
    if (at !== -1) folders.add(path.slice(0, at + `node_modules/${name}`.length));
  }
  return folders.size;
}

/** Inputs from the whole `googleapis` index (every API), which must never be bundled. */
export const wholeGoogleapisIndex = (inputs: string[]) =>
  inputs.filter((path) => /googleapis\/build\/src\/(index|googleapis)\.js$/.test(path));
