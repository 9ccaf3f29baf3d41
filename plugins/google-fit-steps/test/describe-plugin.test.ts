import { describePlugin } from '@life-stats/core/testing';
import { startFakeGoogle } from '@life-stats/testing/fake-google';
import plugin from '../src/index.js';

// The kit's sample window is 2026-11-18..2026-11-25; the fake has steps on two of its days.
describePlugin(plugin, {
  server: () =>
    startFakeGoogle({
      steps: [
        { at: '2026-11-20T12:00:00Z', steps: 4321 },
        { at: '2026-11-24T08:00:00Z', steps: 99 },
      ],
    }),
  config: (url) => ({ apiRootUrl: `${url}/`, tokenUrl: `${url}/token` }),
  secrets: {
    client_id: 'fake-client-id.apps.googleusercontent.com',
    client_secret: 'fake-client-secret-GOCSPX',
    token: '1//fake-refresh-token',
  },
});
