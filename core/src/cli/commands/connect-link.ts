import { connectUrls, findConnectTarget } from '../../connect/connect-plugin.js';
import { createLinkToken } from '../../connect/link-token.js';
import { ensureSigningKey, rotateSigningKey, SIGNING_KEY } from '../../connect/signing-key.js';
import { isLifeStatsError, UsageError } from '../../errors.js';
import { openSecrets } from '../../run/open-stores.js';
import { type CommandContext, checkUserFlag, type GlobalOptions, loadCliConfig } from '../context.js';

interface ConnectLinkFlags extends GlobalOptions {
  user?: string;
  expires?: string;
  json?: boolean;
  rotateKey?: boolean;
}

const DAY_MS = 86_400_000;
/** The longest a link may last. */
const MAX_EXPIRES_MS = 30 * DAY_MS;
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS };

/** `--expires`: `<n>m`, `<n>h` or `<n>d`, at most 30 days. */
function parseExpires(value: string | undefined): number {
  if (value === undefined) return 7 * DAY_MS;
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(value.trim());
  if (!match) {
    throw new UsageError(`--expires must be a duration such as 7d, 12h or 90m, got "${value}"`);
  }
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  if (ms > MAX_EXPIRES_MS) throw new UsageError(`--expires ${value} is longer than 30 days, the most a link may last`);
  return ms;
}

/**
 * `connect-link <plugin-id> --user U [--expires 7d] [--json]`: a link (`<baseUrl>start?t=<token>`)
 * that lets the user connect their account from any browser, through the deployment's connect
 * function; and `connect-link --rotate-key`, which replaces the signing key so every earlier link
 * stops working. The link goes to stdout only (it is the credential to send); the rest to stderr.
 */
export async function executeConnectLink(
  ctx: CommandContext,
  pluginId: string | undefined,
  flags: ConnectLinkFlags,
): Promise<number> {
  if (flags.rotateKey) {
    if (pluginId !== undefined || flags.user !== undefined || flags.expires !== undefined) {
      throw new UsageError('--rotate-key takes no plugin, --user or --expires: it only replaces the signing key');
    }
    return rotate(ctx, flags);
  }
  if (pluginId === undefined)
    throw new UsageError('connect-link needs a plugin id, e.g. `connect-link oura --user alice`');
  if (flags.user === undefined) throw new UsageError('connect-link needs --user <id>: the user who connects');
  checkUserFlag(flags.user);
  const user = flags.user;
  const lifetime = parseExpires(flags.expires);
  const config = await loadCliConfig(ctx.io, flags);
  const baseUrl = config.connect?.baseUrl;
  if (!baseUrl) {
    throw new UsageError('the config has no `connect.baseUrl`, so there is nowhere for a link to point', {
      hint: 'Add `"connect": {}` to the config and deploy: the stack outputs ConnectUrl. Put that URL in `connect.baseUrl`.',
    });
  }
  const target = findConnectTarget(config, pluginId);
  if ('problem' in target) {
    if (target.problem === 'no-oauth') {
      const plugin = target.entry.loaded.plugin;
      throw new UsageError(`plugin "${pluginId}" does not use OAuth, so its users cannot connect with a link`, {
        hint: `store its secret with \`life-stats secrets set ${plugin.secrets.namespace} ${plugin.secrets.user[0] ?? 'token'} --user ${user}\``,
      });
    }
    const ids = [...new Set(config.plugins.flatMap((e) => (e.enabled && e.loaded ? [e.loaded.plugin.id] : [])))];
    throw new UsageError(`no enabled plugin "${pluginId}" in the config (enabled: ${ids.join(', ') || 'none'})`);
  }
  const { settings } = target;
  const store = await openSecrets(config.secrets);
  try {
    store.where(settings.namespace, settings.secrets.refreshToken, user);
  } catch (error) {
    throw new UsageError(`the ${store.name} secret store cannot hold a secret of user "${user}"`, {
      hint: isLifeStatsError(error) && error.hint ? error.hint : 'Choose another user id.',
      cause: error,
    });
  }
  const { key, created } = await ensureSigningKey(store);
  ctx.redactor.add(key);
  const expiresAt = Date.now() + lifetime;
  const token = createLinkToken(key, { plugin: pluginId, user, expiresAt });
  ctx.redactor.add(token);
  const urls = connectUrls(baseUrl);
  const url = `${urls.start}?t=${token}`;
  const expiry = new Date(Math.floor(expiresAt / 1000) * 1000).toISOString();
  if (created) {
    ctx.io.stderr.write(
      `Created the connect signing key (${store.where(SIGNING_KEY.namespace, SIGNING_KEY.name)}); the connect function reads it from there.\n`,
    );
  }
  if (store.name !== 'ssm') {
    // The deployed connect function reads SSM: a link signed with a local store's key fails there.
    ctx.io.stderr.write(
      `note: signed with the ${store.name} secret store's key; a deployed connect function reads SSM (run with LIFE_STATS_SECRETS=ssm to make links for it)\n`,
    );
  }
  const clientId = await store.get(settings.namespace, settings.secrets.clientId);
  if (!clientId) {
    ctx.io.stderr.write(
      `warning: the OAuth client of "${pluginId}" is not set yet; the link works once it is: \`life-stats secrets set ${settings.namespace} ${settings.secrets.clientId}\`` +
        (settings.clientAuth === 'none' ? '' : ` and \`… ${settings.secrets.clientSecret}\``) +
        '\n',
    );
  }
  if (flags.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({ url, expiresAt: expiry, plugin: pluginId, user, redirectUri: urls.callback }, null, 2)}\n`,
    );
    return 0;
  }
  ctx.io.stderr.write(
    `Link for ${user} to connect ${settings.provider} (${pluginId}), valid until ${expiry}; it connects once:\n`,
  );
  ctx.io.stdout.write(`${url}\n`);
  ctx.io.stderr.write(`Redirect URI to register with ${settings.provider}: ${urls.callback}\n`);
  return 0;
}

async function rotate(ctx: CommandContext, flags: ConnectLinkFlags): Promise<number> {
  const config = await loadCliConfig(ctx.io, flags, false);
  const store = await openSecrets(config.secrets);
  ctx.redactor.add(await rotateSigningKey(store));
  const where = store.where(SIGNING_KEY.namespace, SIGNING_KEY.name);
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ rotated: true, where }, null, 2)}\n`);
  } else {
    ctx.io.stderr.write(
      `Rotated the connect signing key (${where}): every link made before now, and every connection in progress, stops working.\n`,
    );
  }
  return 0;
}
