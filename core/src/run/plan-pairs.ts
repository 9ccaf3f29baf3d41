import type { EnabledEntry, LoadedConfig, UserConfig } from '../config/types.js';
import { showUserId, userIdProblem } from '../config/user-id.js';
import { formatError, UsageError } from '../errors.js';
import { createSilentLogger, type Logger } from '../log/logger.js';
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
  /**
   * The secret store failed as a whole for this pair's namespace (a corrupt file, SSM access
   * denied) while the run was planned: the pair fails with this error, recorded in its run row, so
   * `status` and the metrics show it instead of the run stopping unseen.
   */
  blocked?: unknown;
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

/** What {@link planPairs} reads and where it reports ids it skips. */
export interface PlanDeps {
  storage: Storage;
  secrets: SecretStore;
  /** Receives a warning for every id found in a store that breaks the user-id rule. */
  logger?: Logger;
}

/** The users with a user secret in a namespace, or why the store could not list them. */
type Listing = { users: string[] } | { error: unknown };

/**
 * The users of each entry (DESIGN.md "Users"): config users ∪ users with a user secret in the plugin's
 * namespace ∪ users with a cursor row (a `runs` table row) for the metric. Discovered users get the config's default zone.
 *
 * - An id found in a store that breaks the user-id rule (`../x`, ANSI escapes, 10,000 characters) is
 *   skipped with a warning and never run.
 * - A store that cannot list a namespace's users (it fails as a whole) does not stop the run: the
 *   entry's known users (config, runs table) get a pair each that fails with that error (see
 *   {@link Pair.blocked}). With no known user at all there is nothing to record it in, and the
 *   error is thrown.
 * - Where the secret store cannot tell ids apart (the env store, {@link SecretStore.userKey}), a
 *   discovered id that reads the same secrets as a known one is that user; two known ids that
 *   would read the same secrets are refused with a {@link UsageError} naming both.
 */
export async function planPairs(config: LoadedConfig, deps: PlanDeps, selection: Selection = {}): Promise<Pair[]> {
  const log = deps.logger ?? createSilentLogger();
  const entries = selectEntries(config, selection.metric);
  const byNamespace = new Map<string, Promise<Listing>>();
  const cursorUsers = new Map<string, string[]>();
  const cursors = new Map<string, CursorRow>();
  for (const cursor of await deps.storage.listCursors()) {
    if (!acceptId(cursor.user_id, `the runs table (metric ${cursor.metric_type})`, log)) continue;
    const list = cursorUsers.get(cursor.metric_type) ?? [];
    list.push(cursor.user_id);
    cursorUsers.set(cursor.metric_type, list);
    cursors.set(`${cursor.metric_type}\u0000${cursor.user_id}`, cursor);
  }
  const configured = new Map(config.users.map((u) => [u.id, u]));
  const pairs: Pair[] = [];
  for (const entry of entries) {
    const { namespace, user: userSecrets } = entry.loaded.plugin.secrets;
    const known = [...configured.keys(), ...(cursorUsers.get(entry.metric) ?? [])];
    let listing: Listing = { users: [] };
    if (userSecrets.length > 0) {
      let pending = byNamespace.get(namespace);
      if (!pending) {
        pending = listUsers(deps.secrets, namespace, log);
        byNamespace.set(namespace, pending);
      }
      listing = await pending;
    }
    if ('error' in listing && known.length === 0) throw listing.error;
    const discovered = 'users' in listing ? listing.users : [];
    const ids =
      userSecrets.length > 0 && deps.secrets.userKey
        ? distinctForStore(known, discovered, deps.secrets.userKey.bind(deps.secrets), deps.secrets.name)
        : new Set([...known, ...discovered]);
    for (const id of ids) {
      if (selection.user !== undefined && id !== selection.user) continue;
      const cursor = cursors.get(`${entry.metric}\u0000${id}`);
      pairs.push({
        entry,
        user: configured.get(id) ?? { id, timezone: config.timezone },
        ...(cursor ? { cursor } : {}),
        ...('error' in listing ? { blocked: listing.error } : {}),
      });
    }
  }
  if (selection.user !== undefined && pairs.length === 0) throw noPairOfUser(selection.user, selection.metric);
  return pairs;
}

/** A selected user that no source knows: a usage error (exit 2). */
export function noPairOfUser(user: string, metric: string | undefined): UsageError {
  return new UsageError(
    `user ${showUserId(user)} has no pair to run${metric ? ` for metric "${metric}"` : ''}: ` +
      'it is not in the config users, has no secrets in a plugin namespace and no run rows',
  );
}

/** The namespace's users with a valid id; a failure of the store is kept, not thrown. */
async function listUsers(store: SecretStore, namespace: string, log: Logger): Promise<Listing> {
  try {
    const users = await store.listUsers(namespace);
    return {
      users: users.filter((id) => acceptId(id, `the ${store.name} secret store (namespace ${namespace})`, log)),
    };
  } catch (error) {
    log.error(`cannot list the users of namespace ${namespace}: ${formatError(error)}`, { namespace });
    return { error };
  }
}

/** Does a discovered id follow the user-id rule? Else warn, naming where it was found. */
export function acceptId(id: string, where: string, log: Logger): boolean {
  const problem = userIdProblem(id);
  if (problem === undefined) return true;
  log.warn(`skipping user ${showUserId(String(id))} found in ${where}: the id ${problem}; it is never run`, {
    hint: 'Rename or remove it in that store.',
  });
  return false;
}

/**
 * The ids of an entry for a store that maps several ids onto one key: known ids (config, runs table)
 * as they are, refusing two that share a key; a discovered id only when no known id has its key.
 */
function distinctForStore(
  known: readonly string[],
  discovered: readonly string[],
  keyOf: (id: string) => string,
  storeName: string,
): Set<string> {
  const byKey = new Map<string, string>();
  for (const id of known) {
    const other = byKey.get(keyOf(id));
    if (other !== undefined && other !== id) {
      throw new UsageError(
        `users ${showUserId(other)} and ${showUserId(id)} would read the same secrets in the ${storeName} secret store, which cannot tell them apart (case and punctuation are lost in variable names)`,
        {
          hint: 'Rename one of them (in the config, or its run rows), or use the file or SSM secret store.',
        },
      );
    }
    byKey.set(keyOf(id), id);
  }
  const ids = new Set(known);
  for (const id of discovered) if (!byKey.has(keyOf(id))) ids.add(id);
  return ids;
}
