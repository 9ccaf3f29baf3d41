/**
 * The one OAuth 2.0 library of core, `oauth4webapi` (RFC 6749, 7636, 8252 checks; no dependencies;
 * WebCrypto and fetch only). Loaded on first use: a run without an OAuth entry never imports it.
 */
export type OAuthLibrary = typeof import('oauth4webapi');

let loading: Promise<OAuthLibrary> | undefined;

/** Import `oauth4webapi` once per process. */
export function loadOAuthLibrary(): Promise<OAuthLibrary> {
  loading ??= import('oauth4webapi').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/** Is `url` on this machine (a local fake, an SSH tunnel)? Only those may be plain HTTP. */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK.test(url.hostname);
}
