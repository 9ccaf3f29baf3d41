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
  /** Create a fresh pair of tables with the seed's key schema; names are unique unless given. */
  createTables(names?: {
    metricsTable?: string;
    runsTable?: string;
  }): Promise<{ metricsTable: string; runsTable: string }>;
  /** Every raw item of a table, bypassing the proxy (not counted). */
  scan(table: string): Promise<Record<string, AttributeValue>[]>;
  stop(): Promise<void>;
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
