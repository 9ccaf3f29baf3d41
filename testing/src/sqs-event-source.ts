/**
 * Lambda's SQS event source, in process: `concurrency` pollers (the event source's maximum
 * concurrency) each receive up to `batchSize` messages with the real `@aws-sdk/client-sqs`, invoke
 * the worker with the SQS event shape
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event),
 * delete what it did not report in `batchItemFailures`
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html) and leave the rest
 * to come back — after `retryAfterSeconds` instead of the whole visibility timeout, so a test
 * does not wait minutes. A worker that throws fails its whole batch, as on Lambda.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';

interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

type Worker = (
  event: { Records: SqsEventRecord[] },
  context: { getRemainingTimeInMillis(): number },
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

export interface EventSourceOptions {
  clientConfig: SQSClientConfig;
  queueUrl: string;
  worker: Worker;
  /** Invocations at once. @default 2 */
  concurrency?: number;
  /** Messages per invocation (1–10). @default 10 */
  batchSize?: number;
  /** Each invocation's time limit (what `getRemainingTimeInMillis` counts down from). @default 60000 */
  timeoutMs?: number;
  /** When a reported failure comes back. @default 0 */
  retryAfterSeconds?: number;
  /** Stop after this many invocations in all (a deadline for a test that must not loop forever). */
  maxInvocations?: number;
}

export interface EventSourceReport {
  invocations: number;
  /** Records the workers reported in `batchItemFailures`, or that failed with a thrown batch. */
  redelivered: number;
  /** Messages deleted. */
  deleted: number;
  errors: unknown[];
}

/** Drive the worker until the queue is empty (nothing visible, nothing in flight). */
export async function drainQueue(options: EventSourceOptions): Promise<EventSourceReport> {
  const client = new SQSClient(options.clientConfig);
  const report: EventSourceReport = { invocations: 0, redelivered: 0, deleted: 0, errors: [] };
  const batchSize = options.batchSize ?? 10;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let busy = 0;

  async function empty(): Promise<boolean> {
    const { Attributes: a = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(a.ApproximateNumberOfMessages) === 0 && Number(a.ApproximateNumberOfMessagesNotVisible) === 0;
  }

  async function poller(): Promise<void> {
    for (;;) {
      if (options.maxInvocations !== undefined && report.invocations >= options.maxInvocations) return;
      const { Messages: messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: batchSize,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      if (messages.length === 0) {
        if (busy === 0 && (await empty())) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      busy++;
      report.invocations++;
      const records: SqsEventRecord[] = messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: { ...(m.Attributes ?? {}) },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:fake',
        awsRegion: 'us-east-1',
      }));
      const started = Date.now();
      let failed: Set<string>;
      try {
        const response = await options.worker(
          { Records: records },
          { getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)) },
        );
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch (error) {
        report.errors.push(error);
        failed = new Set(records.map((r) => r.messageId));
      }
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length > 0) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.map((r, i) => ({ Id: `d${i}`, ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      report.deleted += done.length;
      for (const r of records.filter((x) => failed.has(x.messageId))) {
        report.redelivered++;
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: options.queueUrl,
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: options.retryAfterSeconds ?? 0,
          }),
        );
      }
      busy--;
    }
  }

  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 2 }, () => poller()));
  } finally {
    client.destroy();
  }
  return report;
}
