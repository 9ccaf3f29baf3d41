/**
 * The fan-out planner (DESIGN.md "Lambda", "Fan-out"): with `LIFE_STATS_QUEUE_URL` set, the
 * scheduled function plans the selected pairs and enqueues one SQS message per pair instead of
 * fetching; worker functions (`worker.ts`) collect them.
 */
import type { SendMessageBatchRequestEntry, SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, createAwsClient } from '../aws/client.js';
import { classifyAwsError, describeAwsFailure, describeOtherAwsFailure } from '../aws/errors.js';
import { type SqsSdk, sqsSdk } from '../aws/sqs-sdk.js';
import type { LoadedConfig } from '../config/types.js';
import { QueueError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { streamPairKeys } from '../run/stream-pairs.js';
import type { RunSummary } from '../run/types.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import type { EventSelection } from './event.js';

const SOURCE = '[life-stats] [queue:sqs]';

/** This module, as the handler loads it on first use. */
export type PlannerModule = typeof import('./planner.js');
/** SQS's largest `SendMessageBatch`. */
const BATCH = 10;

/** What the planner returns: no pair ran here, `enqueued` messages wait for the workers. */
export interface EnqueueSummary extends RunSummary {
  runs: [];
  enqueued: number;
}

/** Options of {@link createQueue}. */
export interface QueueOptions extends AwsClientOptions<SQSClient, SQSClientConfig> {
  queueUrl: string;
  /** `SendMessageBatch` requests in flight at once. @default 16 */
  parallelRequests?: number;
  /** Rounds of sending the entries a batch reports `Failed` (with a growing pause) before giving up. @default 5 */
  attempts?: number;
}

/** The fan-out queue, as the planner sees it. */
export interface PairQueue {
  /**
   * Send one message per body, reading the bodies as it goes; resolves once SQS took every one,
   * else throws a {@link QueueError} (after sending all it could) whose `lost` counts the others.
   */
  send(bodies: Iterable<string> | AsyncIterable<string>): Promise<void>;
  close(): void;
}

/**
 * The queue on `@aws-sdk/client-sqs` (imported on first use): `SendMessageBatch` requests of 10,
 * `parallelRequests` at once. An entry a batch reports `Failed` is sent again (alone with the other
 * failed entries of its batch) after a pause, up to `attempts` rounds; a request that fails as a
 * whole is retried by the SDK's own retry strategy first. What still is not taken fails the planner
 * (the function's `Errors` alarm), so no message is silently lost.
 */
export function createQueue(options: QueueOptions): PairQueue {
  const aws = createAwsClient(sqsSdk, options, {
    source: SOURCE,
    toError: (message, errorOptions) => new QueueError(message, errorOptions),
  });
  const parallel = Math.max(1, options.parallelRequests ?? 16);
  const attempts = Math.max(1, options.attempts ?? 5);

  async function sendBatch(sdk: SqsSdk, client: SQSClient, entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      let failed: { Id?: string; Code?: string; SenderFault?: boolean; Message?: string }[];
      try {
        const output = await client.send(
          new sdk.SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: pending }),
        );
        failed = output.Failed ?? [];
      } catch (error) {
        throw lostError(pending.length, toQueueError(error, options.queueUrl));
      }
      if (failed.length === 0) return;
      const senderFault = failed.find((f) => f.SenderFault === true);
      if (senderFault || attempt >= attempts) {
        const first = senderFault ?? failed[0];
        throw lostError(
          failed.length,
          new QueueError(
            `${SOURCE} SQS did not take ${failed.length} message${failed.length === 1 ? '' : 's'} of a batch after ${attempt} attempt${attempt === 1 ? '' : 's'} (${first?.Code ?? 'unknown'}: ${first?.Message ?? ''})`,
            {
              hint: senderFault
                ? 'The request was refused as malformed: report it with this message.'
                : 'SQS is failing: the pairs not enqueued run at the next schedule; check the queue and retry the invocation.',
            },
          ),
        );
      }
      const ids = new Set(failed.map((f) => f.Id));
      pending = pending.filter((e) => ids.has(e.Id));
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
    }
  }

  return {
    async send(bodies) {
      const { sdk, client } = await aws.get();
      // Pulled ten at a time by `parallel` lanes: at most that many batches exist at once, however
      // many pairs there are.
      const source: AsyncIterator<string> =
        Symbol.asyncIterator in bodies
          ? bodies[Symbol.asyncIterator]()
          : (async function* () {
              yield* bodies;
            })();
      let count = 0;
      let failure: unknown;
      let lost = 0;
      /** The bodies could not be read to the end (the plan failed while listing users). */
      let sourceFailure: { error: unknown } | undefined;
      // One lane fills its batch at a time (full batches of 10, as few requests as possible), while
      // the others send theirs. When the plan fails half-way, what it yielded still goes out (those
      // pairs run), and no lane reads on.
      const fill = async (): Promise<SendMessageBatchRequestEntry[]> => {
        const entries: SendMessageBatchRequestEntry[] = [];
        while (entries.length < BATCH && !sourceFailure) {
          let item: IteratorResult<string>;
          try {
            item = await source.next();
          } catch (error) {
            sourceFailure ??= { error };
            break;
          }
          if (item.done) break;
          entries.push({ Id: `m${entries.length}`, MessageBody: item.value });
        }
        count += entries.length;
        return entries;
      };
      let filling: Promise<unknown> = Promise.resolve();
      const take = (): Promise<SendMessageBatchRequestEntry[]> => {
        const batch = filling.then(fill);
        filling = batch;
        return batch;
      };
      const lane = async (): Promise<void> => {
        for (let entries = await take(); entries.length > 0; entries = await take()) {
          try {
            await sendBatch(sdk, client, entries);
          } catch (error) {
            // Keep sending the rest: every pair SQS takes is collected; the invocation fails after.
            failure ??= error;
            lost += error instanceof QueueError && typeof error.lost === 'number' ? error.lost : entries.length;
          }
        }
      };
      await Promise.all(Array.from({ length: parallel }, lane));
      if (failure !== undefined) {
        const first = failure instanceof Error ? failure.message.replace(`${SOURCE} `, '') : String(failure);
        throw lostError(
          lost,
          new QueueError(`${SOURCE} ${lost} of ${count} messages were not enqueued; the first failure: ${first}`, {
            hint: (failure as QueueError).hint ?? 'Check the queue, then invoke the function again.',
            cause: failure,
          }),
        );
      }
      // What was taken from a plan that failed half-way is enqueued (those pairs run); the plan's
      // own error is what the invocation reports (after lost messages, which matter more).
      if (sourceFailure) throw sourceFailure.error;
    },
    close() {
      aws.destroy();
    },
  };
}

function lostError(lost: number, error: QueueError): QueueError {
  error.lost = lost;
  return error;
}

function toQueueError(error: unknown, queueUrl: string): QueueError {
  const failure = classifyAwsError(error);
  const described =
    failure.kind === 'access-denied'
      ? {
          text: 'access denied (sqs:SendMessage is missing)',
          hint: 'Allow sqs:SendMessage on the queue to the scheduled function.',
        }
      : (describeAwsFailure(
          failure,
          { name: 'SQS', endpointVariable: 'AWS_ENDPOINT_URL_SQS' },
          'Send fewer messages at once, or retry later.',
        ) ?? describeOtherAwsFailure(failure));
  return new QueueError(`${SOURCE} cannot send to ${queueUrl}: ${described.text}`, {
    hint: described.hint,
    cause: error,
  });
}

/** What {@link enqueuePairs} needs. */
export interface EnqueueOptions {
  config: LoadedConfig;
  storage: Storage;
  secrets: SecretStore;
  logger: Logger;
  selection: EventSelection;
  queue: PairQueue;
}

/**
 * Plan the selected pairs as a run would (DESIGN.md "Users") and enqueue each as the seed's event,
 * `{"metric": M, "user_id": U}`, as the plan streams ({@link streamPairKeys}): sends start with
 * the first page of users, and no list of every pair is built. Nothing is fetched. A pair whose namespace could not be listed
 * is enqueued too: its worker meets the same failure and records it in the run row.
 */
export async function enqueuePairs(options: EnqueueOptions): Promise<EnqueueSummary> {
  const keys = streamPairKeys(
    options.config,
    { storage: options.storage, secrets: options.secrets, logger: options.logger },
    { metric: options.selection.metric, user: options.selection.user },
  );
  let enqueued = 0;
  async function* bodies(): AsyncGenerator<string> {
    for await (const key of keys) {
      enqueued++;
      yield JSON.stringify({ metric: key.metric, user_id: key.userId });
    }
  }
  await options.queue.send(bodies());
  return { runs: [], enqueued };
}
