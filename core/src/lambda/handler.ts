import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import {
  createStaticConfigLoader,
  type StaticConfig,
  type StaticConfigLoaderOptions,
} from '../config/static-config.js';
import type { LoadedConfig } from '../config/types.js';
import { ConfigError, formatError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createRedactor } from '../log/redact.js';
import { countByStatus, publishRunCompleted } from '../run/publish-events.js';
import { runPairs } from '../run/run-pairs.js';
import type { RunSummary } from '../run/types.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import { readZonesThroughProcess } from '../util/dates.js';
import { type LifeStatsEvent, parseEvent } from './event.js';
import { openFunctionSecrets, openFunctionStorage } from './function-stores.js';
import { adaptPowertoolsLogger, createPowertoolsLogger } from './logger.js';
import { createRunMetrics, publishRunMetrics, type RunMetrics } from './metrics.js';
import type { EnqueueSummary, PairQueue, PlannerModule } from './planner.js';
import { buildWorker, type WorkerHandler, type WorkerOptions } from './worker.js';

export {
  type ConnectHandler,
  type ConnectHandlerOptions,
  connect,
  createConnectHandler,
  createStaticConnectHandler,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  type StaticConnectHandlerOptions,
} from '../connect/connect-handler.js';
export type { LifeStatsEvent } from './event.js';
export type { EnqueueSummary } from './planner.js';
export type { SqsBatchResponse, SqsEvent, WorkerHandler } from './worker.js';

/** The parts of the Lambda context the handler uses (a real `Context` has them all). */
export interface LambdaContext {
  /** Milliseconds before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
  functionName?: string;
  [key: string]: unknown;
}

/**
 * `handler(event, context)`: the run summary of the pairs the event selects — or, with
 * `LIFE_STATS_QUEUE_URL` set (fan-out), `{ runs: [], enqueued: n }`.
 */
export type LambdaHandler = (
  event: LifeStatsEvent | Record<string, unknown> | null | undefined,
  context: LambdaContext,
) => Promise<RunSummary | EnqueueSummary>;

/** Options of {@link createHandler}. */
export interface LambdaHandlerOptions {
  /**
   * Loads the config, once per container. A bundled deployment can pass its own (e.g. with plugins
   * imported statically).
   * @default `loadConfig()`: `LIFE_STATS_CONFIG`, else a search from the working directory (the
   * function's folder), with the `LIFE_STATS_*` environment overrides applied
   */
  loadConfig?: () => Promise<LoadedConfig>;
  /**
   * No pair starts with less than this much time left; the rest are reported `deferred`.
   * @default 30000, or a fifth of the time left at the start of an invocation when that is less (a
   * short function timeout would otherwise defer everything)
   */
  deadlineMarginMs?: number;
}

/** Options of {@link createStaticHandler}: the static loader's and the handler's. */
export interface StaticHandlerOptions extends StaticConfigLoaderOptions, Omit<LambdaHandlerOptions, 'loadConfig'> {
  /**
   * The fan-out planner ({@link loadFanOutPlanner}), for a config with `fanOut`. Without it, a
   * function with `LIFE_STATS_QUEUE_URL` set fails with a `ConfigError`.
   */
  loadPlanner?: () => Promise<PlannerModule>;
}

interface Container {
  config: LoadedConfig;
  storage: Storage;
  secrets: SecretStore;
}

interface Tools {
  powertools: PowertoolsLogger;
  logger: Logger;
  metrics: RunMetrics;
}

/**
 * Make a Lambda handler (DESIGN.md "Lambda"). The config, the storage and the secret store are
 * created on the first invocation and reused by every later one in the same container (so are the
 * AWS SDK clients and their connections); a failed start is retried on the next invocation.
 *
 * Each invocation:
 * 1. reads the event — `{}`, `{ metric }`, `{ user_id }`, both, or a bare "Scheduled Event" envelope;
 * 2. runs the selected pairs with a deadline from `context.getRemainingTimeInMillis()`;
 * 3. logs JSON lines on stdout through Powertools (plugin, user and metric on every pair line, every
 *    secret read masked), emits the `LifeStats` EMF metrics, and publishes a `Run Completed` event
 *    when `events.busName` is configured;
 * 4. returns the run summary. Failed pairs do not fail the invocation (the `FailedPairs` metric and
 *    the summary report them); a bad event, a bad config, or a `metric`/`user_id` that selects
 *    nothing does: the handler logs the error and throws, because that is a misconfiguration a
 *    person must fix, and Lambda's `Errors` metric makes it visible.
 */
export function createHandler(options: LambdaHandlerOptions = {}): LambdaHandler {
  return buildHandler(options.loadConfig ?? loadConfigFile, { ...options, loadPlanner: loadFanOutPlanner });
}

/**
 * The fan-out planner, imported on first use. A bundle built for a config with `fanOut` passes it to
 * {@link createStaticHandler}; one without never references it, so neither the planner nor the
 * SQS client is in it.
 */
export function loadFanOutPlanner(): Promise<PlannerModule> {
  return import('./planner.js');
}

/**
 * The handler of a bundle (the Lambda the infra builds): the same as {@link createHandler}, on a
 * config settled at build time and plugins imported statically (see `createStaticConfigLoader`).
 * It never references the config file loader, so a bundle of it carries no config search and no
 * JSON Schema compiler.
 */
export function createStaticHandler(config: StaticConfig, options: StaticHandlerOptions): LambdaHandler {
  return buildHandler(createStaticConfigLoader(config, options), {
    ...options,
    ...(config.processZones ? { processZones: config.processZones } : {}),
  });
}

/**
 * Make a fan-out worker (`worker.ts`): the handler of the queue's SQS event source, on a config
 * loaded once per container as {@link createHandler} loads it.
 */
export function createWorker(options: WorkerOptions & Pick<LambdaHandlerOptions, 'loadConfig'> = {}): WorkerHandler {
  return buildWorker(options.loadConfig ?? loadConfigFile, options);
}

/** The fan-out worker of a bundle (handler `index.worker`), on the same static config. See `worker.ts`. */
export function createStaticWorker(config: StaticConfig, options: StaticHandlerOptions): WorkerHandler {
  return buildWorker(createStaticConfigLoader(config, options), options);
}

/** The config file, found as the CLI finds it; imported on first use. */
async function loadConfigFile(): Promise<LoadedConfig> {
  return (await import('../config/load-config.js')).loadConfig();
}

function buildHandler(
  load: () => Promise<LoadedConfig>,
  options: Pick<StaticHandlerOptions, 'deadlineMarginMs' | 'loadPlanner'> & { processZones?: readonly string[] },
): LambdaHandler {
  let container: Promise<Container> | undefined;
  let tools: Tools | undefined;
  let queue: PairQueue | undefined;

  const start = (): Promise<Container> => {
    container ??= (async () => {
      const config = await load();
      // A fan-out planner only lists users: its secret store keeps none of the tokens it lists.
      const listOnly = Boolean(process.env.LIFE_STATS_QUEUE_URL);
      const [storage, secrets] = await Promise.all([
        openFunctionStorage(config.storage),
        openFunctionSecrets(config.secrets, { listOnly }),
      ]);
      return { config, storage, secrets };
    })().catch((error: unknown) => {
      container = undefined;
      throw error;
    });
    return container;
  };

  return async function handler(event, context) {
    if (!tools) {
      // A Lambda container runs one invocation at a time on one thread (see dates.ts).
      readZonesThroughProcess(undefined, options.processZones);
      const powertools = createPowertoolsLogger();
      tools = { powertools, logger: adaptPowertoolsLogger(powertools), metrics: createRunMetrics() };
    }
    const { powertools, logger, metrics } = tools;
    powertools.addContext(context as unknown as Parameters<PowertoolsLogger['addContext']>[0]);
    powertools.logEventIfEnabled(event);
    const redactor = createRedactor();
    const margin = options.deadlineMarginMs ?? Math.min(30_000, Math.floor(context.getRemainingTimeInMillis() / 5));

    let summary: RunSummary;
    let config: LoadedConfig;
    try {
      const selection = parseEvent(event);
      const stores = await start();
      config = stores.config;
      const queueUrl = process.env.LIFE_STATS_QUEUE_URL;
      if (queueUrl) {
        // Fan-out: plan and enqueue; the workers fetch. The SQS client is imported only here.
        if (!options.loadPlanner) {
          throw new ConfigError(
            [
              {
                path: 'fanOut',
                message: 'LIFE_STATS_QUEUE_URL is set, but this bundle was built from a config without "fanOut"',
              },
            ],
            undefined,
            { hint: 'Add "fanOut": {} to the config and deploy again, or unset LIFE_STATS_QUEUE_URL.' },
          );
        }
        const planner = await options.loadPlanner();
        queue ??= planner.createQueue({ queueUrl });
        const enqueued = await planner.enqueuePairs({ ...stores, logger, selection, queue });
        logger.info(`enqueued ${enqueued.enqueued} pair${enqueued.enqueued === 1 ? '' : 's'}`, { queueUrl });
        return enqueued;
      }
      logger.info('run started', { selection: { metric: selection.metric, user: selection.user } });
      summary = await runPairs({
        config,
        storage: stores.storage,
        secrets: stores.secrets,
        logger,
        redactor,
        metric: selection.metric,
        user: selection.user,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        deadlineMarginMs: margin,
      });
    } catch (error) {
      logger.error(`run failed before any pair ran: ${redactor.redact(formatError(error))}`, {
        code: (error as { code?: unknown })?.code,
      });
      throw error;
    }

    const counts = countByStatus(summary);
    logger.info(`run finished: ${summary.runs.length} pair${summary.runs.length === 1 ? '' : 's'}`, { counts });
    try {
      publishRunMetrics(metrics, summary);
    } catch (error) {
      logger.error(`could not emit the run metrics: ${formatError(error)}`);
    }
    if (config.events?.busName) {
      await publishRunCompleted({ busName: config.events.busName, summary, logger });
    }
    return summary;
  };
}

/**
 * The Lambda entry point of `@life-stats/core/lambda`: `handler(event, context)` → run summary.
 * See {@link createHandler}.
 */
// Pure: a bundle that uses only createStaticHandler drops it, and the file loader with it.
export const handler: LambdaHandler = /* @__PURE__ */ createHandler();

/**
 * The fan-out worker of `@life-stats/core/lambda`: `worker(sqsEvent, context)` →
 * `{ batchItemFailures }`, on the config file found as the handler finds it. See `worker.ts`.
 */
export const worker: WorkerHandler = /* @__PURE__ */ createWorker();
