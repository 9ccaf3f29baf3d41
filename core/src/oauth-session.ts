/**
 * `@life-stats/core/oauth`: what a plugin that runs its own OAuth session needs at run time (the
 * Google plugins' `googleapis` client takes an access token from it) — the session over the
 * entry's `ctx.secrets`, the grant's stored secrets, the resolved endpoints and scopes, and the
 * redactor that learns every token. Everything here is also exported by the index; importing it
 * instead spares a plugin's process the rest of the index.
 *
 * Published bundled (`dist/oauth-session.bundle.js`, core/scripts/bundle.mjs) like the CLI: its
 * functions are copies of the index's, but the modules with state or classes (the token cache, the
 * error classes) stay outside every bundle, so a plugin and the CLI share one token cache and one
 * class of every error.
 */

export { createRedactor, type Redactor } from './log/redact.js';
export { createOAuthSession, type OAuthSessionOptions, readGrantSecrets } from './oauth/session.js';
export { entryScopes, type OAuthSettings, resolveOAuthSettings } from './oauth/settings.js';
