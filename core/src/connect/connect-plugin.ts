import { createHash } from 'node:crypto';
import type { EnabledEntry, LoadedConfig } from '../config/types.js';
import { type OAuthSettings, resolveOAuthSettings } from '../oauth/settings.js';

/**
 * What the link command and the connect function both need to know of a link's plugin: its enabled
 * entry, its OAuth settings, and the addresses under `connect.baseUrl`.
 */

/** The plugin a link connects: an enabled entry of it, and its OAuth settings. */
export interface ConnectTarget {
  entry: EnabledEntry;
  settings: OAuthSettings;
}

/**
 * The first enabled entry of `pluginId` and its OAuth settings; `unknown` when no enabled entry uses
 * the plugin, `no-oauth` when it declares no `oauth` (its users store a secret instead).
 */
export function findConnectTarget(
  config: Pick<LoadedConfig, 'plugins'>,
  pluginId: string,
): ConnectTarget | { problem: 'unknown' } | { problem: 'no-oauth'; entry: EnabledEntry } {
  const entry = config.plugins.find((e): e is EnabledEntry => e.enabled && e.loaded?.plugin.id === pluginId);
  if (!entry) return { problem: 'unknown' };
  if (!entry.loaded.plugin.oauth) return { problem: 'no-oauth', entry };
  return { entry, settings: resolveOAuthSettings(entry.loaded.plugin, entry.config) };
}

/** The link and callback addresses under a base URL that ends in `/`. */
export function connectUrls(baseUrl: string): { start: string; callback: string } {
  return { start: new URL('start', baseUrl).href, callback: new URL('callback', baseUrl).href };
}

/** SHA-256, base64url: how a `state` appears in cookie names and claims (never itself). */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
