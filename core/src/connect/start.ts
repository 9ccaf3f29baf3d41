import { startConsent } from '../oauth/consent.js';
import { consentScopes } from '../oauth/consent-scopes.js';
import { answers, CONSENT_MINUTES } from './answers.js';
import { connectUrls, digest, findConnectTarget } from './connect-plugin.js';
import { type ConnectContext, claimKey, stateCookie, stateCookieName } from './context.js';
import type { FunctionUrlResult } from './function-url.js';
import { verifyLinkToken } from './link-token.js';
import { sealState } from './sealed-state.js';

/**
 * `GET /start?t=<link token>`: check the link (signature in constant time, expiry, plugin, not used
 * yet), start the consent, seal its state and PKCE verifier into an `HttpOnly` cookie, and send the
 * browser to the provider with the redirect URI `<baseUrl>callback`. Opening a link does not use it
 * up (a mail scanner may open it first); finishing the consent does.
 */
export async function handleStart(ctx: ConnectContext, query: URLSearchParams): Promise<FunctionUrlResult> {
  const token = query.get('t') ?? '';
  ctx.redactor.add(token);
  const key = await ctx.signingKey();
  if (key === undefined) {
    ctx.log.error('a link was opened, but the secret store has no connect signing key: no link can be valid', {
      hint: 'Make a link with `life-stats connect-link` against the same secret store (it creates the key).',
    });
    return answers.invalidLink();
  }
  const verified = verifyLinkToken(key, token, ctx.now());
  if (!verified.ok) {
    ctx.log.warn('refused a link', { reason: verified.reason });
    return verified.reason === 'expired' ? answers.expiredLink() : answers.invalidLink();
  }
  const { claims } = verified;
  const log = ctx.log.child({ plugin: claims.plugin, user: claims.user });
  const target = findConnectTarget(ctx.config, claims.plugin);
  if ('problem' in target) {
    log.warn('refused a link: its plugin is no longer enabled with OAuth in the config', { reason: target.problem });
    return answers.invalidLink();
  }
  if (await ctx.ledger.isClaimed(claimKey.link(claims.linkId), ctx.now())) {
    log.info('refused a link that was already used');
    return answers.usedLink();
  }
  const { settings } = target;
  const clientId = await ctx.secrets.get(settings.namespace, settings.secrets.clientId);
  if (!clientId) {
    log.error(`the OAuth client of ${settings.pluginId} is not set, so no consent can start`, {
      hint: `life-stats secrets set ${settings.namespace} ${settings.secrets.clientId} (and ${settings.secrets.clientSecret})`,
    });
    return answers.notReady();
  }
  const started = await startConsent({
    settings,
    clientId,
    redirectUri: connectUrls(ctx.baseUrl).callback,
    scopes: consentScopes(ctx.config, settings.pluginId),
  });
  ctx.redactor.add(started.state);
  ctx.redactor.add(started.codeVerifier);
  const sealed = sealState(key, {
    plugin: claims.plugin,
    user: claims.user,
    linkId: claims.linkId,
    linkExpiresAt: claims.expiresAt,
    state: started.state,
    codeVerifier: started.codeVerifier,
    expiresAt: ctx.now() + CONSENT_MINUTES * 60_000,
  });
  ctx.redactor.add(sealed);
  log.info(`link opened: sending the browser to ${settings.provider}'s consent`);
  const cookie = stateCookie(stateCookieName(digest(started.state)), sealed, CONSENT_MINUTES * 60);
  return answers.redirectToConsent(started.url, cookie);
}
