import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** GitHub's OIDC issuer host. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** Props of {@link GithubOidcDeployRole}. */
export interface GithubOidcDeployRoleProps {
  /** `owner/repo` allowed to deploy. */
  repository: string;
  /** The only branch allowed to deploy. @default `main` */
  branch?: string;
  /**
   * The ARN of the account's existing GitHub provider (there can be only one per issuer).
   * @default a new `token.actions.githubusercontent.com` provider
   */
  providerArn?: string;
  /** @default `life-stats-github-deploy` */
  roleName?: string;
}

/**
 * The GitHub Actions OIDC provider and a deploy role that only a workflow run on one branch of one
 * repository can assume (so no long-lived AWS key exists anywhere). The role may only assume the
 * CDK bootstrap roles (`cdk-*`), which do the actual deployment.
 */
export class GithubOidcDeployRole extends Construct {
  /** The provider's ARN (created here, or the one given). */
  readonly providerArn: string;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GithubOidcDeployRoleProps) {
    super(scope, id);
    if (!/^[\w.-]+\/[\w.-]+$/.test(props.repository)) {
      throw new Error(`[life-stats] githubRepo must be "owner/repo", got "${props.repository}"`);
    }
    const branch = props.branch ?? 'main';
    this.providerArn =
      props.providerArn ??
      new iam.OidcProviderNative(this, 'Provider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: ['sts.amazonaws.com'],
      }).oidcProviderArn;
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName ?? 'life-stats-github-deploy',
      description: `Deploys life-stats from ${props.repository}@${branch} (GitHub Actions OIDC)`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(this.providerArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC_HOST}:sub`]: `repo:${props.repository}:ref:refs/heads/${branch}`,
        },
      }),
    });
    const stack = this.role.stack;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'cdk-*' })],
      }),
    );
  }
}
