import type { OAuthSettings } from './settings.js';

/** Options of {@link buildConsentUrl}. */
export interface ConsentUrlOptions {
  settings: OAuthSettings;
  clientId: string;
  /** Where the provider sends the browser back: the loopback listener, or a function URL's `/callback`. */
  redirectUri: string;
  /** Every scope to ask for (for `life-stats auth`, the union of the namespace's entries). */
  scopes: readonly string[];
  state: string;
  /** The S256 challenge, when the provider takes PKCE. */
  codeChallenge?: string | undefined;
}

/**
 * The consent page address (RFC 6749 §4.1.1): `response_type=code`, the client, the redirect URI,
 * the scopes joined with the provider's separator, `state`, the PKCE challenge, and the manifest's
 * extra parameters (which cannot replace any of these).
 */
export function buildConsentUrl(options: ConsentUrlOptions): string {
  const { settings } = options;
  const url = new URL(settings.authUrl);
  const params: Record<string, string> = {
    ...settings.authParams,
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scopes.join(settings.scopeSeparator),
    state: options.state,
    ...(options.codeChallenge ? { code_challenge: options.codeChallenge, code_challenge_method: 'S256' } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}
