import { spawn } from 'node:child_process';
import { LifeStatsError } from '../errors.js';
import type { Redactor } from '../log/redact.js';
import type { ConsentResult } from '../oauth/callback.js';
import { completeConsent, startConsent } from '../oauth/consent.js';
import { startLoopbackListener } from '../oauth/loopback.js';
import type { OAuthSettings } from '../oauth/settings.js';
import type { OAuthClientCredentials } from '../oauth/token-request.js';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** Options of {@link runOAuthLoopbackFlow}. */
export interface OAuthLoopbackFlowOptions {
  /** The provider's endpoints and quirks, from the plugin's manifest and the entry's config. */
  settings: OAuthSettings;
  /** The OAuth client; the secret is sent to the token endpoint only, never logged. */
  client: OAuthClientCredentials;
  /** Every scope to ask for. */
  scopes: readonly string[];
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
  /** Port on 127.0.0.1 to receive the redirect on (a provider that wants it registered). @default 0 (any free port) */
  port?: number;
  /** Give up when the browser has not come back after this long. @default 300000 (5 minutes) */
  timeoutMs?: number;
  /** Learns the code, the verifier and every token. */
  redactor?: Redactor;
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

function timeoutError(ms: number): LifeStatsError {
  const after = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
  return new LifeStatsError('E_AUTH', `[life-stats] [auth] no answer from the browser within ${after}`, {
    hint: 'Run the command again and finish the consent in the browser.',
  });
}

/**
 * The OAuth 2.0 installed-app flow (RFC 8252): listen on 127.0.0.1, print (and maybe open) the
 * consent URL with its `state` and PKCE challenge, receive the authorization code on the redirect,
 * and exchange it (through core's OAuth library) for the refresh token.
 *
 * @returns the refresh token — for the caller to store; it is never logged.
 * @throws {LifeStatsError} `E_AUTH` when consent is declined, the `state` does not match, the
 *   exchange fails, no refresh token comes back, or nothing came back within `timeoutMs`.
 */
export async function runOAuthLoopbackFlow(options: OAuthLoopbackFlowOptions): Promise<ConsentResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  options.signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs);

  let settle!: { resolve: (result: ConsentResult) => void; reject: (error: unknown) => void };
  const outcome = new Promise<ConsentResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Settled by the callback, maybe after the race below is over (a late answer after a timeout).
  outcome.catch(() => {});

  let consent: Awaited<ReturnType<typeof startConsent>> | undefined;
  let redirectUri = '';
  let listener: Awaited<ReturnType<typeof startLoopbackListener>> | undefined;
  try {
    listener = await startLoopbackListener({
      ...(options.port === undefined ? {} : { port: options.port }),
      onCallback: async (params) => {
        try {
          if (!consent) throw new Error('the consent had not started');
          const result = await completeConsent({
            settings: options.settings,
            client: options.client,
            redirectUri,
            scopes: options.scopes,
            callback: params,
            state: consent.state,
            codeVerifier: consent.codeVerifier,
            signal: controller.signal,
            ...(options.redactor ? { redactor: options.redactor } : {}),
          });
          settle.resolve(result);
          return {
            status: 200,
            title: 'life-stats is connected',
            text: 'Access granted. You can close this tab and return to the terminal.',
          };
        } catch (error) {
          settle.reject(error);
          const message = error instanceof Error ? error.message.replace('[life-stats] [auth] ', '') : String(error);
          return { status: 400, title: 'life-stats could not connect', text: `${message}. See the terminal.` };
        }
      },
    });
    redirectUri = listener.redirectUri;
    consent = await startConsent({
      settings: options.settings,
      clientId: options.client.clientId,
      redirectUri,
      scopes: options.scopes,
    });
    options.redactor?.add(consent.codeVerifier);

    options.log('Open this address in a browser and allow access:');
    options.log(`  ${consent.url}`);
    options.log(`Waiting for the browser to come back to ${redirectUri} …`);
    const url = consent.url;
    if (typeof options.openBrowser === 'function') {
      const open = options.openBrowser;
      Promise.resolve()
        .then(() => open(url))
        .catch(() => {});
    } else if (options.openBrowser) {
      openInBrowser(url);
    }

    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(controller.signal.reason);
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => {});
    return await Promise.race([outcome, aborted]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await listener?.close();
  }
}
