import { UsageError } from '../../errors.js';
import { consentScopes } from '../../oauth/consent-scopes.js';
import { resolveOAuthSettings } from '../../oauth/settings.js';
import { openSecrets } from '../../run/open-stores.js';
import { escapeControl } from '../../util/terminal-text.js';
import { runOAuthLoopbackFlow } from '../auth-flow.js';
import { type CommandContext, checkUserFlag, type GlobalOptions, loadCliConfig } from '../context.js';

interface AuthFlags extends GlobalOptions {
  user: string;
  open?: boolean;
  port?: string;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number 0–65535, got "${value}"`);
  return port;
}

/**
 * `auth <plugin-id> --user U`: the installed-app loopback consent for any plugin that declares
 * `oauth`, asking for the scopes of every enabled entry of its namespace, and storing the refresh
 * token as the user's secret in the configured store (file, or SSM for a cloud deployment).
 */
export async function executeAuth(ctx: CommandContext, pluginId: string, flags: AuthFlags): Promise<number> {
  checkUserFlag(flags.user);
  const port = parsePort(flags.port);
  const config = await loadCliConfig(ctx.io, flags);
  const entry = config.plugins.find((e) => e.enabled && e.loaded?.plugin.id === pluginId);
  if (!entry?.loaded) {
    const ids = [...new Set(config.plugins.flatMap((e) => (e.enabled && e.loaded ? [e.loaded.plugin.id] : [])))];
    throw new UsageError(`no enabled plugin "${pluginId}" in the config (enabled: ${ids.join(', ') || 'none'})`);
  }
  const plugin = entry.loaded.plugin;
  if (!plugin.oauth) {
    const name = plugin.secrets.user[0] ?? 'token';
    throw new UsageError(`plugin "${pluginId}" does not use OAuth`, {
      hint: `store its secret with \`life-stats secrets set ${plugin.secrets.namespace} ${name} --user ${flags.user}\``,
    });
  }
  const settings = resolveOAuthSettings(plugin, entry.config);
  const { namespace, secrets: names } = settings;
  const store = await openSecrets(config.secrets);
  const clientId = await store.get(namespace, names.clientId);
  const clientSecret = settings.clientAuth === 'none' ? undefined : await store.get(namespace, names.clientSecret);
  ctx.redactor.add(clientSecret);
  if (!clientId || (settings.clientAuth !== 'none' && !clientSecret)) {
    throw new UsageError(`the OAuth client of "${pluginId}" is not set`, {
      hint:
        `store it first: \`life-stats secrets set ${namespace} ${names.clientId} < client_id.txt\`` +
        (settings.clientAuth === 'none'
          ? ''
          : ` and \`life-stats secrets set ${namespace} ${names.clientSecret} < client_secret.txt\``),
    });
  }
  const scopes = consentScopes(config, pluginId);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const { refreshToken } = await runOAuthLoopbackFlow({
      settings,
      client: { clientId, clientSecret },
      scopes,
      openBrowser: flags.open !== false,
      log: (line) => ctx.io.stderr.write(`${escapeControl(line)}\n`),
      signal: controller.signal,
      redactor: ctx.redactor,
      ...(port === undefined ? {} : { port }),
    });
    ctx.redactor.add(refreshToken);
    await store.set(namespace, names.refreshToken, refreshToken, flags.user);
    ctx.io.stderr.write(
      `Stored ${flags.user}'s ${namespace}/${names.refreshToken} in the ${store.name} secret store (${store.where(namespace, names.refreshToken, flags.user)}).\n`,
    );
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
