/**
 * The fan-out worker (DESIGN.md "Lambda", "Fan-out"): the handler of the SQS event source. Each
 * record is one pair, `{"metric": M, "user_id": U}`; the batch runs on the same engine as a run
 * (`runPlannedPairs`: group commit, retries, the deadline), with this invocation's share of every
 * rate limit.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import pLimit from 'p-limit';
import type { EnabledEntry, LoadedConfig } from '../config/types.js';
import { formatError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createRedactor } from '../log/redact.js';
import type { RetryOptions } from '../run/call-plugin.js';
import { openSecrets, openStorage } from '../run/open-stores.js';
import type { Pair } from '../run/plan-pairs.js';
import { publishRunCompleted } from '../run/publish-events.js';
import { createRateBudgets, type RateBudgets } from '../run/rate-budget.js';
import { runPlannedPairs } from '../run/run-pairs.js';
import type { RunSummary } from '../run/types.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import { parseEvent } from './event.js';
import { adaptPowertoolsLogger, createPowertoolsLogger } from './logger.js';
import { createRunMetrics, publishRunMetrics, type RunMetrics } from './metrics.js';

/** The parts of an SQS event record the worker reads. */
interface SqsRecord {
  messageId: string;
  body: string;
}

/** The event of an SQS event source. */
export interface SqsEvent {
  Records: SqsRecord[];
}

/** The partial batch response (`ReportBatchItemFailures`): the records SQS delivers again. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** The parts of the Lambda context the worker uses. */
interface WorkerContext {
  getRemainingTimeInMillis(): number;
}

export type WorkerHandler = (event: SqsEvent, context: WorkerContext) => Promise<SqsBatchResponse>;

/** Options of {@link buildWorker}. */
export interface WorkerOptions {
  /** No pair starts with less than this left. @default as the handler's */
  deadlineMarginMs?: number;
  /** A fetch's retries within one delivery. @default the engine's */
  retry?: RetryOptions;
}

interface Container {
  config: LoadedConfig;
  storage: Storage;
  secrets: SecretStore;
  /**
   * This container's rate budgets, kept across its invocations: the event source runs at most
   * `fanOut.maxConcurrency` invocations at once, each with that share of every entry's limit.
   */
  budgets: RateBudgets;
}

interface Tools {
  powertools: PowertoolsLogger;
  logger: Logger;
  metrics: RunMetrics;
}

/** A record's pair, or why it is consumed without running. */
type Parsed = { ok: true; entry: EnabledEntry; user: string } | { ok: false; reason: string };

/**
 * Make the worker. For each invocation:
 * 1. every record's body is read as the seed's event; one that names no enabled entry's metric and
 *    one user (a hand-sent message, an entry removed since) is logged and consumed — delivering it
 *    again would give the same answer;
 * 2. records of the same pair (SQS delivers at least once) run once; each pair's cursor is read
 *    (`getCursor`), and the pairs run at once (`batchSize` fetches in flight), under the deadline;
 * 3. the result: `batchItemFailures` lists the records deferred by the deadline, failed in a
 *    retryable way, or whose cursor could not be read. A pair that failed for good (plugin error,
 *    `reconnect`, `skipped`) is recorded in its run row, as a run records it, and consumed.
 *    Redelivery duplicates nothing: the upserts overwrite, and the cursor never moves backwards.
 */
export function buildWorker(load: () => Promise<LoadedConfig>, options: WorkerOptions = {}): WorkerHandler {
  let container: Promise<Container> | undefined;
  let tools: Tools | undefined;

  const start = (): Promise<Container> => {
    container ??= (async () => {
      const config = await load();
      const [storage, secrets] = await Promise.all([openStorage(config.storage), openSecrets(config.secrets)]);
      return { config, storage, secrets, budgets: createRateBudgets({}, config.fanOut?.maxConcurrency ?? 1) };
    })().catch((error: unknown) => {
      container = undefined;
      throw error;
    });
    return container;
  };

  return async function worker(event, context) {
    if (!tools) {
      const powertools = createPowertoolsLogger();
      tools = { powertools, logger: adaptPowertoolsLogger(powertools), metrics: createRunMetrics() };
    }
    const { powertools, logger, metrics } = tools;
    powertools.addContext(context as unknown as Parameters<PowertoolsLogger['addContext']>[0]);
    const redactor = createRedactor();
    const margin = options.deadlineMarginMs ?? Math.min(30_000, Math.floor(context.getRemainingTimeInMillis() / 5));
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const { config, storage, secrets, budgets } = await start();

    const retry = new Set<string>();
    const byPair = new Map<string, { entry: EnabledEntry; user: string; ids: string[] }>();
    for (const record of records) {
      const parsed = parseRecord(config, record);
      if (!parsed.ok) {
        logger.error(`consumed a message that is not a pair: ${parsed.reason}`, { messageId: record.messageId });
        continue;
      }
      const key = `${parsed.entry.metric}\u0000${parsed.user}`;
      const group = byPair.get(key) ?? { entry: parsed.entry, user: parsed.user, ids: [] };
      group.ids.push(record.messageId);
      byPair.set(key, group);
    }

    const groups = [...byPair.values()];
    const configured = new Map(config.users.map((u) => [u.id, u]));
    const reads = pLimit(16);
    const planned = await Promise.all(
      groups.map((group) =>
        reads(async (): Promise<Pair | undefined> => {
          try {
            const cursor = await storage.getCursor(group.user, group.entry.metric);
            return {
              entry: group.entry,
              user: configured.get(group.user) ?? { id: group.user, timezone: config.timezone },
              ...(cursor ? { cursor } : {}),
            };
          } catch (error) {
            logger.error(`cannot read the run row, delivering again: ${redactor.redact(formatError(error))}`, {
              user: group.user,
              metric: group.entry.metric,
            });
            for (const id of group.ids) retry.add(id);
            return undefined;
          }
        }),
      ),
    );
    const pairs: Pair[] = [];
    const idsOf: string[][] = [];
    planned.forEach((pair, i) => {
      if (pair) {
        pairs.push(pair);
        idsOf.push(groups[i]?.ids ?? []);
      }
    });

    const outcomes = await runPlannedPairs(pairs, {
      config,
      storage,
      secrets,
      logger,
      redactor,
      budgets,
      concurrency: Math.max(1, pairs.length),
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      deadlineMarginMs: margin,
      ...(options.retry ? { retry: options.retry } : {}),
    });
    outcomes.forEach((outcome, i) => {
      if (outcome.retryable) for (const id of idsOf[i] ?? []) retry.add(id);
    });

    const summary: RunSummary = { runs: outcomes.map((o) => o.result) };
    logger.info(`batch finished: ${records.length} record${records.length === 1 ? '' : 's'}, ${retry.size} to retry`);
    try {
      publishRunMetrics(metrics, summary);
    } catch (error) {
      logger.error(`could not emit the run metrics: ${formatError(error)}`);
    }
    if (config.events?.busName && summary.runs.length > 0) {
      await publishRunCompleted({ busName: config.events.busName, summary, logger });
    }
    return { batchItemFailures: [...retry].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

function parseRecord(config: LoadedConfig, record: SqsRecord): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return { ok: false, reason: 'its body is not JSON' };
  }
  let selection: ReturnType<typeof parseEvent>;
  try {
    selection = parseEvent(body);
  } catch (error) {
    return { ok: false, reason: formatError(error) };
  }
  if (selection.metric === undefined || selection.user === undefined) {
    return { ok: false, reason: 'its body must name one "metric" and one "user_id"' };
  }
  const entry = config.plugins.find(
    (e): e is EnabledEntry => e.enabled && e.loaded !== undefined && e.metric === selection.metric,
  );
  if (!entry) return { ok: false, reason: `no enabled plugin entry writes metric "${selection.metric}"` };
  return { ok: true, entry, user: selection.user };
}
