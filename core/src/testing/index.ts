/**
 * `@life-stats/core/testing`: the conformance suites every adapter and plugin runs in one line,
 * and the helpers a plugin author needs (a fake `ctx`, a local fake HTTP server).
 * Needs `vitest` (an optional peer dependency of `@life-stats/core`).
 */
export {
  createPluginChecks,
  type DescribePluginOptions,
  describePlugin,
  type PluginChecks,
  type PluginTestServer,
} from './describe-plugin.js';
export {
  type CreateSecretStore,
  type DescribeSecretsOptions,
  describeSecrets,
  type SecretSeed,
} from './describe-secrets.js';
export {
  type CreateStorage,
  type DescribeStorageOptions,
  describeCursorRows,
  describeMetricRows,
  describeStorage,
  describeStorageLifecycle,
  type StorageFixture,
  useStorageFixture,
} from './describe-storage.js';
export {
  type FakeOAuthError,
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  type FakeOAuthRoute,
  type FakeTokenBody,
  startFakeOAuthProvider,
} from './fake-oauth-provider.js';
export {
  type FakeHandler,
  type FakeRequest,
  type FakeResponse,
  type FakeRoutes,
  type FakeServer,
  startFakeServer,
} from './fake-server.js';
export { createTestConfig, type TestConfigOptions, type TestEntry } from './test-config.js';
export {
  createTestContext,
  DEFAULT_TEST_USER,
  DEFAULT_TEST_WINDOW,
  type SecretWrite,
  type TestContext,
  type TestContextOptions,
} from './test-context.js';
