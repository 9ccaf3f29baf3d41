import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { NormalizedPlugin, PluginOAuthContext, PluginSecrets } from '../plugins/types.js';
import type { SecretStore } from '../secrets/types.js';
import { createOAuthSession } from './session.js';
import { oauthSecretNames } from './settings.js';

/** What {@link pluginOAuthFor} needs of a pair. */
export interface PluginOAuthSource {
  plugin: Pick<NormalizedPlugin, 'id' | 'secrets' | 'oauth'>;
  /** The entry's validated config. */
  config: Record<string, unknown>;
  userId: string;
  /** The pair's `ctx.secrets`. */
  secrets: PluginSecrets;
  /** The store behind them, to read a refresh token a concurrent run rotated. */
  store?: SecretStore;
  log: Logger;
  redactor?: Redactor;
  /** Runs before every request of `ctx.oauth.fetch` (a rate budget that counts requests). */
  beforeRequest?: (signal: AbortSignal) => Promise<void>;
}

/**
 * `ctx.oauth` for each attempt of a pair (bound to that attempt's signal), or `undefined` for a
 * plugin without `oauth`. The run engine and `life-stats check` build their contexts with it.
 */
export function pluginOAuthFor(source: PluginOAuthSource): ((signal: AbortSignal) => PluginOAuthContext) | undefined {
  const { plugin, store } = source;
  if (!plugin.oauth) return undefined;
  const name = oauthSecretNames(plugin.oauth).refreshToken;
  const namespace = plugin.secrets.namespace;
  const reread = store ? () => (store.reread ?? store.get).call(store, namespace, name, source.userId) : undefined;
  return (signal) =>
    createOAuthSession({
      plugin,
      config: source.config,
      userId: source.userId,
      secrets: source.secrets,
      signal,
      log: source.log,
      ...(source.redactor ? { redactor: source.redactor } : {}),
      ...(reread ? { reread } : {}),
      ...(source.beforeRequest ? { beforeRequest: source.beforeRequest } : {}),
    });
}
