import { connectCommand, linkOffer } from '../plugins/connect-command.js';
import type { NormalizedPlugin } from '../plugins/types.js';
import type { SecretStore } from './types.js';

/**
 * The hint of a pair skipped because its user has no user secret: the command that connects them,
 * and where the secret will live in the configured store (never a value).
 *
 * @example 'run `life-stats auth oura --user me` (it stores the refresh token as SSM parameter /life-stats/oura/me/token)'
 */
export function connectHint(
  plugin: Pick<NormalizedPlugin, 'id' | 'secrets' | 'oauth'>,
  userId: string,
  store: SecretStore,
  /** The config has connect links: offer one too. */
  links = false,
): string {
  const { namespace, user } = plugin.secrets;
  const name = (plugin.oauth ? (plugin.oauth.secrets?.refreshToken ?? 'token') : user[0]) ?? 'token';
  let where = '';
  try {
    where = store.where(namespace, name, userId);
  } catch {
    // A name the store cannot hold (e.g. an SSM-invalid user id): the command alone still helps.
  }
  const command = connectCommand(plugin, userId) ?? `life-stats secrets set ${namespace} ${name} --user ${userId}`;
  if (plugin.oauth) {
    return `run \`${command}\`${linkOffer(plugin, userId, links)}${where ? ` (it stores the refresh token as ${where})` : ''}`;
  }
  return `run \`${command}\`${where ? ` (read from ${where})` : ''}`;
}
