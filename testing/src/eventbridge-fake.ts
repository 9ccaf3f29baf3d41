import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';

/** One entry of a `PutEvents` request the fake accepted. */
export interface PublishedEvent {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
}

/** How the fake answers `PutEvents`. */
export type EventBridgeMode = 'accept' | 'reject-entries' | 'access-denied';

/** A local HTTP server speaking EventBridge's JSON 1.1 protocol for `PutEvents` only. */
export interface EventBridgeFake {
  endpoint: string;
  clientConfig: EventBridgeClientConfig;
  /** Entries accepted, in order. */
  events: PublishedEvent[];
  /** `PutEvents` requests received, accepted or not. */
  requests: number;
  setMode(mode: EventBridgeMode): void;
  stop(): Promise<void>;
}

export async function startEventBridgeFake(): Promise<EventBridgeFake> {
  const events: PublishedEvent[] = [];
  let mode: EventBridgeMode = 'accept';
  const state = { requests: 0 };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      return send(400, { __type: 'UnknownOperationException', message: 'only PutEvents is faked' });
    }
    state.requests++;
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PublishedEvent[] };
    const entries = input.Entries ?? [];
    if (mode === 'access-denied') {
      return send(400, {
        __type: 'AccessDeniedException',
        message:
          'User: arn:aws:sts::123456789012:assumed-role/life-stats/fn is not authorized to perform: events:PutEvents',
      });
    }
    if (mode === 'reject-entries') {
      return send(200, {
        FailedEntryCount: entries.length,
        Entries: entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' })),
      });
    }
    events.push(...entries);
    send(200, { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    clientConfig: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    events,
    get requests() {
      return state.requests;
    },
    setMode(next) {
      mode = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
