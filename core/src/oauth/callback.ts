import { LifeStatsError } from '../errors.js';
import type { Redactor } from '../log/redact.js';
import { sameText } from './pkce.js';
import { missingScopes, type OAuthSettings, splitScopes } from './settings.js';
import { type OAuthClientCredentials, requestTokens } from './token-request.js';

/** What a consent produced. */
export interface ConsentResult {
  /** The long-lived token to store as the user's secret. Never logged. */
  refreshToken: string;
  /** The scopes the provider granted, when it said (token response, else the callback's `scope`). */
  scopes: string[] | undefined;
}

function authError(message: string, hint: string, cause?: unknown): LifeStatsError {
  return new LifeStatsError('E_AUTH', `[life-stats] [auth] ${message}`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Check the parameters the browser came back with: the `state` of this consent (constant-time),
 * no `error` (a declined consent), a `code`.
 *
 * @throws {LifeStatsError} `E_AUTH`, saying what went wrong and to run the consent again.
 */
function validateCallback(params: URLSearchParams, expectedState: string): URLSearchParams {
  if (!sameText(params.get('state') ?? '', expectedState)) {
    throw authError(
      'the answer from the browser does not carry the state of this request, so it was refused',
      'Run the command again and use the address it prints.',
    );
  }
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    throw authError(
      `the consent was not given (${error}${description ? `: ${description.slice(0, 200)}` : ''})`,
      'Run the command again and allow access.',
    );
  }
  if (!params.get('code')) {
    throw authError('the answer from the browser carries no authorization code', 'Run the command again.');
  }
  return params;
}

/** Options of {@link exchangeCode}. */
export interface ExchangeCodeOptions {
  settings: OAuthSettings;
  client: OAuthClientCredentials;
  /** The callback's parameters, checked by {@link validateCallback}. */
  callback: URLSearchParams;
  /** Exactly the one the consent URL carried. */
  redirectUri: string;
  /** The `state` the consent URL carried. */
  state: string;
  codeVerifier: string | undefined;
  /** The scopes asked for: a grant without one of them is refused (the user unticked it). */
  scopes: readonly string[];
  signal: AbortSignal;
  /** Learns the code, the verifier and every token before any message could show them. */
  redactor?: Redactor;
}

/**
 * Exchange the authorization code at the token endpoint (through `oauth4webapi`) and check that the
 * grant is one life-stats can keep: it has a refresh token and every scope asked for.
 *
 * @throws {LifeStatsError} `E_AUTH` when the exchange fails, no refresh token comes back, or a scope
 *   is missing.
 */
export async function exchangeCode(options: ExchangeCodeOptions): Promise<ConsentResult> {
  const { settings, callback, redactor } = options;
  redactor?.add(callback.get('code') ?? undefined);
  redactor?.add(options.codeVerifier);
  const tokens = await requestTokens(
    {
      grant: 'code',
      callback: validateCallback(callback, options.state),
      state: options.state,
      redirectUri: options.redirectUri,
      codeVerifier: options.codeVerifier,
    },
    {
      settings,
      client: options.client,
      signal: options.signal,
      remember: (value) => redactor?.add(value),
      redact: (text) => redactor?.redact(text) ?? text,
    },
  );
  const reported = callback.get('scope');
  const scopes = tokens.scopes ?? (reported === null ? undefined : splitScopes(reported, settings.scopeSeparator));
  if (!tokens.refreshToken) {
    const where = settings.permissionsUrl ? ` at ${settings.permissionsUrl}` : ` in your ${settings.provider} account`;
    throw authError(
      `${settings.provider} answered without a refresh token, so life-stats could not keep access`,
      `Remove life-stats from the apps with access${where} and run the command again (the consent then asks for a new grant, which comes with one).`,
    );
  }
  // Granular consent lets a user untick a scope; a grant without it would fail every run.
  const missing = scopes ? missingScopes(options.scopes, scopes) : [];
  if (missing.length > 0) {
    throw authError(
      `${settings.provider} granted access without ${missing.join(', ')}, which the plugin needs`,
      'Run the command again and leave every requested permission ticked.',
    );
  }
  return { refreshToken: tokens.refreshToken, scopes };
}
