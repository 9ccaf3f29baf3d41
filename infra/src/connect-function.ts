import { type LoadedConfig, resolveOAuthSettings } from '@life-stats/core';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './acknowledge.js';

/** The runs table's partition of the connect links' single-use records (core's `connect/ledger-dynamodb.ts`). */
const LEDGER_PARTITION = '#connect';

/** Props of {@link ConnectFunction}. */
export interface ConnectFunctionProps {
  config: LoadedConfig;
  /** The bundled handler folder: the same asset as the collector, handler `index.connect`. */
  handlerAssetDir: string;
  /** The collector, whose runtime the connect function shares. */
  collector: lambda.Function;
  metricsTable: dynamodb.ITable;
  runsTable: dynamodb.ITable;
  /** The SSM prefix, without a trailing slash (`/life-stats`). */
  ssmPrefix: string;
  /** @default one month */
  logRetention?: logs.RetentionDays;
}

/**
 * The connect function of connect links (DESIGN.md "Connect links"): the collector's bundle with
 * handler `index.connect`, a function URL without IAM auth (the signed link is the credential), its
 * own log group, and a role that can read only the signing key and the OAuth clients of the enabled
 * OAuth plugins, write only those plugins' user refresh tokens, and touch only the `#connect`
 * partition of the runs table. Outputs: `ConnectUrl` (put it in `connect.baseUrl`) and
 * `ConnectRedirectUri` (register it with each provider).
 */
export class ConnectFunction extends Construct {
  readonly function: lambda.Function;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ConnectFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "life-stats connect links: the signing key, the OAuth clients, the users' tokens, its log group",
    });
    this.function = new lambda.Function(this, 'Handler', {
      role,
      description: 'life-stats: connect links (users connect their accounts from a browser)',
      runtime: props.collector.runtime,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(props.handlerAssetDir),
      handler: 'index.connect',
      memorySize: 256,
      // A consent's code exchange waits on the provider's token endpoint (core gives it 20 s).
      timeout: Duration.seconds(30),
      logGroup,
      environment: {
        LIFE_STATS_STORAGE: 'dynamodb',
        LIFE_STATS_METRICS_TABLE: props.metricsTable.tableName,
        LIFE_STATS_RUNS_TABLE: props.runsTable.tableName,
        LIFE_STATS_SECRETS: 'ssm',
        LIFE_STATS_SSM_PREFIX: props.ssmPrefix,
        POWERTOOLS_SERVICE_NAME: 'life-stats',
        // No NODE_OPTIONS=--enable-source-maps: the asset ships no source map (issue 17 item 17: a
        // map would triple the asset, and the flag alone only slows every stack trace).
      },
    });
    // No IAM auth: whoever holds a link may open it; the link's signature, the state cookie and the
    // single-use record are what make a request count.
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    const parameter = (name: string) =>
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${props.ssmPrefix.slice(1)}/${name}` });
    const oauth = oauthNamespaces(props.config);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadKeyAndClients',
        actions: ['ssm:GetParameter'],
        resources: [
          parameter('connect/signing_key'),
          ...oauth.flatMap(({ namespace, clientId, clientSecret }) => [
            parameter(`${namespace}/${clientId}`),
            ...(clientSecret ? [parameter(`${namespace}/${clientSecret}`)] : []),
          ]),
        ],
      }),
    );
    if (oauth.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteUserTokens',
          actions: ['ssm:PutParameter'],
          resources: oauth.map(({ namespace, refreshToken }) => parameter(`${namespace}/*/${refreshToken}`)),
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SecretsKey',
        actions: ['kms:Decrypt', 'kms:Encrypt'],
        resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SingleUseRecord',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [props.runsTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [LEDGER_PARTITION] } },
      }),
    );
    for (const { namespace, refreshToken } of oauth) {
      acknowledgeWildcardResource(
        role,
        parameter(`${namespace}/*/${refreshToken}`),
        "One wildcard per OAuth namespace: the function stores the refresh token of whichever user opens a link, and only that secret name under that namespace's users.",
      );
    }
    acknowledgeWildcardResource(
      role,
      stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' }),
      'SecureString parameters use whichever KMS key the operator chose; the grant only works through SSM (kms:ViaService).',
    );

    new CfnOutput(stack, 'ConnectUrl', {
      value: this.url.url,
      description: 'Put it in the config as connect.baseUrl, then make links with life-stats connect-link',
    });
    new CfnOutput(stack, 'ConnectRedirectUri', {
      value: Fn.join('', [this.url.url, 'callback']),
      description: 'The redirect URI to register with each OAuth provider (with connect.baseUrl set to ConnectUrl)',
    });
  }
}

/** The secrets namespace and names of every enabled OAuth plugin, once per namespace and names. */
function oauthNamespaces(
  config: LoadedConfig,
): { namespace: string; clientId: string; clientSecret: string | undefined; refreshToken: string }[] {
  const found = new Map<
    string,
    { namespace: string; clientId: string; clientSecret: string | undefined; refreshToken: string }
  >();
  for (const entry of config.plugins) {
    const plugin = entry.enabled ? entry.loaded?.plugin : undefined;
    if (!plugin?.oauth) continue;
    const settings = resolveOAuthSettings(plugin, entry.config);
    const names = {
      namespace: settings.namespace,
      clientId: settings.secrets.clientId,
      clientSecret: settings.clientAuth === 'none' ? undefined : settings.secrets.clientSecret,
      refreshToken: settings.secrets.refreshToken,
    };
    found.set(JSON.stringify(names), names);
  }
  return [...found.values()];
}
