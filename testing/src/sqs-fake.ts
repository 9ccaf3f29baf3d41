/**
 * A local HTTP server speaking SQS's AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`,
 * `application/x-amz-json-1.0`), which `@aws-sdk/client-sqs` uses since 3.4xx:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html
 * Operations (shapes from the API reference,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html):
 * `CreateQueue`, `GetQueueUrl`, `GetQueueAttributes`, `SendMessage`, `SendMessageBatch`,
 * `ReceiveMessage`, `DeleteMessage`, `DeleteMessageBatch`, `ChangeMessageVisibility`. With AWS's
 * rules: at most 10 entries a batch with distinct `Id`s, `MD5OfMessageBody` (the SDK checks it),
 * visibility timeouts, `ApproximateReceiveCount`, and a redrive policy that moves a message received
 * `maxReceiveCount` times to its dead-letter queue.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** One message in a fake queue. */
export interface FakeMessage {
  id: string;
  body: string;
  /** Times it was received. */
  receiveCount: number;
  /** `Date.now()` before which it is invisible. */
  visibleAt: number;
  /** The receipt handle of its latest receive. */
  receipt?: string;
}

/** One queue of the fake. */
export interface FakeQueue {
  name: string;
  url: string;
  arn: string;
  /** Messages not deleted, in arrival order. */
  messages: FakeMessage[];
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** Decides per `SendMessageBatch` entry whether the fake reports it `Failed` (`request` counts from 1). */
export type BatchFault = (entry: { id: string; body: string }, request: number) => boolean;

export interface SqsFake {
  endpoint: string;
  /** Client options for `endpoint`: region us-east-1 and dummy credentials. */
  clientConfig: SQSClientConfig;
  /** Create a queue directly (as `CreateQueue` does); returns it. */
  createQueue(
    name: string,
    options?: { visibilityTimeoutSeconds?: number; deadLetter?: FakeQueue; maxReceiveCount?: number },
  ): FakeQueue;
  queues: Map<string, FakeQueue>;
  /** Operations answered, by name. */
  counts: Map<string, number>;
  /** Report the `SendMessageBatch` entries `fault` picks as `Failed` (`InternalError`, not the sender's fault); no argument: stop. */
  failBatchEntries(fault?: BatchFault): void;
  /** Every body ever taken by a queue, in order (also those deleted since). */
  sent(queue: FakeQueue): string[];
  stop(): Promise<void>;
}

class FakeError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export async function startSqsFake(): Promise<SqsFake> {
  const queues = new Map<string, FakeQueue>();
  const byUrl = new Map<string, FakeQueue>();
  const byArn = new Map<string, FakeQueue>();
  const history = new Map<FakeQueue, string[]>();
  const counts = new Map<string, number>();
  let fault: BatchFault | undefined;
  let batchRequests = 0;
  let endpoint = '';

  function createQueue(
    name: string,
    options: { visibilityTimeoutSeconds?: number; deadLetter?: FakeQueue; maxReceiveCount?: number } = {},
  ): FakeQueue {
    const existing = queues.get(name);
    if (existing) return existing;
    const queue: FakeQueue = {
      name,
      url: `${endpoint}/${ACCOUNT}/${name}`,
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
      messages: [],
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      ...(options.deadLetter
        ? { redrive: { deadLetterTargetArn: options.deadLetter.arn, maxReceiveCount: options.maxReceiveCount ?? 3 } }
        : {}),
    };
    queues.set(name, queue);
    byUrl.set(queue.url, queue);
    byArn.set(queue.arn, queue);
    history.set(queue, []);
    return queue;
  }

  function queueOf(input: Record<string, unknown>): FakeQueue {
    const url = String(input.QueueUrl ?? '');
    const queue = byUrl.get(url) ?? queues.get(url.split('/').pop() ?? '');
    if (!queue) throw new FakeError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    return queue;
  }

  function enqueue(queue: FakeQueue, body: string): FakeMessage {
    if (body.length === 0)
      throw new FakeError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > 262_144)
      throw new FakeError('InvalidParameterValue', 'Message must be shorter than 262144 bytes.');
    const message: FakeMessage = { id: randomUUID(), body, receiveCount: 0, visibleAt: 0 };
    queue.messages.push(message);
    history.get(queue)?.push(body);
    return message;
  }

  function checkEntries(entries: unknown): Record<string, unknown>[] {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new FakeError(
        'AWS.SimpleQueueService.EmptyBatchRequest',
        'There should be at least one entry in the request.',
      );
    }
    if (entries.length > 10) {
      throw new FakeError(
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        'Maximum number of entries per request are 10.',
      );
    }
    const ids = new Set<string>();
    for (const e of entries as Record<string, unknown>[]) {
      const id = String(e.Id ?? '');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
        throw new FakeError(
          'AWS.SimpleQueueService.InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores.',
        );
      }
      if (ids.has(id)) throw new FakeError('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      ids.add(id);
    }
    return entries as Record<string, unknown>[];
  }

  function findByReceipt(queue: FakeQueue, receipt: string): number {
    return queue.messages.findIndex((m) => m.receipt === receipt);
  }

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateQueue(input) {
      const attributes = (input.Attributes as Record<string, string> | undefined) ?? {};
      const redrive = attributes.RedrivePolicy
        ? (JSON.parse(attributes.RedrivePolicy) as Record<string, unknown>)
        : undefined;
      const deadLetter = redrive ? byArn.get(String(redrive.deadLetterTargetArn)) : undefined;
      const queue = createQueue(String(input.QueueName), {
        ...(attributes.VisibilityTimeout ? { visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout) } : {}),
        ...(deadLetter ? { deadLetter, maxReceiveCount: Number(redrive?.maxReceiveCount ?? 3) } : {}),
      });
      return { QueueUrl: queue.url };
    },
    GetQueueUrl(input) {
      const queue = queues.get(String(input.QueueName));
      if (!queue) throw new FakeError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
      return { QueueUrl: queue.url };
    },
    GetQueueAttributes(input) {
      const queue = queueOf(input);
      const now = Date.now();
      const visible = queue.messages.filter((m) => m.visibleAt <= now).length;
      return {
        Attributes: {
          QueueArn: queue.arn,
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(queue.messages.length - visible),
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        },
      };
    },
    SendMessage(input) {
      const message = enqueue(queueOf(input), String(input.MessageBody ?? ''));
      return { MessageId: message.id, MD5OfMessageBody: md5(message.body) };
    },
    SendMessageBatch(input) {
      const queue = queueOf(input);
      const entries = checkEntries(input.Entries);
      const request = ++batchRequests;
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      for (const e of entries) {
        const id = String(e.Id);
        const body = String(e.MessageBody ?? '');
        if (fault?.({ id, body }, request)) {
          failed.push({
            Id: id,
            SenderFault: false,
            Code: 'InternalError',
            Message: 'We encountered an internal error. Please try again.',
          });
          continue;
        }
        const message = enqueue(queue, body);
        successful.push({ Id: id, MessageId: message.id, MD5OfMessageBody: md5(body) });
      }
      return { Successful: successful, Failed: failed };
    },
    ReceiveMessage(input) {
      const queue = queueOf(input);
      const max = input.MaxNumberOfMessages === undefined ? 1 : Number(input.MaxNumberOfMessages);
      if (!Number.isInteger(max) || max < 1 || max > 10) {
        throw new FakeError(
          'InvalidParameterValue',
          'Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
        );
      }
      const visibility =
        input.VisibilityTimeout === undefined ? queue.visibilityTimeoutSeconds : Number(input.VisibilityTimeout);
      const now = Date.now();
      const out: unknown[] = [];
      for (let i = 0; i < queue.messages.length && out.length < max; i++) {
        const m = queue.messages[i] as FakeMessage;
        if (m.visibleAt > now) continue;
        if (queue.redrive && m.receiveCount >= queue.redrive.maxReceiveCount) {
          // Received maxReceiveCount times and still not deleted: to the dead-letter queue.
          queue.messages.splice(i--, 1);
          const dlq = byArn.get(queue.redrive.deadLetterTargetArn);
          if (dlq) {
            dlq.messages.push({ ...m, receiveCount: 0, visibleAt: 0 });
            history.get(dlq)?.push(m.body);
          }
          continue;
        }
        m.receiveCount++;
        m.visibleAt = now + visibility * 1000;
        m.receipt = `${m.id}#${m.receiveCount}#${randomUUID()}`;
        out.push({
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          MD5OfBody: md5(m.body),
          Body: m.body,
          Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(now) },
        });
      }
      return { Messages: out };
    },
    DeleteMessage(input) {
      const queue = queueOf(input);
      const i = findByReceipt(queue, String(input.ReceiptHandle ?? ''));
      if (i === -1) throw new FakeError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
      queue.messages.splice(i, 1);
      return {};
    },
    DeleteMessageBatch(input) {
      const queue = queueOf(input);
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      for (const e of checkEntries(input.Entries)) {
        const i = findByReceipt(queue, String(e.ReceiptHandle ?? ''));
        if (i === -1) {
          failed.push({
            Id: e.Id,
            SenderFault: true,
            Code: 'ReceiptHandleIsInvalid',
            Message: 'The input receipt handle is invalid.',
          });
        } else {
          queue.messages.splice(i, 1);
          successful.push({ Id: e.Id });
        }
      }
      return { Successful: successful, Failed: failed };
    },
    ChangeMessageVisibility(input) {
      const queue = queueOf(input);
      const i = findByReceipt(queue, String(input.ReceiptHandle ?? ''));
      if (i === -1) throw new FakeError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
      (queue.messages[i] as FakeMessage).visibleAt = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
      return {};
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(body));
    };
    const run = operations[operation];
    if (!run)
      return send(400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `unknown target ${target}` });
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return send(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'bad JSON' });
    }
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    try {
      send(200, run(input));
    } catch (error) {
      if (error instanceof FakeError) {
        return send(error.status, { __type: `com.amazonaws.sqs#${error.type}`, message: error.message });
      }
      send(500, { __type: 'com.amazonaws.sqs#InternalError', message: String(error) });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    clientConfig: { endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    createQueue,
    queues,
    counts,
    failBatchEntries(next) {
      fault = next;
      batchRequests = 0;
    },
    sent(queue) {
      return [...(history.get(queue) ?? [])];
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
