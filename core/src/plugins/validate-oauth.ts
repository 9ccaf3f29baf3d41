/**
 * The `oauth` manifest field's checks (see `oauth/types.ts` for the shape). Every problem is
 * collected with its path, like the rest of the manifest's.
 */
import { isRecord } from '../util/is-record.js';

const SECRET_NAME_RE = /^[a-z][a-z0-9_]*$/;
const CLIENT_AUTH = ['client_secret_post', 'client_secret_basic', 'none'];
/** Consent parameters core sets itself; a manifest may not replace them. */
const RESERVED_AUTH_PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
];
const RESERVED_TOKEN_PARAMS = [
  'grant_type',
  'code',
  'refresh_token',
  'redirect_uri',
  'code_verifier',
  'client_id',
  'client_secret',
];

type Problems = string[];

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function checkUrl(problems: Problems, path: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') {
    problems.push(`${path}: must be an absolute http(s) URL, got ${kind(value)}`);
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push(`${path}: must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
}

function checkParams(problems: Problems, path: string, value: unknown, reserved: readonly string[]): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    problems.push(`${path}: must be an object of string parameters, got ${kind(value)}`);
    return;
  }
  for (const [name, param] of Object.entries(value)) {
    if (typeof param !== 'string') problems.push(`${path}.${name}: must be a string, got ${kind(param)}`);
    if (reserved.includes(name)) problems.push(`${path}.${name}: is set by core and cannot be declared`);
  }
}

function checkScopes(problems: Problems, scopes: unknown): void {
  if (typeof scopes === 'function') return;
  if (!Array.isArray(scopes)) {
    problems.push(`oauth.scopes: must be an array of scopes or a function (config) => scopes, got ${kind(scopes)}`);
    return;
  }
  scopes.forEach((scope, i) => {
    if (typeof scope !== 'string' || scope.trim() === '' || /\s/.test(scope))
      problems.push(`oauth.scopes[${i}]: must be a scope without white space, got ${JSON.stringify(scope)}`);
  });
}

function checkSecretNames(problems: Problems, secrets: unknown): void {
  if (secrets === undefined) return;
  if (!isRecord(secrets)) {
    problems.push(`oauth.secrets: must be an object { clientId?, clientSecret?, refreshToken? }, got ${kind(secrets)}`);
    return;
  }
  for (const key of ['clientId', 'clientSecret', 'refreshToken']) {
    const name = secrets[key];
    if (name !== undefined && (typeof name !== 'string' || !SECRET_NAME_RE.test(name)))
      problems.push(
        `oauth.secrets.${key}: must be a secret name matching ${SECRET_NAME_RE}, got ${JSON.stringify(name)}`,
      );
  }
}

function checkConfigKeys(problems: Problems, keys: unknown): void {
  if (keys === undefined) return;
  if (!isRecord(keys)) {
    problems.push(`oauth.configKeys: must be an object { authUrl?, tokenUrl? }, got ${kind(keys)}`);
    return;
  }
  for (const key of ['authUrl', 'tokenUrl']) {
    const value = keys[key];
    if (value !== undefined && value !== false && (typeof value !== 'string' || value === ''))
      problems.push(`oauth.configKeys.${key}: must be a config key or false, got ${JSON.stringify(value)}`);
  }
}

function checkAdapter(problems: Problems, adapter: unknown): void {
  if (adapter === undefined) return;
  if (!isRecord(adapter)) {
    problems.push(`oauth.adapter: must be an object { tokenResponse?, isUnauthorized? }, got ${kind(adapter)}`);
    return;
  }
  for (const hook of ['tokenResponse', 'isUnauthorized']) {
    if (adapter[hook] !== undefined && typeof adapter[hook] !== 'function')
      problems.push(`oauth.adapter.${hook}: must be a function, got ${kind(adapter[hook])}`);
  }
}

/** Push every problem of a manifest's `oauth` field. */
export function checkOAuth(problems: Problems, oauth: unknown): void {
  if (oauth === undefined) return;
  if (!isRecord(oauth)) {
    problems.push(`oauth: must be an object { provider, authUrl, tokenUrl, scopes, … }, got ${kind(oauth)}`);
    return;
  }
  if (typeof oauth.provider !== 'string' || oauth.provider.trim() === '')
    problems.push(`oauth.provider: must be the provider's name, e.g. 'Oura', got ${kind(oauth.provider)}`);
  // A function of the entry config is checked when called (a URL that does not parse is refused then).
  if (typeof oauth.authUrl !== 'function') checkUrl(problems, 'oauth.authUrl', oauth.authUrl, true);
  if (typeof oauth.tokenUrl !== 'function') checkUrl(problems, 'oauth.tokenUrl', oauth.tokenUrl, true);
  checkUrl(problems, 'oauth.permissionsUrl', oauth.permissionsUrl, false);
  checkConfigKeys(problems, oauth.configKeys);
  if (oauth.tokenUrlConfigKey !== undefined && typeof oauth.tokenUrlConfigKey !== 'string')
    problems.push(`oauth.tokenUrlConfigKey: must be a config key, got ${kind(oauth.tokenUrlConfigKey)}`);
  checkScopes(problems, oauth.scopes);
  if (oauth.scopeSeparator !== undefined && (typeof oauth.scopeSeparator !== 'string' || oauth.scopeSeparator === ''))
    problems.push(
      `oauth.scopeSeparator: must be a non-empty string such as ' ' or ',', got ${JSON.stringify(oauth.scopeSeparator)}`,
    );
  if (oauth.pkce !== undefined && typeof oauth.pkce !== 'boolean')
    problems.push(`oauth.pkce: must be true or false, got ${kind(oauth.pkce)}`);
  if (oauth.clientAuth !== undefined && !CLIENT_AUTH.includes(oauth.clientAuth as string))
    problems.push(
      `oauth.clientAuth: must be one of ${CLIENT_AUTH.join(', ')}, got ${JSON.stringify(oauth.clientAuth)}`,
    );
  checkParams(problems, 'oauth.authParams', oauth.authParams, RESERVED_AUTH_PARAMS);
  checkParams(problems, 'oauth.tokenParams', oauth.tokenParams, RESERVED_TOKEN_PARAMS);
  checkSecretNames(problems, oauth.secrets);
  checkAdapter(problems, oauth.adapter);
}
