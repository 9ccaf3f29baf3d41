import { formatError } from '../errors.js';
import { completeConsent } from '../oauth/consent.js';
import { consentScopes } from '../oauth/consent-scopes.js';
import { sameText } from '../oauth/pkce.js';
import { answers } from './answers.js';
import { connectUrls, digest, findConnectTarget } from './connect-plugin.js';
import { type ConnectContext, claimKey, stateCookie, stateCookieName } from './context.js';
import { cookieValue, type FunctionUrlEvent, type FunctionUrlResult } from './function-url.js';
import { openState } from './sealed-state.js';

/**
 * `GET /callback?code=…&state=…` (or `error=…`): the provider sent the browser back. Checked in this
 * order, each refusal storing nothing: the cookie `/start` set in this browser (RFC 6749 §10.12: a
 * callback from another browser, a forged one, has none), its seal, the `state` it holds against the
 * one returned (constant time), its 15 minutes, the user's answer, this state not seen before (a
 * conditional write: a replay is refused before it reaches the provider), and the link not used
 * meanwhile. Then the code is exchanged through core's OAuth — the scopes, adapters and checks of
 * `life-stats auth` — the link is claimed, and the refresh token is stored as the user's secret
 * exactly where `life-stats auth` stores it.
 */
export async function handleCallback(
  ctx: ConnectContext,
  event: FunctionUrlEvent,
  query: URLSearchParams,
): Promise<FunctionUrlResult> {
  const state = query.get('state') ?? '';
  ctx.redactor.add(state);
  ctx.redactor.add(query.get('code') ?? undefined);
  if (!state) return answers.notStarted();
  const stateDigest = digest(state);
  const cookieName = stateCookieName(stateDigest);
  const sealed = cookieValue(event, cookieName);
  if (!sealed) {
    ctx.log.warn('refused a callback without the cookie of its consent (another browser, or a forged request)');
    return answers.otherBrowser();
  }
  ctx.redactor.add(sealed);
  const clear = [stateCookie(cookieName, '', 0)];
  const key = await ctx.signingKey();
  const consent = key === undefined ? undefined : openState(key, sealed);
  if (!consent || !sameText(consent.state, state)) {
    ctx.log.warn(
      'refused a callback whose cookie does not open or does not hold its state (altered, or the key was rotated)',
    );
    return answers.notStarted(clear);
  }
  ctx.redactor.add(consent.codeVerifier);
  const log = ctx.log.child({ plugin: consent.plugin, user: consent.user });
  if (consent.expiresAt <= ctx.now()) {
    log.info('refused a callback that came back after its consent expired');
    return answers.tooSlow(clear);
  }
  const target = findConnectTarget(ctx.config, consent.plugin);
  if ('problem' in target) {
    log.warn('refused a callback: its plugin is no longer enabled with OAuth in the config');
    return answers.invalidLink();
  }
  const { settings, entry } = target;
  const provider = settings.provider;
  if (query.get('error')) {
    // Never echoed: the provider's text is not ours to show, and the user knows what they clicked.
    log.info('the user did not allow access', { error: query.get('error')?.slice(0, 64) });
    return query.get('error') === 'access_denied'
      ? answers.denied(provider, clear)
      : answers.providerRefused(provider, clear);
  }
  const now = ctx.now();
  if (!(await ctx.ledger.claim(claimKey.state(stateDigest), consent.expiresAt, now))) {
    log.warn('refused a callback whose state came back before (a replay)');
    return answers.alreadyFinished();
  }
  if (await ctx.ledger.isClaimed(claimKey.link(consent.linkId), now)) {
    log.info('refused a callback of a link that was used meanwhile');
    return answers.usedLink();
  }
  const clientId = await ctx.secrets.get(settings.namespace, settings.secrets.clientId);
  const clientSecret =
    settings.clientAuth === 'none'
      ? undefined
      : await ctx.secrets.get(settings.namespace, settings.secrets.clientSecret);
  ctx.redactor.add(clientSecret);
  if (!clientId || (settings.clientAuth !== 'none' && !clientSecret)) {
    log.error(`the OAuth client of ${settings.pluginId} is not set, so the code cannot be exchanged`);
    return answers.notReady();
  }
  let refreshToken: string;
  try {
    ({ refreshToken } = await completeConsent({
      settings,
      client: { clientId, clientSecret },
      redirectUri: connectUrls(ctx.baseUrl).callback,
      scopes: consentScopes(ctx.config, entry.loaded.plugin.id),
      callback: query,
      state: consent.state,
      codeVerifier: consent.codeVerifier,
      signal: AbortSignal.timeout(ctx.exchangeTimeoutMs),
      redactor: ctx.redactor,
    }));
  } catch (error) {
    log.warn(`${provider} did not complete the code exchange: ${ctx.redactor.redact(formatError(error))}`);
    return answers.providerRefused(provider, clear);
  }
  ctx.redactor.add(refreshToken);
  const linkClaim = claimKey.link(consent.linkId);
  if (!(await ctx.ledger.claim(linkClaim, Math.max(consent.linkExpiresAt, now + 60_000), now))) {
    log.warn('refused a callback: another browser finished the same link first; this grant was not stored');
    return answers.usedLink();
  }
  const names = settings.secrets;
  try {
    await ctx.secrets.set(settings.namespace, names.refreshToken, refreshToken, consent.user);
  } catch (error) {
    log.error(`could not store the refresh token: ${ctx.redactor.redact(formatError(error))}`);
    // The link was not used up: the user can open it again once the store works.
    await ctx.ledger.release(linkClaim).catch(() => undefined);
    return answers.failed(clear);
  }
  log.info(
    `connected: stored the refresh token (${ctx.secrets.where(settings.namespace, names.refreshToken, consent.user)})`,
  );
  return answers.connected(provider, consent.user);
}
