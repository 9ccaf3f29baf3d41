import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LifeStatsError } from '../errors.js';

/**
 * The loopback redirect of an installed app (RFC 8252 §7.3): an HTTP server on 127.0.0.1 that
 * receives the browser's one answer and shows it a small page.
 */

/** The path the provider redirects to. */
const CALLBACK_PATH = '/oauth2callback';

/** What the handler of the answer tells the browser. */
interface LoopbackPage {
  status: number;
  title: string;
  text: string;
}

/** Options of {@link startLoopbackListener}. */
export interface LoopbackOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** Called once, with the query of the first request to the callback path. */
  onCallback: (params: URLSearchParams) => Promise<LoopbackPage>;
}

/** A listening loopback server. */
export interface LoopbackListener {
  /** `http://127.0.0.1:<port>/oauth2callback`. */
  redirectUri: string;
  /** Stop listening and drop every connection. */
  close(): Promise<void>;
}

/** Answer the browser; resolves once the page is sent, so closing the server cannot cut it off. */
function sendPage(res: ServerResponse, page: LoopbackPage): Promise<void> {
  const html = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return new Promise((resolve) => {
    res.once('close', resolve);
    res.writeHead(page.status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      connection: 'close',
    });
    res.end(
      `<!doctype html><meta charset="utf-8"><title>life-stats</title><h1>${html(page.title)}</h1><p>${html(page.text)}</p>`,
      () => resolve(),
    );
  });
}

/**
 * Listen on 127.0.0.1 for the provider's redirect. Only the first `GET /oauth2callback` is handed
 * to `onCallback`; other paths get a 404, later answers a 409.
 *
 * @throws {LifeStatsError} `E_AUTH` when the port cannot be had.
 */
export async function startLoopbackListener(options: LoopbackOptions): Promise<LoopbackListener> {
  let handled = false;
  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      await sendPage(res, {
        status: 404,
        title: 'Not found',
        text: 'This address only receives the answer of the consent page.',
      });
      return;
    }
    if (handled) {
      await sendPage(res, {
        status: 409,
        title: 'Already done',
        text: 'life-stats already received an answer; you can close this tab.',
      });
      return;
    }
    handled = true;
    await sendPage(res, await options.onCallback(url.searchParams));
  };
  const server: Server = createServer((req, res) => {
    void onRequest(req, res);
  });
  const port = options.port ?? 0;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new LifeStatsError(
      'E_AUTH',
      `[life-stats] [auth] could not listen on 127.0.0.1:${port} for the browser's answer: ${(error as Error).message}`,
      { hint: 'Choose another port (--port), or leave it to the system.', cause: error },
    );
  }
  const { port: bound } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${bound}${CALLBACK_PATH}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
