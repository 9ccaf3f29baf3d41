import { writeDeprecationWarnings } from '../../plugins/deprecations.js';
import { type CommandContext, type GlobalOptions, loadCliConfig } from '../context.js';

/** `validate`: load the config and every enabled plugin, validate everything, touch nothing. */
export async function executeValidate(ctx: CommandContext, flags: GlobalOptions): Promise<number> {
  const config = await loadCliConfig(ctx.io, flags);
  const enabled = config.plugins.filter((p) => p.enabled);
  const storage =
    config.storage.type === 'sqlite'
      ? `sqlite at ${config.storage.path}`
      : `dynamodb (${config.storage.metricsTable}, ${config.storage.runsTable})`;
  const secrets =
    config.secrets.type === 'file'
      ? `file at ${config.secrets.path}`
      : config.secrets.type === 'ssm'
        ? `ssm under ${config.secrets.prefix}`
        : 'environment variables';
  ctx.io.stdout.write(
    `${config.filepath} is valid.\n` +
      `  ${config.plugins.length} plugin entr${config.plugins.length === 1 ? 'y' : 'ies'}, ${enabled.length} enabled: ${enabled.map((p) => `${p.metric} (${p.loaded?.plugin.id})`).join(', ') || 'none'}\n` +
      `  ${config.users.length} configured user${config.users.length === 1 ? '' : 's'}; default time zone ${config.timezone}\n` +
      `  storage: ${storage}\n  secrets: ${secrets}\n`,
  );
  // Warnings, not problems: a plugin on its way out still works, and the exit code stays 0.
  writeDeprecationWarnings(config.plugins, ctx.io.stderr);
  return 0;
}
