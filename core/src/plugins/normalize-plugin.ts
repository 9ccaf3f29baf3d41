import { oauthDeclaredSecrets } from '../oauth/settings.js';
import { isRecord } from '../util/is-record.js';
import type { JsonSchema, NormalizedPlugin, PluginOAuth } from './types.js';

/** Manifest defaults (DESIGN.md "Plugin contract"). */
const DEFAULT_SCHEDULE = 'rate(1 day)';
const DEFAULT_SETTLE_DAYS = 1;
const DEFAULT_MAX_DAYS_PER_FETCH = 30;

/**
 * A module compiled to CommonJS and imported from ESM hands over `{ default: plugin }` as its
 * default export; accept that shape rather than rejecting a plugin over its build setup.
 */
export function unwrapInterop(value: unknown): unknown {
  if (isRecord(value) && !('id' in value) && !('fetch' in value) && isRecord(value.default)) return value.default;
  return value;
}

/**
 * A plugin manifest with every default applied. It does not check the manifest: that is
 * {@link validateManifest}'s job, done when the plugin is loaded (the CLI) or at synth time (the
 * bundled Lambda, which then only normalizes the modules it imported statically, with no schema
 * compiler in its bundle).
 *
 * @param value - the module's default export, already validated.
 */
export function normalizePlugin(value: unknown): NormalizedPlugin {
  const plugin = unwrapInterop(value) as Record<string, unknown>;
  const id = plugin.id as string;
  const secrets = (plugin.secrets ?? {}) as Record<string, unknown>;
  // An OAuth plugin's client and refresh token are its secrets, declared or not.
  const oauthSecrets = oauthDeclaredSecrets(plugin.oauth as PluginOAuth | undefined);
  return {
    ...(plugin as unknown as NormalizedPlugin),
    // Read through the object, not the spread: a class-based plugin keeps these on its prototype.
    fetch: plugin.fetch as NormalizedPlugin['fetch'],
    ...(plugin.check === undefined ? {} : { check: plugin.check as NonNullable<NormalizedPlugin['check']> }),
    ...(plugin.oauth === undefined ? {} : { oauth: plugin.oauth as PluginOAuth }),
    configSchema: (plugin.configSchema as JsonSchema | undefined) ?? { type: 'object' },
    secrets: {
      namespace: (secrets.namespace as string | undefined) ?? id,
      user: [...new Set([...((secrets.user as string[] | undefined) ?? []), ...oauthSecrets.user])],
      shared: [...new Set([...((secrets.shared as string[] | undefined) ?? []), ...oauthSecrets.shared])],
    },
    schedule: (plugin.schedule as string | undefined) ?? DEFAULT_SCHEDULE,
    settleDays: (plugin.settleDays as number | undefined) ?? DEFAULT_SETTLE_DAYS,
    maxDaysPerFetch: (plugin.maxDaysPerFetch as number | undefined) ?? DEFAULT_MAX_DAYS_PER_FETCH,
  };
}
