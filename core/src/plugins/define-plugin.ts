import type { PluginDefinition } from './types.js';

/**
 * Declare a plugin. The identity at run time; it gives plugin authors types and completion.
 *
 * ```ts
 * export default definePlugin({ id: 'acme-water', apiVersion: 1, metric: { type: 'water_ml' }, async fetch(ctx) { … } });
 * ```
 */
export function definePlugin<Config = Record<string, unknown>>(
  definition: PluginDefinition<Config>,
): PluginDefinition<Config> {
  return definition;
}
