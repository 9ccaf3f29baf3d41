import { isAbsolute, resolve } from 'node:path';
import { type BuildOptions, type BuildResult, build, type Metafile, type Plugin } from 'esbuild';

/** Options of {@link buildSplitAsset}: esbuild's, with named entry points and an output folder. */
export type SplitAssetOptions = BuildOptions & { entryPoints: Record<string, string>; outdir: string };

/**
 * Build an asset split into chunks (esbuild `splitting`): what a module imports with `import()` is
 * a chunk of its own, read and compiled only when that `import()` runs — the SSM client when a
 * secret is first read, the EventBridge client when an event is published — instead of being
 * parsed with the entry at every cold start.
 *
 * esbuild makes a chunk of every `import()` it meets, also in code that tree shaking then drops
 * (`createHandler`'s config file loader, the fan-out planner of a bundle without `fanOut`), and the
 * modules such a chunk shares with the entry move into shared chunks the entry loads. So the asset
 * is built twice: once as one file, which tells what tree shaking keeps, then split, with every
 * `import()` that the one-file build left out (in a module it dropped, or of a module it dropped)
 * replaced by a stand-in that throws. The split asset thus holds the modules of the one-file build.
 */
export async function buildSplitAsset(
  options: SplitAssetOptions,
): Promise<BuildResult<SplitAssetOptions & { metafile: true }>> {
  const whole = await build({ ...options, splitting: false, write: false, metafile: true });
  if (whole.errors.length > 0) return { ...whole, metafile: whole.metafile, outputFiles: undefined };
  const kept = keptModules(whole.metafile, options.absWorkingDir);
  return build({
    ...options,
    splitting: true,
    metafile: true,
    plugins: [droppedImports(kept), ...(options.plugins ?? [])],
  });
}

/** The inputs tree shaking kept (a byte or more in an output), as esbuild names them after resolving. */
function keptModules(metafile: Metafile, workingDir = process.cwd()): Set<string> {
  const kept = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput > 0) kept.add(moduleKey(path, workingDir));
    }
  }
  return kept;
}

/** `namespace:path` for a stand-in, the absolute path for a file (the metafile's keys are relative). */
function moduleKey(path: string, workingDir: string): string {
  const namespaced = /^([a-z][\w-]+):(.*)$/.exec(path);
  if (namespaced && !isAbsolute(path)) return path;
  return resolve(workingDir, path);
}

/** The stand-ins' namespace: `life-stats-dropped:src/config/load-config.ts` in esbuild's metafile. */
const DROPPED = 'life-stats-dropped';

/** `import()` of a module the one-file build left out: a stand-in that throws if it ever runs. */
function droppedImports(kept: Set<string>): Plugin {
  return {
    name: 'life-stats-dropped-imports',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
        // Nested resolutions (this plugin's own, the workspace plugin's) carry pluginData.
        if (args.kind !== 'dynamic-import' || args.pluginData !== undefined) return undefined;
        // An `import()` in a module the one-file build left out is dead code; so is one of a module
        // it left out (an `import()` in a dropped function of a kept module).
        const importerKept = args.namespace !== 'file' || kept.has(args.importer);
        const result = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: DROPPED,
        });
        if (result.errors.length > 0 || result.external) return undefined;
        const key = result.namespace === 'file' ? result.path : `${result.namespace}:${result.path}`;
        // Named without the build machine's folders, so the asset stays the same from any folder.
        return importerKept && kept.has(key) ? undefined : { path: shortName(key), namespace: DROPPED };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: DROPPED }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`[life-stats] not in the Lambda bundle: ${args.path} (nothing this bundle runs imports it)`)});\n`,
        loader: 'js',
      }));
    },
  };
}

/** `@aws-sdk/client-sqs/dist-es/index.js`, `src/config/load-config.ts`: a module without the folders above it. */
function shortName(path: string): string {
  const parts = path.split(/[/\\]/);
  const inPackages = parts.lastIndexOf('node_modules');
  return (inPackages === -1 ? parts.slice(-3) : parts.slice(inPackages + 1)).join('/');
}
