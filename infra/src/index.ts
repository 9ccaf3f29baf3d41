export {
  type BundleHandlerOptions,
  bundleHandler,
  generateEntry,
  HANDLER_BUILD_OPTIONS,
  type HandlerBundle,
  lazyBuiltins,
} from './bundle-handler.js';
export { ConnectFunction, type ConnectFunctionProps } from './connect-function.js';
export { type CreateAppOptions, createLifeStatsApp, type LifeStatsApp } from './create-app.js';
export { GITHUB_OIDC_HOST, GithubOidcDeployRole, type GithubOidcDeployRoleProps } from './github-oidc-deploy-role.js';
export { lambdaStubs } from './lambda-stubs.js';
export { DEFAULT_SSM_PREFIX, LifeStatsStack, type LifeStatsStackProps } from './life-stats-stack.js';
export { buildSplitAsset, type SplitAssetOptions } from './split-build.js';
