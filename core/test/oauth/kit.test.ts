import { acmePlugin, startFakeAcme } from '@life-stats/testing/fake-acme';
import { describePlugin } from '../../src/testing/describe-plugin.js';

/**
 * A third-party OAuth plugin runs the kit's conformance suite in one line against the kit's fake
 * OAuth provider: ctx.oauth refreshes for real, an abort mid-refresh rejects at once, and the OAuth
 * secrets count as declared.
 */
describePlugin(acmePlugin(), {
  server: () => startFakeAcme({ grants: { 'kit-refresh-token': undefined }, rotate: true }),
  config: (url) => ({ apiRootUrl: `${url}/`, authUrl: `${url}/oauth/authorize`, tokenUrl: `${url}/oauth/token` }),
  secrets: { client_id: 'fake-client-id', client_secret: 'fake-client-secret', token: 'kit-refresh-token' },
});
