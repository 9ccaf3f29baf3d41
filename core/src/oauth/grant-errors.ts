import { formatError, LifeStatsError, ReconnectRequiredError } from '../errors.js';
import { authCommand } from '../plugins/connect-command.js';
import type { PluginSecrets } from '../plugins/types.js';
import type { OAuthSettings } from './settings.js';

/**
 * The errors of a user's grant that are not the token endpoint's answer: not connected yet, no
 * OAuth client stored, a scope missing, a rotated refresh token that could not be stored.
 */

const prefix = (settings: OAuthSettings) => `[life-stats] [plugin:${settings.pluginId}]`;

/** The user has no refresh token: `life-stats auth` has not run for them (or it was removed). */
export function notConnectedError(settings: OAuthSettings, userId: string): ReconnectRequiredError {
  const command = authCommand(settings.pluginId, userId);
  return new ReconnectRequiredError(
    `${prefix(settings)} user "${userId}" has not connected ${settings.provider} yet (no "${settings.secrets.refreshToken}" in namespace "${settings.namespace}"). Run \`${command}\`.`,
    { hint: `Run \`${command}\`.` },
  );
}

/** The OAuth client is not stored: names each missing shared secret and where it would live. */
export function missingClientError(settings: OAuthSettings, missing: string[], secrets: PluginSecrets): LifeStatsError {
  const { namespace } = settings;
  const names = missing.map((name) => `"${name}"`).join(' and ');
  const places = missing.map((name) => secrets.where(name)).join('; ');
  const commands = missing.map((name) => `\`life-stats secrets set ${namespace} ${name}\``).join(' and ');
  const plural = missing.length > 1;
  return new LifeStatsError(
    'E_SECRET_MISSING',
    `${prefix(settings)} the ${settings.provider} OAuth client is not configured: the shared secret${plural ? 's' : ''} ${names} of namespace "${namespace}" ${plural ? 'are' : 'is'} not set (${places}).`,
    {
      hint: `Register an OAuth app with ${settings.provider} (the plugin's README says how), then run ${commands}.`,
    },
  );
}

/** The grant lacks scopes the entry needs (a user unticked one, or a new data type needs more). */
export function missingScopeError(
  settings: OAuthSettings,
  userId: string,
  missing: readonly string[],
): ReconnectRequiredError {
  const command = authCommand(settings.pluginId, userId);
  return new ReconnectRequiredError(
    `${prefix(settings)} the ${settings.provider} grant of user "${userId}" lacks ${missing.length === 1 ? 'the scope' : 'the scopes'} ${missing.join(', ')} this entry needs. Run \`${command}\` and allow every requested access.`,
    { hint: `Run \`${command}\`.` },
  );
}

/**
 * The provider rotated the refresh token and the store refused the new one. The pair stops here:
 * the old token may already be dead, and using the new access token could kill it for good.
 */
export function rotationNotStoredError(
  settings: OAuthSettings,
  userId: string,
  where: string,
  cause: unknown,
): LifeStatsError {
  return new LifeStatsError(
    'E_OAUTH_ROTATION',
    `${prefix(settings)} ${settings.provider} issued a new refresh token for user "${userId}", and storing it (${where}) failed: ${formatError(cause)}\nNothing was fetched with it, and the old token may no longer work.`,
    {
      hint: `Fix the secret store, then run again (this process keeps the new token and stores it first). If a later run ends in \`reconnect\`, run \`${authCommand(settings.pluginId, userId)}\`.`,
      cause,
    },
  );
}
