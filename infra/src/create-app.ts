import { join } from 'node:path';
import type { LoadedConfig } from '@life-stats/core';
import { loadConfig } from '@life-stats/core';
import { App, CfnOutput, type Environment, Stack, Tags } from 'aws-cdk-lib';
import { bundleHandler, type HandlerBundle } from './bundle-handler.js';
import { GithubOidcDeployRole } from './github-oidc-deploy-role.js';
import { LifeStatsStack } from './life-stats-stack.js';

/** The context key of the CDK bootstrap qualifier (CDK's own, read by the default synthesizer too). */
const BOOTSTRAP_QUALIFIER_CONTEXT = '@aws-cdk/core:bootstrapQualifier';

/** Options of {@link createLifeStatsApp}. */
export interface CreateAppOptions {
  /** The CDK app. @default a new `App` (output: `CDK_OUTDIR`, else a temp folder) */
  app?: App;
  /** The config file. @default `LIFE_STATS_CONFIG`, else a search from `cwd` */
  configPath?: string;
  /** Where the config search starts. @default process.cwd() */
  cwd?: string;
  /** Environment for the config's `LIFE_STATS_*` overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** What {@link createLifeStatsApp} built. */
export interface LifeStatsApp {
  app: App;
  config: LoadedConfig;
  bundle: HandlerBundle;
  stack: LifeStatsStack;
  /** Present when the context has `githubRepo`. */
  oidcStack?: Stack;
}

/**
 * The life-stats CDK app: load the config through core's loader (plugins included), bundle the
 * handler into `<outdir>/.build`, and add the `LifeStats` stack and, with context `githubRepo`, the
 * `LifeStatsGithubOidc` stack. Context keys: `stackName`, `alarmEmail`, `ssmPrefix`,
 * `githubRepo` (`owner/repo`), `githubBranch` (default `main`), `githubOidcProviderArn` (reuse an
 * existing provider), `@aws-cdk/core:bootstrapQualifier` (the account's bootstrap qualifier,
 * default `hnb659fds`: the deploy role may assume only that bootstrap's roles). Without `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` the stacks are
 * environment-agnostic, so synthesis needs no AWS account and no network.
 */
export async function createLifeStatsApp(options: CreateAppOptions = {}): Promise<LifeStatsApp> {
  const app = options.app ?? new App();
  const env = options.env ?? process.env;
  const config = await loadConfig({
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env,
  });
  const bundle = await bundleHandler({ config, outDir: join(app.outdir, '.build', 'handler') });

  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  const stackEnv: Environment | undefined = account && region ? { account, region } : undefined;

  const alarmEmail = context('alarmEmail');
  const ssmPrefix = context('ssmPrefix');
  const stack = new LifeStatsStack(app, 'LifeStats', {
    stackName: context('stackName') ?? 'life-stats',
    description: 'life-stats: tables, the collector Lambda and one schedule per enabled plugin entry',
    ...(stackEnv ? { env: stackEnv } : {}),
    config,
    handlerAssetDir: bundle.assetDir,
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(ssmPrefix ? { ssmPrefix } : {}),
  });
  Tags.of(stack).add('app', 'life-stats');

  const githubRepo = context('githubRepo');
  let oidcStack: LifeStatsApp['oidcStack'];
  if (githubRepo) {
    oidcStack = new Stack(app, 'LifeStatsGithubOidc', {
      stackName: 'life-stats-github-oidc',
      description: 'life-stats: GitHub Actions OIDC provider and deploy role',
      ...(stackEnv ? { env: stackEnv } : {}),
    });
    const providerArn = context('githubOidcProviderArn');
    const branch = context('githubBranch');
    // CDK's own context key: the stacks' synthesizer reads the same qualifier.
    const bootstrapQualifier = context(BOOTSTRAP_QUALIFIER_CONTEXT);
    const deploy = new GithubOidcDeployRole(oidcStack, 'GithubDeploy', {
      repository: githubRepo,
      ...(branch ? { branch } : {}),
      ...(providerArn ? { providerArn } : {}),
      ...(bootstrapQualifier ? { bootstrapQualifier } : {}),
    });
    new CfnOutput(oidcStack, 'DeployRoleArn', {
      value: deploy.role.roleArn,
      description: 'role-to-assume for .github/workflows/deploy.yml (repository variable AWS_DEPLOY_ROLE_ARN)',
    });
  }
  return { app, config, bundle, stack, ...(oidcStack ? { oidcStack } : {}) };
}
