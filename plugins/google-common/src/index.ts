/**
 * `@life-stats/google-common`: what the life-stats Google plugins share — the OAuth session
 * (google-auth-library, refresh-token rotation written back, errors core acts on), the
 * `apiRootUrl`/`tokenUrl` config keys, and the `oauth` manifest field `life-stats auth` reads.
 */

/** Core's `Retry-After` parser, re-exported for the Google plugins' callers. */
export { parseRetryAfter } from '@life-stats/core';
export {
  GOOGLE_AUTH_URL,
  GOOGLE_TOKEN_URL,
  type GoogleEndpoints,
  type GoogleEndpointsConfig,
  googleConfigSchema,
  resolveGoogleEndpoints,
} from './google-config.js';
export {
  authCommand,
  createScrubber,
  type GoogleErrorContext,
  type GoogleErrorResponse,
  GoogleHttpError,
  readGoogleErrorResponse,
  type Scrubber,
  toGoogleError,
} from './google-errors.js';
export {
  createGoogleSession,
  type GoogleRequest,
  type GoogleSession,
  type GoogleSessionContext,
  type GoogleSessionOptions,
} from './google-session.js';
export { GOOGLE_SECRET_NAMES, googleOAuthManifest, type OAuthManifest } from './oauth-manifest.js';
