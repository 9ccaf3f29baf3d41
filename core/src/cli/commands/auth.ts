import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { openSecrets } from '../../run/open-stores.js';
import { runOAuthLoopbackFlow } from '../auth-flow.js';
import { type CommandContext, type GlobalOptions, loadCliConfig } from '../context.js';

interface AuthFlags extends GlobalOptions {
  user: string;
  open?: boolean;
}

/**
 * `auth <plugin-id> --user U`: the installed-app loopback consent flow, storing the refresh token
 * in the configured secret store (file, or SSM for a cloud deployment).
 */
export async function executeAuth(ctx: CommandContext, pluginId: string, flags: AuthFlags): Promise<number> {
  const config = await loadCliConfig(ctx.io, flags);
  const entry = config.plugins.find((e) => e.enabled && e.loaded?.plugin.id === pluginId);
  if (!entry?.loaded) {
    const ids = config.plugins.flatMap((e) => (e.loaded ? [e.loaded.plugin.id] : []));
    throw new UsageError(`no enabled plugin "${pluginId}" in the config (enabled: ${ids.join(', ') || 'none'})`);
  }
  const plugin = entry.loaded.plugin;
  const oauth = plugin.oauth;
  if (!oauth) {
    const name = plugin.secrets.user[0] ?? 'token';
    throw new UsageError(`plugin "${pluginId}" does not use OAuth`, {
      hint: `store its secret with \`life-stats secrets set ${plugin.secrets.namespace} ${name} --user ${flags.user}\``,
    });
  }
  const store = await openSecrets(config.secrets);
  const ns = plugin.secrets.namespace;
  const clientId = await store.get(ns, oauth.secrets.clientId);
  const clientSecret = await store.get(ns, oauth.secrets.clientSecret);
  ctx.redactor.add(clientSecret);
  if (!clientId || !clientSecret) {
    throw new UsageError(`the OAuth client of "${pluginId}" is not set`, {
      hint:
        `store it first: \`life-stats secrets set ${ns} ${oauth.secrets.clientId} < client_id.txt\` and ` +
        `\`life-stats secrets set ${ns} ${oauth.secrets.clientSecret} < client_secret.txt\``,
    });
  }
  const configured = oauth.tokenUrlConfigKey ? entry.config[oauth.tokenUrlConfigKey] : undefined;
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const { refreshToken } = await runOAuthLoopbackFlow({
      clientId,
      clientSecret,
      scopes: oauth.scopes,
      authUrl: oauth.authUrl,
      tokenUrl: typeof configured === 'string' ? configured : oauth.tokenUrl,
      openBrowser: flags.open !== false,
      log: (line) => ctx.io.stderr.write(`${line}\n`),
      signal: controller.signal,
    });
    ctx.redactor.add(refreshToken);
    await store.set(ns, oauth.secrets.refreshToken, refreshToken, flags.user);
    ctx.io.stderr.write(
      `Stored ${flags.user}'s ${ns}/${oauth.secrets.refreshToken} in the ${store.name} secret store.\n`,
    );
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function registerAuth(program: Command, action: (pluginId: string, flags: AuthFlags) => Promise<void>) {
  program
    .command('auth')
    .description('OAuth consent in the browser for a user; stores the refresh token in the secret store')
    .argument('<plugin-id>', 'e.g. google-fit-steps')
    .requiredOption('--user <user>', 'the user whose account to connect')
    .option('--no-open', 'print the consent address without opening a browser')
    .action((pluginId: string, flags: AuthFlags) => action(pluginId, flags));
}
