import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server received, as a test wants to inspect it. */
export interface FakeRequest {
  method: string;
  /** Path without the query string, e.g. `/fitness/v1/users/me/dataset:aggregate`. */
  path: string;
  /** Query parameters; a repeated one keeps its last value. */
  query: Record<string, string>;
  /** Lower-cased header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The raw body, decoded as UTF-8 (`''` when there is none). */
  body: string;
  /** The body parsed as JSON, when it was sent as `application/json`. */
  json?: unknown;
  /** The body parsed as a form, when it was sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
}

/** What a route answers. */
export interface FakeResponse {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is (after `json`, which wins). */
  body?: string;
  /** Wait this long before answering, to exercise timeouts. */
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Drop the connection without an answer, as a crashed or flaky provider does. */
  destroy?: boolean;
}

/** Answers one request; may be async. */
export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * Routes by `'METHOD /path'` (or `'/path'` for any method). A `*` in the path matches any
 * characters except `/`. Routes are looked up on every request, so a test may replace one.
 */
export type FakeRoutes = Record<string, FakeHandler | FakeResponse>;

export interface FakeServer {
  /** Origin of the server, without a trailing slash: `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Every request received so far, in order (also those no route answered). */
  readonly requests: FakeRequest[];
  /**
   * Hold every request that arrives from now on, unanswered, until {@link FakeServer.release}.
   * The plugin kit uses it to abort a fetch while a request is in flight.
   */
  hold(): void;
  /** Answer the held requests and stop holding. */
  release(): void;
  /** Stop the server, dropping any open connection. */
  close(): Promise<void>;
}

function routeMatches(key: string, method: string, path: string): boolean {
  const space = key.indexOf(' ');
  const keyMethod = space === -1 ? '*' : key.slice(0, space).toUpperCase();
  const keyPath = space === -1 ? key : key.slice(space + 1).trim();
  if (keyMethod !== '*' && keyMethod !== method) return false;
  if (!keyPath.includes('*')) return keyPath === path;
  const pattern = keyPath
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${pattern}$`).test(path);
}

function findHandler(routes: FakeRoutes | FakeHandler, method: string, path: string): FakeHandler | undefined {
  if (typeof routes === 'function') return routes;
  for (const [key, route] of Object.entries(routes)) {
    if (routeMatches(key, method, path)) return typeof route === 'function' ? route : () => route;
  }
  return undefined;
}

async function readRequest(req: IncomingMessage): Promise<FakeRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const request: FakeRequest = {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
  };
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json') && body !== '') {
    try {
      request.json = JSON.parse(body);
    } catch {
      // Left unparsed: the test sees `body` and can assert on what the plugin really sent.
    }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    request.form = Object.fromEntries(new URLSearchParams(body));
  }
  return request;
}

function send(res: ServerResponse, response: FakeResponse): void {
  if (response.destroy) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...response.headers };
  let body = response.body ?? '';
  if (response.json !== undefined) {
    body = JSON.stringify(response.json);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status ?? 200, headers);
  res.end(body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Start a real HTTP server on `127.0.0.1` (an ephemeral port) that stands in for a provider's API:
 * it records every request and answers from `routes` with recorded-shape responses.
 *
 * ```ts
 * const server = await startFakeServer({
 *   'POST /token': (req) => ({ json: { access_token: 'at', expires_in: 3600 } }),
 *   'GET /v1/steps': { json: { days: [{ date: '2026-11-24', steps: 2000 }] } },
 * });
 * // … point the plugin's config at server.url, then: await server.close();
 * ```
 *
 * A request no route matches gets a 404 whose body names it, so a plugin test fails loudly.
 */
export async function startFakeServer(routes: FakeRoutes | FakeHandler): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  let holding = false;
  let held: (() => void)[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const request = await readRequest(req);
      requests.push(request);
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
      if (res.destroyed) return;
      const handler = findHandler(routes, request.method, request.path);
      if (!handler) {
        send(res, { status: 404, json: { error: `fake server: no route for ${request.method} ${request.path}` } });
        return;
      }
      const response = await handler(request);
      if (response.hang) return;
      if (response.delayMs) await sleep(response.delayMs);
      // The client may have given up (aborted) while we waited.
      if (!res.destroyed) send(res, response);
    })().catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      send(res, { status: 500, json: { error: `fake server: route failed: ${(error as Error)?.message ?? error}` } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const release = (): void => {
    holding = false;
    const waiting = held;
    held = [];
    for (const resume of waiting) resume();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hold() {
      holding = true;
    },
    release,
    close() {
      release();
      if (!server.listening) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests and keep-alive sockets would keep close() waiting forever.
        server.closeAllConnections();
      });
    },
  };
}
