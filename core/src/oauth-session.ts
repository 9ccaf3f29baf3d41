/**
 * `@life-stats/core/oauth`: what a plugin that runs its own OAuth session needs at run time (the
 * Google plugins' `googleapis` client takes an access token from it) — the session over the
 * entry's `ctx.secrets`, the grant's stored secrets, the resolved endpoints and scopes, and the
 * redactor that learns every token. Everything here is also exported by the index, the same
 * objects; importing it instead spares a plugin's process the rest of the index.
 *
 * The CLI's bundle (core/scripts/bundle-cli.mjs) keeps the modules of this entry and of
 * `@life-stats/core/plugin` outside itself, so a plugin and the CLI share one token cache (a
 * rotated refresh token is never lost between two copies) and one class of every error.
 */

export { createRedactor, type Redactor } from './log/redact.js';
export { createOAuthSession, type OAuthSessionOptions, readGrantSecrets } from './oauth/session.js';
export { entryScopes, type OAuthSettings, resolveOAuthSettings } from './oauth/settings.js';
