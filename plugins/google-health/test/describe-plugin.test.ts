import { describePlugin } from '@life-stats/core/testing';
import plugin, { DATA_TYPE_NAMES } from '../src/index.js';
import { REFRESH, startSampleGoogle } from './support.js';

// The kit's suite once per data type: the sample week holds a value of each (test/support.ts).
for (const dataType of DATA_TYPE_NAMES) {
  describePlugin(plugin, {
    server: () => startSampleGoogle(),
    config: (url) => ({ dataType, apiRootUrl: `${url}/`, tokenUrl: `${url}/token` }),
    secrets: {
      client_id: 'fake-client-id.apps.googleusercontent.com',
      client_secret: 'fake-client-secret-GOCSPX',
      token: REFRESH,
    },
  });
}
