/**
 * A Lambda function URL on loopback: a Node HTTP server that turns each request into the payload
 * format 2.0 event a function URL hands its function, calls the handler, and turns its answer back
 * into an HTTP response — so a handler is driven by real HTTP clients (a browser, `fetch`) as in AWS.
 *
 * The shapes are AWS's: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 * ("Request payload" and "Response payload"): `rawPath` and `rawQueryString` as sent, the `Cookie`
 * header moved to `cookies` (split on `; `), other header names lower-cased with repeated values
 * joined by `,`, `queryStringParameters` decoded with repeated values joined by `,`, a base64 body
 * for binary content; an answer's `cookies` become `Set-Cookie` headers, and an answer without
 * `statusCode` is sent as `200 application/json` of the value, as Lambda infers it.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The event a function URL sends (payload format 2.0). */
export interface FunctionUrlTestEvent {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** A handler as a function URL calls it. */
// biome-ignore lint/suspicious/noExplicitAny: handlers type their event and answer their own way
export type FunctionUrlTestHandler = (event: FunctionUrlTestEvent, context: Record<string, unknown>) => Promise<any>;

/** A running function URL. */
export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>/`, with the trailing slash a function URL has. */
  url: string;
  /** Every event handed to the handler, in order. */
  events: FunctionUrlTestEvent[];
  close(): Promise<void>;
}

const URL_ID = 'abcdefghijklmnopqrstuvwxyz012345';
const TEXT = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/;

function toEvent(req: IncomingMessage, body: Buffer, requestId: number): FunctionUrlTestEvent {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQueryString = q === -1 ? '' : target.slice(q + 1);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    if (name === 'cookie') {
      cookies = [
        ...(cookies ?? []),
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      ];
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const params = new URLSearchParams(rawQueryString);
  const query: Record<string, string> = {};
  for (const [name, value] of params) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const binary = body.length > 0 && !TEXT.test(headers['content-type'] ?? '');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: URL_ID,
      domainName: headers.host ?? `${URL_ID}.lambda-url.us-east-1.on.aws`,
      domainPrefix: URL_ID,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `request-${requestId}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString(binary ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: binary,
  };
}

function send(res: ServerResponse, answer: unknown): void {
  const result = answer as {
    statusCode?: number;
    headers?: Record<string, string>;
    cookies?: string[];
    body?: string;
    isBase64Encoded?: boolean;
  } | null;
  if (!result || typeof result !== 'object' || typeof result.statusCode !== 'number') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer ?? null));
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
  res.statusCode = result.statusCode;
  res.end(result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

/** Serve `handler` as a function URL on 127.0.0.1 (an ephemeral port). */
export async function startFunctionUrlServer(handler: FunctionUrlTestHandler): Promise<FunctionUrlServer> {
  const events: FunctionUrlTestEvent[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = toEvent(req, Buffer.concat(chunks), ++requests);
      events.push(event);
      handler(event, { awsRequestId: event.requestContext.requestId, functionName: 'connect' }).then(
        (answer) => send(res, answer),
        () => {
          // What a function URL answers when the function throws.
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end('{"Message":"Internal Server Error"}');
        },
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    events,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
