import type { Plugin } from 'esbuild';

/**
 * Modules the function can never run, replaced by small stand-ins when bundling: about a fifth of
 * the asset (docs/performance.md, "Lambda bundle").
 *
 * - The AWS SDK's credential providers for a developer's machine — SSO, `~/.aws` profiles,
 *   `credential_process`, web identity — and the STS/SSO clients they bring (`nested-clients`). A
 *   Lambda function gets its role's credentials in its environment, the first link of the SDK's
 *   default chain; these links are tried after it and now step aside with the SDK's own "try the
 *   next link" error, so the chain still ends at the container and instance metadata providers.
 * - `bowser`, which the SDK imports only to read a browser's user agent.
 * - `oauth4webapi`, when no enabled entry's plugin declares `oauth` (core imports it on first use
 *   by an OAuth plugin only).
 */
export function lambdaStubs(options: { oauth: boolean }): Plugin {
  const stubs: Record<string, string> = {
    '@aws-sdk/credential-provider-sso': nextLink('fromSSO'),
    '@aws-sdk/credential-provider-ini': nextLink('fromIni'),
    '@aws-sdk/credential-provider-process': nextLink('fromProcess'),
    '@aws-sdk/credential-provider-web-identity': nextLink('fromTokenFile', 'fromWebToken'),
    bowser:
      'export function parse() { throw new Error("[life-stats] bowser is not in the Lambda bundle"); }\nexport default { parse };\n',
    ...(options.oauth
      ? {}
      : {
          oauth4webapi:
            'throw new Error("[life-stats] the Lambda bundle carries no OAuth library: no enabled plugin declared oauth when it was built");\n',
        }),
  };
  const filter = new RegExp(`^(?:${Object.keys(stubs).map(escapeRegExp).join('|')})$`);
  return {
    name: 'life-stats-lambda-stubs',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'life-stats-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'life-stats-stub' }, (args) => ({
        contents: stubs[args.path] ?? '',
        loader: 'js',
      }));
    },
  };
}

/** A credential provider module whose providers defer to the next link of the SDK's chain. */
function nextLink(...names: string[]): string {
  const provider =
    '() => async () => { const error = new Error("[life-stats] not in the Lambda bundle: the function uses its role\'s credentials"); error.name = "CredentialsProviderError"; error.tryNextLink = true; throw error; }';
  return `${names.map((name) => `export const ${name} = ${provider};`).join('\n')}\n`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
