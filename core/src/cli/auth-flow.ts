import { spawn } from 'node:child_process';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LifeStatsError } from '../errors.js';

/** Google's consent page. */
export const GOOGLE_AUTH_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
/** Google's token endpoint. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

const CALLBACK_PATH = '/oauth2callback';
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** Options of {@link runOAuthLoopbackFlow}. */
export interface OAuthLoopbackFlowOptions {
  clientId: string;
  /** Sent to the token endpoint only; never logged. */
  clientSecret: string;
  scopes: readonly string[];
  /** The consent page. @default {@link GOOGLE_AUTH_URL} */
  authUrl?: string;
  /** The token endpoint (a plugin's `tokenUrl`). @default {@link GOOGLE_TOKEN_URL} */
  tokenUrl?: string;
  /**
   * Also open the consent page in the default browser (`open`, `xdg-open`, `rundll32`), failing
   * quietly: the address is printed either way. A function is called with the address instead.
   * @default false
   */
  openBrowser?: boolean | ((url: string) => void | Promise<void>);
  /** Receives the instructions for the user, line by line (the CLI writes them to stderr). */
  log: (line: string) => void;
  /** Aborts the wait (Ctrl-C). */
  signal?: AbortSignal;
  /** Port on 127.0.0.1 to receive the redirect on. @default 0 (any free port) */
  port?: number;
  /** Give up when the browser has not come back after this long. @default 300000 (5 minutes) */
  timeoutMs?: number;
  /**
   * Extra parameters of the consent URL. The defaults ask Google for a refresh token
   * (`access_type=offline`) and for consent every time (`prompt=consent`), without which a second
   * `auth` of the same account gets no refresh token.
   * @default { access_type: 'offline', prompt: 'consent' }
   */
  authParams?: Record<string, string>;
}

/** What the consent produced. */
export interface OAuthLoopbackResult {
  /** The long-lived token to store as the user's secret. */
  refreshToken: string;
  /** The scopes Google granted, when it says. */
  scopes: string[] | undefined;
}

function authError(message: string, hint?: string, cause?: unknown): LifeStatsError {
  return new LifeStatsError('E_AUTH', `[life-stats] [auth] ${message}`, {
    ...(hint ? { hint } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Open `url` with the platform's opener; any failure is ignored (the URL is printed anyway). */
function openInBrowser(url: string): void {
  const [command, args]: [string, string[]] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? // `start` would need cmd.exe quoting of every `&` in the URL; rundll32 takes it as one argument.
          ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No opener on this machine (a server, a container): the printed address is the way.
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Answer the browser; resolves once the page is sent, so closing the server cannot cut it off. */
function page(res: ServerResponse, status: number, title: string, text: string): Promise<void> {
  const html = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return new Promise((resolve) => {
    res.once('close', resolve);
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'close',
    });
    res.end(
      `<!doctype html><meta charset="utf-8"><title>life-stats</title><h1>${html(title)}</h1><p>${html(text)}</p>`,
      () => resolve(),
    );
  });
}

interface TokenResponse {
  refresh_token?: unknown;
  scope?: unknown;
  error?: unknown;
  error_description?: unknown;
}

async function exchangeCode(
  options: OAuthLoopbackFlowOptions,
  tokenUrl: string,
  code: string,
  verifier: string,
  redirectUri: string,
  signal: AbortSignal,
): Promise<OAuthLoopbackResult> {
  let response: Response;
  try {
    response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        client_id: options.clientId,
        client_secret: options.clientSecret,
      }),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw authError(
      `could not reach the token endpoint ${new URL(tokenUrl).host}: ${(error as Error).message}`,
      undefined,
      error,
    );
  }
  const text = await response.text();
  let body: TokenResponse = {};
  try {
    body = JSON.parse(text) as TokenResponse;
  } catch {
    // Not JSON (a proxy's error page): reported by status below.
  }
  if (!response.ok) {
    const what = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    const why = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
    throw authError(
      `the token endpoint refused the authorization code (${what}${why})`,
      what === 'invalid_client'
        ? 'Check the stored client_id and client_secret: they must be those of a "Desktop app" OAuth client.'
        : 'Run the command again; the code can be used only once and expires within minutes.',
    );
  }
  const scopes = typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : undefined;
  if (typeof body.refresh_token !== 'string' || body.refresh_token === '') {
    throw authError(
      'Google answered without a refresh token, so life-stats could not keep access',
      'Remove life-stats from https://myaccount.google.com/permissions and run the command again (the consent URL asks for offline access and a consent prompt, which makes Google issue one).',
    );
  }
  // Google's granular consent lets a user untick a scope; a grant without it would fail every run.
  const missing = scopes ? options.scopes.filter((scope) => !scopes.includes(scope)) : [];
  if (missing.length > 0) {
    throw authError(
      `Google granted access without ${missing.join(', ')}, which the plugin needs`,
      'Run the command again and leave every requested permission ticked.',
    );
  }
  return { refreshToken: body.refresh_token, scopes };
}

/**
 * The OAuth 2.0 installed-app loopback flow (RFC 8252) with PKCE (S256): start a server on
 * 127.0.0.1, print (and maybe open) the consent URL, receive the authorization code on the
 * redirect, check its `state`, and exchange the code for tokens.
 *
 * @returns the refresh token — for the caller to store; it is never logged.
 * @throws {LifeStatsError} `E_AUTH` when consent is declined, the `state` does not match, the
 *   exchange fails, Google returns no refresh token, or nothing came back within `timeoutMs`.
 */
export async function runOAuthLoopbackFlow(options: OAuthLoopbackFlowOptions): Promise<OAuthLoopbackResult> {
  const authUrl = options.authUrl ?? GOOGLE_AUTH_URL;
  const tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  options.signal?.throwIfAborted();

  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');

  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () =>
      controller.abort(
        authError(
          `no answer from the browser within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
          'Run the command again and finish the consent in the browser.',
        ),
      ),
    timeoutMs,
  );

  let settle!: { resolve: (result: OAuthLoopbackResult) => void; reject: (error: unknown) => void };
  const outcome = new Promise<OAuthLoopbackResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Settled by the callback, maybe after the race below is over (a late answer after a timeout).
  outcome.catch(() => {});
  let handled = false;
  let redirectUri = '';

  const onCallback = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      await page(res, 404, 'Not found', 'This address only receives the answer of the consent page.');
      return;
    }
    if (handled) {
      await page(res, 409, 'Already done', 'life-stats already received an answer; you can close this tab.');
      return;
    }
    handled = true;
    const q = url.searchParams;
    try {
      if (!sameText(q.get('state') ?? '', state)) {
        throw authError(
          'the answer from the browser does not carry the state of this request, so it was refused',
          'Run the command again and use the address it prints.',
        );
      }
      const error = q.get('error');
      if (error) {
        throw authError(
          `the consent was not given (${error}${q.get('error_description') ? `: ${q.get('error_description')}` : ''})`,
          'Run the command again and allow access.',
        );
      }
      const code = q.get('code');
      if (!code) throw authError('the answer from the browser carries no authorization code', 'Run the command again.');
      const result = await exchangeCode(options, tokenUrl, code, verifier, redirectUri, controller.signal);
      await page(
        res,
        200,
        'life-stats is connected',
        'Access granted. You can close this tab and return to the terminal.',
      );
      settle.resolve(result);
    } catch (error) {
      const message = error instanceof Error ? error.message.replace('[life-stats] [auth] ', '') : String(error);
      await page(res, 400, 'life-stats could not connect', `${message}. See the terminal.`);
      settle.reject(error);
    }
  };

  const server = createServer((req, res) => {
    void onCallback(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    throw authError(
      `could not listen on 127.0.0.1:${options.port ?? 0} for the browser's answer: ${(error as Error).message}`,
      'Choose another port, or leave it to the system.',
      error,
    );
  }
  const { port } = server.address() as AddressInfo;
  redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;

  const consent = new URL(authUrl);
  const params: Record<string, string> = {
    client_id: options.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.authParams ?? { access_type: 'offline', prompt: 'consent' }),
  };
  for (const [name, value] of Object.entries(params)) consent.searchParams.set(name, value);

  options.log('Open this address in a browser and allow access:');
  options.log(`  ${consent.href}`);
  options.log(`Waiting for the browser to come back to ${redirectUri} …`);
  if (typeof options.openBrowser === 'function') {
    Promise.resolve()
      .then(() => (options.openBrowser as (url: string) => void | Promise<void>)(consent.href))
      .catch(() => {});
  } else if (options.openBrowser) {
    openInBrowser(consent.href);
  }

  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([outcome, aborted]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
