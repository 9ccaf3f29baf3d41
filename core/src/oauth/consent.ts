import type { Redactor } from '../log/redact.js';
import { type ConsentResult, exchangeCode } from './callback.js';
import { buildConsentUrl } from './consent-url.js';
import { createConsentSecrets } from './pkce.js';
import type { OAuthSettings } from './settings.js';
import type { OAuthClientCredentials } from './token-request.js';

/**
 * A consent in two steps that need no server of their own, so the loopback flow of `life-stats
 * auth` and a function URL's `/start` + `/callback` (connect links) share them:
 *
 * ```ts
 * const started = await startConsent({ settings, clientId, redirectUri, scopes });
 * // keep started.state and started.codeVerifier (a signed cookie), send the browser to started.url
 * const { refreshToken } = await completeConsent({ settings, client, redirectUri, scopes,
 *   callback: new URL(request.url).searchParams, state, codeVerifier, signal });
 * ```
 */

/** Options of {@link startConsent}. */
export interface StartConsentOptions {
  settings: OAuthSettings;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
}

/** A consent started: where to send the browser, and what to keep until it comes back. */
export interface StartedConsent {
  url: string;
  state: string;
  /** Keep it secret until the code exchange; `undefined` without PKCE. */
  codeVerifier: string | undefined;
}

/** A fresh `state` (and PKCE pair, where the provider takes it) and the consent URL carrying them. */
export async function startConsent(options: StartConsentOptions): Promise<StartedConsent> {
  const secrets = await createConsentSecrets(options.settings.pkce);
  const url = buildConsentUrl({ ...options, state: secrets.state, codeChallenge: secrets.codeChallenge });
  return { url, state: secrets.state, codeVerifier: secrets.codeVerifier };
}

/** Options of {@link completeConsent}. */
export interface CompleteConsentOptions {
  settings: OAuthSettings;
  client: OAuthClientCredentials;
  redirectUri: string;
  scopes: readonly string[];
  /** The query the browser came back with. */
  callback: URLSearchParams;
  /** What {@link startConsent} returned. */
  state: string;
  codeVerifier: string | undefined;
  signal: AbortSignal;
  redactor?: Redactor;
}

/**
 * Check the callback (state, declined consent, code) and exchange the code: the refresh token to
 * store as the user's secret (`settings.secrets.refreshToken`).
 *
 * @throws {LifeStatsError} `E_AUTH` saying what went wrong and what to do.
 */
export function completeConsent(options: CompleteConsentOptions): Promise<ConsentResult> {
  return exchangeCode({
    settings: options.settings,
    client: options.client,
    callback: options.callback,
    redirectUri: options.redirectUri,
    state: options.state,
    codeVerifier: options.codeVerifier,
    scopes: options.scopes,
    signal: options.signal,
    ...(options.redactor ? { redactor: options.redactor } : {}),
  });
}
