import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

/** One request that reached the local DynamoDB, as seen on the wire. */
export interface WireRequest {
  /** The DynamoDB API, e.g. `BatchWriteItem`. */
  operation: string;
  /** Write requests in a `BatchWriteItem`. */
  items?: number;
}

/** Decides how many items of one `BatchWriteItem` request (of `items` items) come back unprocessed. */
export type UnprocessedRule = (items: number, request: number) => number;

/** One request as a {@link FaultRule} sees it. */
export interface FaultRequest {
  /** The DynamoDB API, e.g. `BatchWriteItem`. */
  operation: string;
  /** 1 for the first request of this operation since {@link LocalDynamoDb.setFault}, then 2, 3… */
  request: number;
  /** Write requests in a `BatchWriteItem`. */
  items?: number;
}

/**
 * What the proxy does with one request instead of (or besides) answering it normally:
 * - `error`: answer with DynamoDB's JSON error shape
 *   (`{"__type":"com.amazonaws.dynamodb.v20120810#<type>","message":"…"}`, HTTP `status`, default
 *   400) without forwarding the request;
 * - `destroy: 'before'`: destroy the socket without forwarding (the write did not happen);
 * - `destroy: 'after'`: forward the request (the write happened), then destroy the socket instead of
 *   answering (the answer is lost).
 */
export type FaultAction =
  | { error: { type: string; message?: string; status?: number } }
  | { destroy: 'before' | 'after' };

/** Decides the fault for one request; `undefined`: answer normally. */
export type FaultRule = (request: FaultRequest) => FaultAction | undefined;

/** A real DynamoDB implementation (dynalite, in memory) on loopback, behind a counting proxy. */
export interface LocalDynamoDb {
  /** Where clients connect (the proxy): `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Client options for `endpoint`: region us-east-1 and dummy credentials. */
  clientConfig: DynamoDBClientConfig;
  /** Every request that came through the proxy since the last {@link LocalDynamoDb.resetRequests}. */
  requests: WireRequest[];
  resetRequests(): void;
  /** Count of requests of one operation. */
  count(operation: string): number;
  /**
   * Make `BatchWriteItem` leave items unprocessed, as DynamoDB does when it throttles: the proxy
   * forwards only part of each batch and returns the rest as `UnprocessedItems`. No rule: all pass.
   */
  setUnprocessed(rule?: UnprocessedRule): void;
  /**
   * Inject faults (throttling errors, dropped connections) per request; request numbers restart at
   * 1 per operation. Requests answered with a fault are still counted in `requests`. No rule: none.
   */
  setFault(rule?: FaultRule): void;
  /** Create a fresh pair of tables with the seed's key schema; names are unique unless given. */
  createTables(names?: {
    metricsTable?: string;
    runsTable?: string;
  }): Promise<{ metricsTable: string; runsTable: string }>;
  /** Every raw item of a table, bypassing the proxy (not counted). */
  scan(table: string): Promise<Record<string, AttributeValue>[]>;
  stop(): Promise<void>;
}

/**
 * An AWS SDK retry strategy that makes the SDK's own decisions (retry throttling and transient errors
 * such as a dropped connection, never client errors) up to `maxAttempts` attempts, but waits only
 * `delayMs` between them, so fault tests stay fast. Pass it as `retryStrategy` in a client config.
 * (The SDK's default for DynamoDB: 4 attempts in standard mode, full-jitter exponential backoff from
 * 100 ms, 500 ms for throttling, at most 20 s, with a retry-token bucket.)
 */
export function fastSdkRetry(maxAttempts = 4, delayMs = 5): NonNullable<DynamoDBClientConfig['retryStrategy']> {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => delayMs });
  return {
    mode: 'standard',
    async acquireInitialRetryToken() {
      return token(0);
    },
    async refreshRetryTokenForRetry(previous: { getRetryCount(): number }, error: { errorType: string }) {
      const count = previous.getRetryCount() + 1;
      if (count >= maxAttempts || (error.errorType !== 'THROTTLING' && error.errorType !== 'TRANSIENT')) {
        throw new Error('no retry');
      }
      return token(count);
    },
    recordSuccess() {},
  };
}

const require = createRequire(import.meta.url);
let tableCounter = 0;

/** Start dynalite on a loopback port, with a counting (and fault-injecting) proxy in front. */
export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  const backend = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

  const requests: WireRequest[] = [];
  let rule: UnprocessedRule | undefined;
  let batchCounter = 0;
  let fault: FaultRule | undefined;
  const faultCounters = new Map<string, number>();

  const proxy = createServer((req, res) => {
    forward(req, res).catch((error: unknown) => {
      res.statusCode = 502;
      res.end(String(error));
    });
  });

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    const seen: WireRequest = { operation };
    let action: FaultAction | undefined;
    if (fault) {
      const request = (faultCounters.get(operation) ?? 0) + 1;
      faultCounters.set(operation, request);
      const items =
        operation === 'BatchWriteItem'
          ? Object.values((JSON.parse(body) as { RequestItems: Record<string, unknown[]> }).RequestItems).reduce(
              (n, list) => n + list.length,
              0,
            )
          : undefined;
      action = fault({ operation, request, ...(items === undefined ? {} : { items }) });
      if (action && 'error' in action) {
        requests.push(items === undefined ? seen : { ...seen, items });
        const text = JSON.stringify({
          __type: `com.amazonaws.dynamodb.v20120810#${action.error.type}`,
          message: action.error.message ?? action.error.type,
        });
        res.writeHead(action.error.status ?? 400, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
        return;
      }
      if (action?.destroy === 'before') {
        requests.push(items === undefined ? seen : { ...seen, items });
        req.socket.destroy();
        return;
      }
    }
    let heldBack: Record<string, WriteRequest[]> | undefined;
    if (operation === 'BatchWriteItem') {
      const input = JSON.parse(body) as { RequestItems: Record<string, WriteRequest[]> };
      seen.items = Object.values(input.RequestItems).reduce((n, list) => n + list.length, 0);
      const keep = rule ? Math.max(0, seen.items - rule(seen.items, ++batchCounter)) : seen.items;
      if (keep < seen.items) {
        heldBack = {};
        let budget = keep;
        for (const [table, list] of Object.entries(input.RequestItems)) {
          const sent = list.slice(0, budget);
          budget -= sent.length;
          if (list.length > sent.length) heldBack[table] = list.slice(sent.length);
          input.RequestItems[table] = sent;
        }
        for (const [table, list] of Object.entries(input.RequestItems))
          if (list.length === 0) delete input.RequestItems[table];
        body = JSON.stringify(input);
      }
    }
    requests.push(seen);

    let status = 200;
    let text: string;
    let contentType = 'application/x-amz-json-1.0';
    if (heldBack && Object.keys(JSON.parse(body).RequestItems).length === 0) {
      text = JSON.stringify({ UnprocessedItems: {} });
    } else {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
          headers[name] = value;
      }
      const response = await fetch(backendUrl, { method: req.method ?? 'POST', headers, body });
      status = response.status;
      contentType = response.headers.get('content-type') ?? contentType;
      text = await response.text();
    }
    if (heldBack && status === 200) {
      const output = JSON.parse(text) as { UnprocessedItems?: Record<string, WriteRequest[]> };
      const unprocessed = output.UnprocessedItems ?? {};
      for (const [table, list] of Object.entries(heldBack))
        unprocessed[table] = [...(unprocessed[table] ?? []), ...list];
      output.UnprocessedItems = unprocessed;
      text = JSON.stringify(output);
    }
    if (action && 'destroy' in action) {
      req.socket.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const admin = new DynamoDBClient({ endpoint: backendUrl, region: 'us-east-1', credentials });

  return {
    endpoint,
    clientConfig: { endpoint, region: 'us-east-1', credentials },
    requests,
    resetRequests() {
      requests.length = 0;
    },
    count(operation) {
      return requests.filter((r) => r.operation === operation).length;
    },
    setUnprocessed(next) {
      rule = next;
      batchCounter = 0;
    },
    setFault(next) {
      fault = next;
      faultCounters.clear();
    },
    async createTables(names = {}) {
      const id = ++tableCounter;
      const metricsTable = names.metricsTable ?? `metrics-${id}`;
      const runsTable = names.runsTable ?? `runs-${id}`;
      for (const [table, sortKey] of [
        [metricsTable, 'metric_date'],
        [runsTable, 'metric_type'],
      ] as const) {
        await admin.send(
          new CreateTableCommand({
            TableName: table,
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: [
              { AttributeName: 'user_id', KeyType: 'HASH' },
              { AttributeName: sortKey, KeyType: 'RANGE' },
            ],
            AttributeDefinitions: [
              { AttributeName: 'user_id', AttributeType: 'S' },
              { AttributeName: sortKey, AttributeType: 'S' },
            ],
          }),
        );
      }
      return { metricsTable, runsTable };
    },
    async scan(table) {
      const items: Record<string, AttributeValue>[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await admin.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async stop() {
      admin.destroy();
      proxy.closeAllConnections();
      backend.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    },
  };
}
