import type { BatchWriteItemCommandOutput, WriteRequest } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { StorageError } from '../errors.js';
import type { Item } from './dynamodb-items.js';
import { SOURCE } from './dynamodb-items.js';

/** DynamoDB's limit of items in one `BatchWriteItem` request. */
export const MAX_BATCH_ITEMS = 25;

/** How unprocessed items are retried. */
export interface BatchRetryOptions {
  /**
   * Requests per batch, the first included, before giving up on items DynamoDB keeps returning as
   * unprocessed.
   * @default 8
   */
  maxAttempts?: number;
  /** First backoff in milliseconds; it doubles per attempt, with full jitter. @default 50 */
  baseDelayMs?: number;
  /** Longest backoff in milliseconds. @default 5000 */
  maxDelayMs?: number;
  /** Batches in flight at once. @default 4 */
  concurrency?: number;
}

export interface WriteItemsOptions extends BatchRetryOptions {
  table: string;
  /** Sends one BatchWriteItem request (`RequestItems`) and returns DynamoDB's answer. */
  send: (requestItems: Record<string, WriteRequest[]>) => Promise<BatchWriteItemCommandOutput>;
  /** A stable identity of an item's key: two items with the same key are one write. */
  keyOf: (item: Item) => string;
}

/**
 * Put `items` into `table` with as few `BatchWriteItem` requests as possible: ⌈unique items / 25⌉
 * when DynamoDB processes everything.
 *
 * DynamoDB rejects a batch holding the same key twice, so items are de-duplicated first (the last
 * one wins, as if they had been written in order). Items returned as `UnprocessedItems` (throttling,
 * a hot partition) are sent again after an exponential, fully jittered backoff, until all are written
 * or `maxAttempts` requests were made for a batch — then a {@link StorageError} names the table and
 * how many items were not written. Batches are independent: on an error some may already be stored,
 * which is harmless because writes are idempotent upserts and the run's cursor does not move. The
 * error is thrown only once every batch has settled, so nothing of this call is still in flight.
 */
export async function writeItems(items: readonly Item[], options: WriteItemsOptions): Promise<void> {
  const unique = new Map<string, Item>();
  for (const item of items) {
    const key = options.keyOf(item);
    // Delete first so a later duplicate also takes the later position (order of the last write).
    unique.delete(key);
    unique.set(key, item);
  }
  const all = [...unique.values()];
  const batches: Item[][] = [];
  for (let i = 0; i < all.length; i += MAX_BATCH_ITEMS) batches.push(all.slice(i, i + MAX_BATCH_ITEMS));
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  // A failed batch must not fail the call while the others are still being sent or retried in the
  // background, where a late retry could overwrite what a later run wrote (a frozen Lambda container
  // resumes its timers in the next invocation): wait for every batch, then throw the first error.
  // Once a batch failed, batches not started yet are not sent: the call fails anyway.
  let failure: { reason: unknown } | undefined;
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        if (failure) return;
        try {
          await writeBatch(batch, options);
        } catch (reason) {
          failure ??= { reason };
        }
      }),
    ),
  );
  if (failure) throw failure.reason;
}

async function writeBatch(batch: Item[], options: WriteItemsOptions): Promise<void> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 5000;
  let pending: WriteRequest[] = batch.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 1; ; attempt++) {
    const output = await options.send({ [options.table]: pending });
    pending = output.UnprocessedItems?.[options.table] ?? [];
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      throw new StorageError(
        `${SOURCE} cannot write metrics (table ${options.table}): DynamoDB left ${pending.length} of ${batch.length} ` +
          `items of a batch unprocessed after ${attempt} attempts`,
        {
          hint:
            'The table is throttling writes: run again later (the run row was not advanced, so the next run ' +
            'rewrites these days), or give the table more write capacity / on-demand mode.',
        },
      );
    }
    await sleep(Math.random() * Math.min(max, base * 2 ** (attempt - 1)));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
