import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'core/bin/life-stats.js');

/**
 * A temp copy of the repository's own `life-stats.config.json`: the same entries on the same sample
 * data (paths made absolute), with its store and secrets in the temp folder.
 */
export function sampleProject(): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'life-stats-sample-'));
  const config = JSON.parse(readFileSync(path.join(ROOT, 'life-stats.config.json'), 'utf8'));
  config.$schema = path.join(ROOT, 'core/config.schema.json');
  for (const entry of config.plugins) {
    if (typeof entry === 'object' && typeof entry.config?.file === 'string') {
      entry.config.file = path.join(ROOT, entry.config.file);
    }
  }
  const file = path.join(dir, 'life-stats.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, config: file };
}

/**
 * The plugin entries of someone with several devices: every first-party plugin that talks to a
 * provider, and Apple Health's export (which need not exist for `validate`). Nothing needs to be
 * connected for `validate` to load and check them all.
 */
export const PROVIDER_ENTRIES = [
  { use: 'oura', config: { dataType: 'sleep' } },
  { use: 'withings', config: { dataType: 'weight' } },
  { use: 'strava', config: { dataType: 'distance' } },
  { use: 'google-health', config: { dataType: 'steps' } },
  { use: 'google-health-steps', metric: 'steps_health' },
  { use: 'google-fit-steps', metric: 'steps_fit' },
  { use: 'apple-health', metric: 'steps_watch', config: { file: 'export.zip', dataType: 'steps' } },
] as const;

/**
 * A Node `--import` module that reports, on stderr, every AWS SDK, Powertools, Google SDK or OAuth
 * library package the process resolves (none of them belongs in a run without such a plugin).
 */
export function sdkTracer(dir: string): string {
  const hooks = path.join(dir, 'trace-hooks.mjs');
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/@aws-sdk\\/|@aws-lambda-powertools\\/|\\/googleapis\\/|google-auth-library|\\/oauth4webapi\\//.test(result.url)) process.stderr.write('SDK-LOADED ' + specifier + '\\n');
  return result;
}\n`,
  );
  const register = path.join(dir, 'trace-register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return register;
}
