import type { Command } from 'commander';
import type { PluginEntry } from '../../config/types.js';
import { type CommandContext, type GlobalOptions, loadCliConfig } from '../context.js';
import { formatTable } from '../format-table.js';

interface PluginsFlags extends GlobalOptions {
  json?: boolean;
}

/** A plugin entry as `plugins --json` prints it. */
export interface PluginListing {
  use: string;
  enabled: boolean;
  id?: string;
  package?: string;
  version?: string;
  metric: string;
  schedule: string;
  description?: string;
  secrets?: { namespace: string; user: readonly string[]; shared: readonly string[] };
  configSchema?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

function describeEntry(entry: PluginEntry): PluginListing {
  const plugin = entry.loaded?.plugin;
  return {
    use: entry.use,
    enabled: entry.enabled,
    ...(plugin
      ? {
          id: plugin.id,
          ...(entry.loaded?.packageName ? { package: entry.loaded.packageName } : {}),
          ...(entry.loaded?.version ? { version: entry.loaded.version } : {}),
          ...(plugin.description ? { description: plugin.description } : {}),
          secrets: plugin.secrets,
          configSchema: plugin.configSchema,
        }
      : {}),
    metric: entry.metric,
    schedule: entry.schedule,
    ...(entry.enabled ? { config: entry.config } : {}),
  };
}

function optionNames(schema: Record<string, unknown> | undefined): string {
  const props = (schema?.properties ?? {}) as Record<string, unknown>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.keys(props)
    .map((k) => (required.has(k) ? k : `${k}?`))
    .join(' ');
}

/** `plugins`: the configured plugin entries, with schedules, secrets and config options. */
export async function executePlugins(ctx: CommandContext, flags: PluginsFlags): Promise<number> {
  const config = await loadCliConfig(ctx.io, flags);
  const listings = config.plugins.map(describeEntry);
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ plugins: listings }, null, 2)}\n`);
    return 0;
  }
  const rows = listings.map((p) => [
    p.id ?? p.use,
    p.version ?? '',
    p.metric,
    p.enabled ? 'yes' : 'no',
    p.schedule,
    p.secrets
      ? [...p.secrets.user, ...p.secrets.shared.map((s) => `${s} (shared)`)]
          .map((s) => `${p.secrets?.namespace}/${s}`)
          .join(', ')
      : '',
    optionNames(p.configSchema),
  ]);
  ctx.io.stdout.write(formatTable(['plugin', 'version', 'metric', 'enabled', 'schedule', 'secrets', 'config'], rows));
  return 0;
}

export function registerPlugins(program: Command, action: (flags: PluginsFlags) => Promise<void>) {
  program
    .command('plugins')
    .description('list plugin entries: metrics, schedules, secrets and config options')
    .option('--json', 'print JSON on stdout')
    .action((flags: PluginsFlags) => action(flags));
}
