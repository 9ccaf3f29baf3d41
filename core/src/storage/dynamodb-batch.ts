import type { BatchWriteItemCommandOutput, WriteRequest } from '@aws-sdk/client-dynamodb';
import { StorageError } from '../errors.js';
import type { Item } from './dynamodb-items.js';
import { SOURCE } from './dynamodb-items.js';

/** DynamoDB's limit of items in one `BatchWriteItem` request. */
const MAX_BATCH_ITEMS = 25;

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

export interface BatchWriterOptions extends BatchRetryOptions {
  table: string;
  /** Sends one BatchWriteItem request (`RequestItems`) and returns DynamoDB's answer. */
  send: (requestItems: Record<string, WriteRequest[]>) => Promise<BatchWriteItemCommandOutput>;
  /** A stable identity of an item's key: two items with the same key are one write. */
  keyOf: (item: Item) => string;
  /**
   * How long items of a batch that is not full may wait for items of other calls before being sent
   * anyway, in milliseconds. `0` sends at once. @default 0
   */
  lingerMs?: number;
}

/** Writes items of many concurrent calls in shared `BatchWriteItem` requests. */
export interface BatchWriter {
  /**
   * Write `items`; resolves once every one of them is stored. On an error it rejects only once all
   * of this call's items that were sent have settled, and its items not sent yet are dropped, so
   * nothing of a failed call is still in flight.
   */
  write(items: readonly Item[]): Promise<void>;
}

interface Call {
  total: number;
  stored: number;
  inFlight: number;
  failure?: { reason: unknown };
  settled: boolean;
  resolve(): void;
  reject(reason: unknown): void;
}

interface Queued {
  key: string;
  item: Item;
  call: Call;
  queuedAt: number;
}

/**
 * A group-commit writer: items of concurrent calls (one per pair of a run) share `BatchWriteItem`
 * requests of up to 25 items, so a run of many small pairs costs ⌈items / 25⌉ requests rather
 * than one per pair. A full batch goes at once; a partial one waits up to `lingerMs` for company.
 *
 * DynamoDB rejects a batch holding the same key twice, so a call's items are de-duplicated first
 * (the last one wins, as if written in order), and an item whose key is already in the batch being
 * built, or in one in flight, waits for a later batch (so two writes of one key land in order).
 * Items returned as `UnprocessedItems` (throttling, a hot partition) are sent again after an
 * exponential, fully jittered backoff, until all are written or `maxAttempts` requests were made
 * for a batch; then every call with items in that batch fails with a {@link StorageError} naming
 * the table. Some of a failed call's items may already be stored, which is harmless: writes are
 * idempotent upserts and a run's cursor does not move.
 */
export function createBatchWriter(options: BatchWriterOptions): BatchWriter {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const lingerMs = Math.max(0, options.lingerMs ?? 0);
  let queue: Queued[] = [];
  const keysInFlight = new Set<string>();
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function settle(call: Call): void {
    if (call.settled) return;
    if (call.failure) {
      if (call.inFlight > 0) return;
      call.settled = true;
      call.reject(call.failure.reason);
    } else if (call.stored === call.total) {
      call.settled = true;
      call.resolve();
    }
  }

  function fail(call: Call, reason: unknown): void {
    call.failure ??= { reason };
    // Items of a failed call that were not sent yet never will be: the call fails anyway.
    queue = queue.filter((q) => q.call !== call);
    settle(call);
  }

  /** Up to 25 queued items with distinct keys none of which is in flight, in queue order. */
  function nextBatch(): Set<Queued> {
    const batch = new Set<Queued>();
    const keys = new Set<string>();
    for (const q of queue) {
      if (batch.size === MAX_BATCH_ITEMS) break;
      if (keys.has(q.key) || keysInFlight.has(q.key)) continue;
      batch.add(q);
      keys.add(q.key);
    }
    return batch;
  }

  function pump(): void {
    while (inFlight < concurrency && queue.length > 0) {
      const batch = nextBatch();
      if (batch.size === 0) return; // every queued key is in flight: the batch settling pumps again
      const oldest = queue[0]?.queuedAt ?? 0;
      const waitMs = oldest + lingerMs - Date.now();
      if (batch.size < MAX_BATCH_ITEMS && waitMs > 0) {
        if (timer === undefined) {
          timer = setTimeout(() => {
            timer = undefined;
            pump();
          }, waitMs);
        }
        return;
      }
      queue = queue.filter((q) => !batch.has(q));
      send([...batch]);
    }
  }

  function send(batch: Queued[]): void {
    inFlight++;
    for (const q of batch) {
      keysInFlight.add(q.key);
      q.call.inFlight++;
    }
    writeBatch(
      batch.map((q) => q.item),
      options,
    ).then(
      () => done(batch),
      (reason: unknown) => done(batch, { reason }),
    );
  }

  function done(batch: Queued[], failure?: { reason: unknown }): void {
    inFlight--;
    for (const q of batch) {
      keysInFlight.delete(q.key);
      q.call.inFlight--;
      if (!failure) q.call.stored++;
    }
    for (const call of new Set(batch.map((q) => q.call))) {
      if (failure) fail(call, failure.reason);
      else settle(call);
    }
    pump();
  }

  return {
    write(items) {
      const unique = new Map<string, Item>();
      for (const item of items) {
        const key = options.keyOf(item);
        // Delete first so a later duplicate also takes the later position (order of the last write).
        unique.delete(key);
        unique.set(key, item);
      }
      if (unique.size === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const call: Call = { total: unique.size, stored: 0, inFlight: 0, settled: false, resolve, reject };
        const queuedAt = Date.now();
        for (const [key, item] of unique) queue.push({ key, item, call, queuedAt });
        pump();
      });
    },
  };
}

async function writeBatch(batch: Item[], options: BatchWriterOptions): Promise<void> {
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
