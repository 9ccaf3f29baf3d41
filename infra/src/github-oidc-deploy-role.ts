import { DefaultStackSynthesizer, Duration } from 'aws-cdk-lib';
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
  /**
   * The qualifier the account was bootstrapped with (`cdk bootstrap --qualifier`); the role may
   * assume only that bootstrap's roles. @default `hnb659fds` (CDK's default qualifier)
   */
  bootstrapQualifier?: string;
}

/** The CDK bootstrap roles `cdk deploy` assumes: the deployment itself, asset uploads, and lookups (`cdk diff`). */
const BOOTSTRAP_ROLES = ['deploy-role', 'file-publishing-role', 'lookup-role'] as const;

/**
 * The GitHub Actions OIDC provider and a deploy role that only a workflow run on one branch of one
 * repository can assume (so no long-lived AWS key exists anywhere). The role may only assume the
 * deploy, file-publishing and lookup roles of one CDK bootstrap
 * (`cdk-<qualifier>-<kind>-<account>-<region>`, in this stack's account and region), which do the
 * actual deployment — not every role whose name starts with `cdk-`.
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
    const qualifier = props.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    // CDK's own rule for a qualifier: it is part of every bootstrap resource name.
    if (!/^[A-Za-z0-9_-]{1,10}$/.test(qualifier)) {
      throw new Error(`[life-stats] the bootstrap qualifier must be 1–10 letters, digits, _ or -, got "${qualifier}"`);
    }
    const stack = this.role.stack;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: BOOTSTRAP_ROLES.map((kind) =>
          stack.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: `cdk-${qualifier}-${kind}-${stack.account}-${stack.region}`,
          }),
        ),
      }),
    );
  }
}
