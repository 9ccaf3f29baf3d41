/**
 * The fan-out queue adapter (`lambda/planner.ts` `createQueue`) and the SQS fake it is tested
 * against, both checked with the real `@aws-sdk/client-sqs`: the fake's wire protocol (the SDK
 * verifies every MD5 it answers), its batch rules and its redrive policy; the adapter's batches of
 * 10, its retries of `Failed` entries, and its error when SQS cannot be reached.
 */
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type SqsFake, startSqsFake } from '@life-stats/testing/sqs-fake';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQueue } from '../../src/lambda/planner.js';

let sqs: SqsFake;
let client: SQSClient;
let n = 0;

beforeAll(async () => {
  sqs = await startSqsFake();
  client = new SQSClient(sqs.clientConfig);
});

afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

afterEach(() => sqs.failBatchEntries());

describe('the SQS fake, through the real client', () => {
  it('answers SendMessage and ReceiveMessage with the MD5s the SDK checks, and counts receives', async () => {
    const queue = sqs.createQueue(`q${++n}`);
    const sent = await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"metric":"steps"}' }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(received.Messages).toHaveLength(1);
    expect(received.Messages?.[0]).toMatchObject({
      Body: '{"metric":"steps"}',
      Attributes: { ApproximateReceiveCount: '1' },
    });
    // Invisible until its visibility timeout passes.
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages ?? []).toEqual([]);
  });

  it('refuses a batch of 11 entries or with a repeated Id, as SQS does', async () => {
    const queue = sqs.createQueue(`q${++n}`);
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await expect(client.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }))).rejects.toThrow(
      /Maximum number of entries per request are 10/,
    );
    await expect(
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: [
            { Id: 'a', MessageBody: 'x' },
            { Id: 'a', MessageBody: 'y' },
          ],
        }),
      ),
    ).rejects.toThrow(/Id a repeated/);
  });

  it('moves a message received maxReceiveCount times without a delete to its dead-letter queue', async () => {
    const dlq = sqs.createQueue(`dlq${++n}`);
    const queue = sqs.createQueue(`q${n}`, { deadLetter: dlq, maxReceiveCount: 2 });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
      expect(got.Messages?.map((m) => m.Body)).toEqual(['poison']);
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: got.Messages?.[0]?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages ?? []).toEqual([]);
    expect(queue.messages).toHaveLength(0);
    expect(dlq.messages.map((m) => m.body)).toEqual(['poison']);
  });
});

describe('createQueue (the planner’s sends)', () => {
  it('sends every body once in batches of 10, retrying the entries a batch reports Failed', async () => {
    const queue = sqs.createQueue(`q${++n}`);
    const bodies = Array.from({ length: 25 }, (_, i) => `body-${i}`);
    let failedOnce = 0;
    sqs.failBatchEntries((entry) => {
      if (entry.body.endsWith('7') && failedOnce < 3) {
        failedOnce++;
        return true;
      }
      return false;
    });
    const before = sqs.counts.get('SendMessageBatch') ?? 0;
    const adapter = createQueue({ queueUrl: queue.url, clientConfig: sqs.clientConfig });
    await adapter.send(bodies);
    adapter.close();
    expect(sqs.sent(queue).sort()).toEqual([...bodies].sort());
    expect(failedOnce).toBe(3);
    // Three batches, plus one retry request per batch that had a failed entry.
    expect((sqs.counts.get('SendMessageBatch') ?? 0) - before).toBe(6);
  });

  it('fails with E_QUEUE naming the queue when SQS cannot be reached, counting every message lost', async () => {
    const adapter = createQueue({
      queueUrl: 'http://127.0.0.1:9/123456789012/nowhere',
      clientConfig: { ...sqs.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 },
    });
    await expect(adapter.send(Array.from({ length: 12 }, (_, i) => `b${i}`))).rejects.toMatchObject({
      code: 'E_QUEUE',
      lost: 12,
      message: expect.stringMatching(
        /12 of 12 messages were not enqueued.*cannot send to http:\/\/127\.0\.0\.1:9\/.*nowhere: cannot reach SQS/,
      ),
    });
    adapter.close();
  });
});
