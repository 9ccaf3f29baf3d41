import { formatError, hasErrorCode } from '../../errors.js';
import { pluginOAuthFor } from '../../oauth/plugin-context.js';
import { completeReconnectError } from '../../plugins/connect-command.js';
import { callWithRetry } from '../../run/call-plugin.js';
import { planPairs } from '../../run/plan-pairs.js';
import { loadPluginSecrets } from '../../secrets/plugin-secrets.js';
import { type CommandContext, checkUserFlag, type GlobalOptions, loadCliConfig, withStores } from '../context.js';
import { formatTable } from '../format-table.js';

interface CheckFlags extends GlobalOptions {
  metric?: string;
  user?: string;
}

/** `check`: run each selected plugin's `check()` (credentials, connectivity) for each user. */
export async function executeCheck(ctx: CommandContext, flags: CheckFlags): Promise<number> {
  checkUserFlag(flags.user);
  const config = await loadCliConfig(ctx.io, flags);
  const rows = await withStores(config, async ({ storage, secrets }) => {
    const pairs = await planPairs(
      config,
      { storage, secrets, logger: ctx.logger },
      { metric: flags.metric, user: flags.user },
    );
    const out: string[][] = [];
    for (const { entry, user, blocked } of pairs) {
      const plugin = entry.loaded.plugin;
      const row = [user.id, entry.metric, plugin.id];
      const check = plugin.check;
      if (!check) {
        out.push([...row, 'ok', 'the plugin has no check(); nothing to verify']);
        continue;
      }
      const log = ctx.logger.child({ plugin: plugin.id, user: user.id, metric: entry.metric });
      try {
        if (blocked !== undefined) throw blocked;
        const pluginSecrets = await loadPluginSecrets({
          store: secrets,
          plugin,
          userId: user.id,
          redactor: ctx.redactor,
        });
        const oauthFor = pluginOAuthFor({
          plugin,
          config: entry.config,
          userId: user.id,
          secrets: pluginSecrets,
          store: secrets,
          log,
          redactor: ctx.redactor,
        });
        await callWithRetry(
          (signal) =>
            check.call(plugin, {
              user,
              config: structuredClone(entry.config),
              secrets: pluginSecrets,
              log,
              signal,
              metric: entry.metric,
              ...(oauthFor ? { oauth: oauthFor(signal) } : {}),
            }),
          { retries: 2, minTimeoutMs: 500, timeoutMs: 60_000, log },
        );
        out.push([...row, 'ok', '']);
      } catch (error) {
        const status = hasErrorCode(error, 'E_RECONNECT_REQUIRED') ? 'reconnect' : 'failed';
        completeReconnectError(error, plugin, user.id, config.connect !== undefined);
        out.push([...row, status, ctx.redactor.redact(formatError(error)).replace(/\n/g, ' ')]);
      }
    }
    return out;
  });
  ctx.io.stdout.write(
    rows.length ? formatTable(['user', 'metric', 'plugin', 'status', 'note'], rows) : 'Nothing to check.\n',
  );
  return rows.some((r) => r[3] !== 'ok') ? 1 : 0;
}
