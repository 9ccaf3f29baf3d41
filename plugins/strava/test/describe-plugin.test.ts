import { describePlugin } from '@life-stats/core/testing';
import plugin, { DATA_TYPE_NAMES } from '../src/index.js';
import { REFRESH, startSampleStrava } from './support.js';

// The kit's suite once per data type: the sample week holds activities of each (test/support.ts).
for (const dataType of DATA_TYPE_NAMES) {
  describePlugin(plugin, {
    server: () => startSampleStrava(),
    config: (url) => ({
      dataType,
      apiRootUrl: `${url}/`,
      authUrl: `${url}/oauth/authorize`,
      tokenUrl: `${url}/oauth/token`,
    }),
    secrets: { client_id: 'fake-client-id', client_secret: 'fake-client-secret', token: REFRESH },
  });
}
