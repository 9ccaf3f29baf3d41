/**
 * `@life-stats/google-common`: what the life-stats Google plugins share — a session on core's
 * OAuth (`ctx.oauth`: refresh, cache, rotation written back, reconnect), Google API errors turned
 * into what core acts on, the `apiRootUrl`/`tokenUrl` config keys, and the `oauth` manifest field.
 */

/** Core's `Retry-After` parser, re-exported for the Google plugins' callers. */
export { parseRetryAfter } from '@life-stats/core/plugin';
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
  type GoogleErrorContext,
  type GoogleErrorResponse,
  GoogleHttpError,
  googleApiError,
  readGoogleErrorResponse,
  toGoogleError,
  unreachableGoogleError,
} from './google-errors.js';
export {
  createGoogleSession,
  type GoogleRequest,
  type GoogleSession,
  type GoogleSessionContext,
  type GoogleSessionOptions,
  notJsonError,
} from './google-session.js';
export { GOOGLE_SECRET_NAMES, googleOAuthManifest, type OAuthManifest } from './oauth-manifest.js';
