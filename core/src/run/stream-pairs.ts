/**
 * The pairs of {@link planPairs}, streamed for the fan-out planner: the users of 100,000-user
 * deployments come page by page from the runs table and from each secret namespace (read at once,
 * names only), and each pair is yielded as soon as it is known — never a list of every pair, row
 * or token. Only the ids already yielded are kept (one set per entry), so no pair comes twice.
 */
import type { LoadedConfig } from '../config/types.js';
import { formatError } from '../errors.js';
import { createSilentLogger } from '../log/logger.js';
import type { SecretStore } from '../secrets/types.js';
import type { CursorKey, Storage } from '../storage/types.js';
import { mergeAsync } from '../util/merge-async.js';
import { acceptId, noPairOfUser, type PlanDeps, planPairs, type Selection, selectEntries } from './plan-pairs.js';

/** One pair to enqueue: the seed's event. */
export interface PairKey {
  metric: string;
  userId: string;
}

type Found = { from: 'runs'; keys: CursorKey[] } | { from: 'secrets'; namespace: string; users: string[] };

/**
 * Every pair {@link planPairs} would plan, the same users by the same rules (DESIGN.md "Users":
 * config ∪ secret store ∪ runs table; ids breaking the user-id rule skipped with a warning), in no
 * particular order. A namespace whose listing fails is logged and its entries keep their known users
 * (config, runs table), whose workers meet the same failure and record it; with no known user at
 * all the error is thrown once everything else was yielded.
 *
 * A `user` selection asks about that user alone ({@link userPairKeys}). A store that maps several
 * ids onto one (the env store's `userKey`) plans with {@link planPairs} itself: it holds its users
 * in memory anyway.
 */
export async function* streamPairKeys(
  config: LoadedConfig,
  deps: PlanDeps,
  selection: Selection = {},
): AsyncGenerator<PairKey> {
  if (deps.secrets.userKey) {
    for (const pair of await planPairs(config, deps, selection)) {
      yield { metric: pair.entry.metric, userId: pair.user.id };
    }
    return;
  }
  if (selection.user !== undefined) {
    yield* userPairKeys(config, deps, selection.user, selection.metric);
    return;
  }
  const log = deps.logger ?? createSilentLogger();
  const entries = selectEntries(config, selection.metric);
  const seen = entries.map(() => new Set<string>());
  /** Users each entry has from the config and the runs table (what a failed listing leaves it). */
  const known = entries.map(() => 0);
  const byMetric = new Map<string, number[]>();
  const byNamespace = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    byMetric.set(entry.metric, [...(byMetric.get(entry.metric) ?? []), index]);
    const { namespace, user } = entry.loaded.plugin.secrets;
    if (user.length > 0) byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), index]);
  });

  function* offer(index: number, userId: string, isKnown: boolean): Generator<PairKey> {
    const ids = seen[index] as Set<string>;
    if (isKnown) known[index] = (known[index] ?? 0) + 1;
    if (ids.has(userId)) return;
    ids.add(userId);
    yield { metric: (entries[index] as (typeof entries)[number]).metric, userId };
  }

  for (const user of config.users) for (let i = 0; i < entries.length; i++) yield* offer(i, user.id, true);

  const failed = new Map<string, unknown>();
  const sources: AsyncIterable<Found>[] = [runsPages(deps.storage)];
  for (const namespace of byNamespace.keys()) {
    sources.push(
      secretPages(deps.secrets, namespace, (error) => {
        log.error(`cannot list the users of namespace ${namespace}: ${formatError(error)}`, { namespace });
        failed.set(namespace, error);
      }),
    );
  }
  for await (const found of mergeAsync(sources)) {
    if (found.from === 'runs') {
      for (const key of found.keys) {
        const indexes = byMetric.get(key.metric_type);
        if (!indexes || !acceptId(key.user_id, `the runs table (metric ${key.metric_type})`, log)) continue;
        for (const index of indexes) yield* offer(index, key.user_id, true);
      }
    } else {
      const where = `the ${deps.secrets.name} secret store (namespace ${found.namespace})`;
      for (const user of found.users) {
        if (!acceptId(user, where, log)) continue;
        for (const index of byNamespace.get(found.namespace) ?? []) yield* offer(index, user, false);
      }
    }
  }
  for (const [namespace, error] of failed) {
    if ((byNamespace.get(namespace) ?? []).every((index) => known[index] === 0)) throw error;
  }
}

/**
 * The pairs of one selected user, asked of that user alone: its run row per entry (`getCursor`)
 * and whether it has a user secret in each namespace (`hasUser`: one SSM request, not a listing of
 * 100,000 users). The same rules as a whole plan: a namespace that cannot be asked still gives the
 * pair when the config or the runs table knows the user; a user nobody knows is a usage error.
 */
async function* userPairKeys(
  config: LoadedConfig,
  deps: PlanDeps,
  userId: string,
  metric: string | undefined,
): AsyncGenerator<PairKey> {
  const log = deps.logger ?? createSilentLogger();
  const entries = selectEntries(config, metric);
  const inConfig = config.users.some((u) => u.id === userId);
  const asked = new Map<string, Promise<{ has: boolean } | { error: unknown }>>();
  const hasSecrets = (namespace: string) => {
    let pending = asked.get(namespace);
    if (!pending) {
      const store = deps.secrets;
      pending = (
        store.hasUser ? store.hasUser(namespace, userId) : store.listUsers(namespace).then((u) => u.includes(userId))
      )
        .then((has) => ({ has }))
        .catch((error: unknown) => {
          log.error(`cannot list the users of namespace ${namespace}: ${formatError(error)}`, { namespace });
          return { error };
        });
      asked.set(namespace, pending);
    }
    return pending;
  };
  let yielded = 0;
  for (const entry of entries) {
    const known = inConfig || (await deps.storage.getCursor(userId, entry.metric)) !== undefined;
    const { namespace, user } = entry.loaded.plugin.secrets;
    let found = known;
    if (!found && user.length > 0) {
      const answer = await hasSecrets(namespace);
      if ('error' in answer) throw answer.error;
      found = answer.has;
    }
    if (!found) continue;
    yielded++;
    yield { metric: entry.metric, userId };
  }
  if (yielded === 0) throw noPairOfUser(userId, metric);
}

/** The runs table's keys, page by page (or whole, from an adapter without paging). */
async function* runsPages(storage: Storage): AsyncGenerator<Found> {
  if (storage.pageCursorKeys) {
    for await (const keys of storage.pageCursorKeys()) yield { from: 'runs', keys };
  } else {
    yield { from: 'runs', keys: await storage.listCursors() };
  }
}

/** A namespace's users, page by page; a failure of the store goes to `onError`, not the merge. */
async function* secretPages(
  store: SecretStore,
  namespace: string,
  onError: (error: unknown) => void,
): AsyncGenerator<Found> {
  try {
    if (store.pageUsers) {
      for await (const users of store.pageUsers(namespace)) yield { from: 'secrets', namespace, users };
    } else {
      yield { from: 'secrets', namespace, users: await store.listUsers(namespace) };
    }
  } catch (error) {
    onError(error);
  }
}
