import type { LoadedConfig } from '../config/types.js';
import { entryScopes } from './settings.js';

/**
 * The scopes one consent for `pluginId` asks for: the union of what every enabled entry of its
 * secrets namespace with the same provider needs (every `google-health*` entry, say), so one grant
 * serves them all. In config order, without duplicates.
 */
export function consentScopes(config: Pick<LoadedConfig, 'plugins'>, pluginId: string): string[] {
  const target = config.plugins.find((e) => e.enabled && e.loaded?.plugin.id === pluginId)?.loaded?.plugin;
  if (!target?.oauth) return [];
  const scopes = new Set<string>();
  for (const entry of config.plugins) {
    const plugin = entry.loaded?.plugin;
    if (!entry.enabled || !plugin?.oauth) continue;
    if (plugin.secrets.namespace !== target.secrets.namespace || plugin.oauth.provider !== target.oauth.provider)
      continue;
    for (const scope of entryScopes(plugin.oauth, entry.config)) scopes.add(scope);
  }
  return [...scopes];
}
