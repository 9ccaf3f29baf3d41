import { hasErrorCode, type ReconnectRequiredError } from '../errors.js';
import type { NormalizedPlugin } from './types.js';

/** What the connect command depends on: how the plugin's users authorize it. */
export type ConnectablePlugin = Pick<NormalizedPlugin, 'id' | 'oauth' | 'secrets'>;

/** `life-stats auth <plugin> --user <user>`: the command every reconnect message of an OAuth plugin names. */
export function authCommand(pluginId: string, userId: string): string {
  return `life-stats auth ${pluginId} --user ${userId}`;
}

/** `life-stats connect-link <plugin> --user <user>`: a link the user connects with from their own browser. */
function linkCommand(pluginId: string, userId: string): string {
  return `life-stats connect-link ${pluginId} --user ${userId}`;
}

/**
 * The command that connects a user to a plugin, or connects them again after a grant was revoked:
 * the one place it is worded. An OAuth plugin is connected with `life-stats auth`; a plugin with
 * plain user secrets (an API key) by storing the first of them; a plugin without user secrets has
 * nothing a user can connect.
 */
export function connectCommand(plugin: ConnectablePlugin, userId: string): string | undefined {
  if (plugin.oauth) return authCommand(plugin.id, userId);
  const name = plugin.secrets.user[0];
  return name === undefined ? undefined : `life-stats secrets set ${plugin.secrets.namespace} ${name} --user ${userId}`;
}

/**
 * Complete a {@link ReconnectRequiredError} with the pair it happened in: its `pluginId` and `userId`
 * when the plugin left them out, and, when the plugin gave no `hint`, one naming
 * {@link connectCommand}. Anything else is left as it is. The error may come from another copy of
 * core (a plugin bundled with its own), so it is recognised by its code.
 */
export function completeReconnectError(
  error: unknown,
  plugin: ConnectablePlugin,
  userId: string,
  /** The config has connect links: an OAuth plugin's hint also offers one. */
  links = false,
): void {
  if (!hasErrorCode(error, 'E_RECONNECT_REQUIRED')) return;
  // Written once, here, by core: `hint` is read-only for everyone else.
  const target = error as { -readonly [K in keyof ReconnectRequiredError]: ReconnectRequiredError[K] };
  target.pluginId ??= plugin.id;
  target.userId ??= userId;
  if (target.hint === undefined) {
    const command = connectCommand(plugin, target.userId);
    if (command) target.hint = `Run \`${command}\` to connect again${linkOffer(plugin, target.userId, links)}.`;
  }
}

/** `, or send them a link: …` when the deployment has connect links and the plugin is OAuth. */
export function linkOffer(plugin: ConnectablePlugin, userId: string, links: boolean): string {
  return links && plugin.oauth ? `, or send them a link: \`${linkCommand(plugin.id, userId)}\`` : '';
}
