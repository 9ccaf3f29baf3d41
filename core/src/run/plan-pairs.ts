import type { EnabledEntry, LoadedConfig, UserConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { SecretStore } from '../secrets/types.js';
import type { CursorRow, Storage } from '../storage/types.js';

/** One (plugin entry, user) pair to run. */
export interface Pair {
  entry: EnabledEntry;
  user: UserConfig;
  /**
   * The pair's cursor row as read when the run was planned (one listing for every pair, instead of
   * a read per pair). Another run may move the cursor since; an older cursor only widens the window,
   * which the idempotent upserts make harmless, and the cursor write still never goes backwards.
   */
  cursor?: CursorRow;
}

export interface Selection {
  metric?: string | undefined;
  user?: string | undefined;
}

/** Enabled entries, narrowed by `--metric`; a metric that matches none is a usage error (exit 2). */
export function selectEntries(config: LoadedConfig, metric?: string): EnabledEntry[] {
  const enabled = config.plugins.filter((e): e is EnabledEntry => e.enabled && e.loaded !== undefined);
  if (metric === undefined) return enabled;
  const selected = enabled.filter((e) => e.metric === metric);
  if (selected.length === 0) {
    const known = enabled.map((e) => e.metric).join(', ') || 'none';
    throw new UsageError(`no enabled plugin entry writes metric "${metric}" (enabled metrics: ${known})`);
  }
  return selected;
}

/**
 * The users of each entry (DESIGN.md "Users"): config users ∪ users with a user secret in the plugin's
 * namespace ∪ users with a cursor row (a `runs` table row) for the metric. Discovered users get the config's default zone.
 */
export async function planPairs(
  config: LoadedConfig,
  deps: { storage: Storage; secrets: SecretStore },
  selection: Selection = {},
): Promise<Pair[]> {
  const entries = selectEntries(config, selection.metric);
  const byNamespace = new Map<string, Promise<string[]>>();
  const cursorUsers = new Map<string, string[]>();
  const cursors = new Map<string, CursorRow>();
  for (const cursor of await deps.storage.listCursors()) {
    const list = cursorUsers.get(cursor.metric_type) ?? [];
    list.push(cursor.user_id);
    cursorUsers.set(cursor.metric_type, list);
    cursors.set(`${cursor.metric_type}\u0000${cursor.user_id}`, cursor);
  }
  const configured = new Map(config.users.map((u) => [u.id, u]));
  const pairs: Pair[] = [];
  for (const entry of entries) {
    const { namespace, user: userSecrets } = entry.loaded.plugin.secrets;
    let secretUsers: string[] = [];
    if (userSecrets.length > 0) {
      let pending = byNamespace.get(namespace);
      if (!pending) {
        pending = deps.secrets.listUsers(namespace);
        byNamespace.set(namespace, pending);
      }
      secretUsers = await pending;
    }
    const ids = new Set([...configured.keys(), ...secretUsers, ...(cursorUsers.get(entry.metric) ?? [])]);
    for (const id of ids) {
      if (selection.user !== undefined && id !== selection.user) continue;
      const cursor = cursors.get(`${entry.metric}\u0000${id}`);
      pairs.push({
        entry,
        user: configured.get(id) ?? { id, timezone: config.timezone },
        ...(cursor ? { cursor } : {}),
      });
    }
  }
  if (selection.user !== undefined && pairs.length === 0) {
    throw new UsageError(
      `user "${selection.user}" has no pair to run${selection.metric ? ` for metric "${selection.metric}"` : ''}: ` +
        'it is not in the config users, has no secrets in a plugin namespace and no run rows',
    );
  }
  return pairs;
}
