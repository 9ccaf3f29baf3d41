import type { JsonSchema } from '@life-stats/core/plugin';

/** Google's OAuth 2.0 token endpoint: the default of every Google plugin's `tokenUrl`. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Google's OAuth 2.0 consent page, where `life-stats auth` sends the browser. */
export const GOOGLE_AUTH_URL = 'https://accounts.google.com/o/oauth2/v2/auth';

/**
 * The config keys every Google plugin takes (DESIGN.md "First-party plugins", a public contract).
 * They exist so a proxy or a local fake can stand in for Google.
 */
export interface GoogleEndpointsConfig {
  /** Origin of the API with a trailing slash, like the `googleapis` client's `rootUrl`. */
  apiRootUrl?: string;
  /** The OAuth token endpoint. @default {@link GOOGLE_TOKEN_URL} */
  tokenUrl?: string;
}

/** {@link GoogleEndpointsConfig} with the defaults applied and `apiRootUrl` ending in `/`. */
export interface GoogleEndpoints {
  apiRootUrl: string;
  tokenUrl: string;
}

const URL_PATTERN = '^https?://[^\\s]+$';

/**
 * The `configSchema` of a Google plugin: `apiRootUrl` (default: the API's own origin) and
 * `tokenUrl` (default: Google's token endpoint), nothing else.
 *
 * @param defaultApiRootUrl - the API's origin with a trailing slash, e.g. `https://fitness.googleapis.com/`.
 */
export function googleConfigSchema(defaultApiRootUrl: string): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      apiRootUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        default: defaultApiRootUrl,
        description:
          "Origin of the Google API with a trailing slash, like the googleapis client's rootUrl. Point it at a proxy or a local fake.",
      },
      tokenUrl: {
        type: 'string',
        pattern: URL_PATTERN,
        default: GOOGLE_TOKEN_URL,
        description: 'The OAuth 2.0 token endpoint. Point it at a proxy or a local fake.',
      },
    },
    additionalProperties: false,
  };
}

/**
 * Read the endpoints from an entry's config. Defaults are applied here too, so a plugin called
 * with a config core did not validate (a test, a script) still talks to Google.
 */
export function resolveGoogleEndpoints(
  config: GoogleEndpointsConfig | undefined,
  defaultApiRootUrl: string,
): GoogleEndpoints {
  const apiRootUrl = config?.apiRootUrl || defaultApiRootUrl;
  return {
    // Paths are appended to the root: without the slash `https://proxy/google` + `v4/…` would lose a segment.
    apiRootUrl: apiRootUrl.endsWith('/') ? apiRootUrl : `${apiRootUrl}/`,
    tokenUrl: config?.tokenUrl || GOOGLE_TOKEN_URL,
  };
}
