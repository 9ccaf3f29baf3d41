// Over 300 lines: one stack, its constructor and one short method per resource group (tables,
// function, schedules, alarms, IAM, outputs) that share the stack's private fields; the fan-out and
// connect resources already live in constructs of their own (fan-out.ts, connect-function.ts).
import { type LoadedConfig, STORE_DEFAULTS } from '@life-stats/core';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './acknowledge.js';
import { ConnectFunction } from './connect-function.js';
import { FanOut } from './fan-out.js';

/** The SSM prefix when the config does not use SSM (the Lambda always does). */
export const DEFAULT_SSM_PREFIX = STORE_DEFAULTS.ssmPrefix;

/** Props of {@link LifeStatsStack}. */
export interface LifeStatsStackProps extends StackProps {
  /** The loaded config (with plugins): its enabled entries get one schedule each. */
  config: LoadedConfig;
  /** The bundled handler folder (`index.mjs`), from `bundleHandler`. */
  handlerAssetDir: string;
  /** SSM parameter prefix of the secrets. @default the config's `secrets.prefix`, else `/life-stats` */
  ssmPrefix?: string;
  /** Table names. @default `life-stats-metrics` and `life-stats-runs` (the seed's) */
  metricsTableName?: string;
  runsTableName?: string;
  /** An e-mail address subscribed to the alarms' SNS topic. */
  alarmEmail?: string;
  /** The scheduled function's and the fan-out worker's. @default 5 minutes (with `fanOut`: 15 for the scheduled planner) */
  timeout?: Duration;
  /** @default 512 */
  memorySize?: number;
  /** @default one month */
  logRetention?: logs.RetentionDays;
}

/**
 * life-stats on AWS (DESIGN.md "Infra"): the two DynamoDB tables, one arm64 Lambda running the
 * bundled handler, **one EventBridge rule per enabled plugin entry** (its schedule, input
 * `{"metric": "<metric>"}`), a dead-letter queue for failed async invocations, a log group with
 * retention, alarms on the function's errors and on failed pairs, and least-privilege IAM; with
 * `connect` in the config, the connect function and its URL ({@link ConnectFunction}).
 */
export class LifeStatsStack extends Stack {
  readonly metricsTable: dynamodb.Table;
  readonly runsTable: dynamodb.Table;
  readonly function: lambda.Function;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarmTopic: sns.Topic;
  /** One rule per enabled plugin entry, by metric. */
  readonly rules: ReadonlyMap<string, events.Rule>;
  /** The connect function and its URL, when the config has `connect`. */
  readonly connect: ConnectFunction | undefined;
  /** The queue, the worker and their alarms, when the config has `fanOut`. */
  readonly fanOut: FanOut | undefined;

  constructor(scope: Construct, id: string, props: LifeStatsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = props.ssmPrefix ?? (config.secrets.type === 'ssm' ? config.secrets.prefix : DEFAULT_SSM_PREFIX);
    [this.metricsTable, this.runsTable] = this.addTables(props);
    const { fn, deadLetterQueue, logGroup } = this.addFunction(props, prefix);
    this.function = fn;
    this.deadLetterQueue = deadLetterQueue;
    const role = this.function.role;
    if (!(role instanceof iam.Role)) throw new Error('the life-stats function has no role');
    // With fanOut the scheduled function only plans (the workers fetch): it lists, and reads no token.
    if (config.fanOut) this.grantPlanner(role, prefix);
    else this.grantLeastPrivilege(role, prefix, config.events?.busName);
    this.rules = this.addSchedules(config);
    this.alarmTopic = this.addAlarms(props.alarmEmail);
    this.addOutputs(logGroup);
    this.connect = this.addConnect(props, prefix);
    this.fanOut = this.addFanOut(props, prefix);
  }

  /** With `fanOut` in the config: the queue, the worker, the event source, their alarms. */
  private addFanOut(props: LifeStatsStackProps, prefix: string): FanOut | undefined {
    if (!props.config.fanOut) return undefined;
    const fanOut = new FanOut(this, 'FanOut', {
      fanOut: props.config.fanOut,
      handlerAssetDir: props.handlerAssetDir,
      collector: this.function,
      environment: this.collectorEnvironment(prefix),
      timeout: props.timeout ?? Duration.minutes(5),
      memorySize: props.memorySize ?? 512,
      grantStores: (role) => this.grantLeastPrivilege(role, prefix, props.config.events?.busName),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    const notify = new cloudwatchActions.SnsAction(this.alarmTopic);
    for (const alarm of fanOut.alarms) alarm.addAlarmAction(notify);
    return fanOut;
  }

  /** The environment pointing a function at the stack's tables and secrets. */
  private collectorEnvironment(prefix: string): Record<string, string> {
    return {
      LIFE_STATS_STORAGE: 'dynamodb',
      LIFE_STATS_METRICS_TABLE: this.metricsTable.tableName,
      LIFE_STATS_RUNS_TABLE: this.runsTable.tableName,
      LIFE_STATS_SECRETS: 'ssm',
      LIFE_STATS_SSM_PREFIX: prefix,
      POWERTOOLS_SERVICE_NAME: 'life-stats',
      // No NODE_OPTIONS=--enable-source-maps: the asset ships no source map (issue 17 item 17: a
      // map would triple the asset, and the flag alone only slows every stack trace).
    };
  }

  /** The seed's two tables: on demand, point-in-time recovery, retained when the stack goes. */
  private addTables(props: LifeStatsStackProps): [dynamodb.Table, dynamodb.Table] {
    const { storage } = props.config;
    const names =
      storage.type === 'dynamodb'
        ? { metrics: storage.metricsTable, runs: storage.runsTable }
        : { metrics: STORE_DEFAULTS.metricsTable, runs: STORE_DEFAULTS.runsTable };
    const table = (construct: string, name: string, sortKey: string): dynamodb.Table =>
      new dynamodb.Table(this, construct, {
        tableName: name,
        partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING },
        sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // The data is the product: deleting the stack must never delete it.
        removalPolicy: RemovalPolicy.RETAIN,
        // Connect links keep single-use records in the runs table that expire (`expires_at`).
        ...(sortKey === 'metric_type' && props.config.connect ? { timeToLiveAttribute: 'expires_at' } : {}),
      });
    return [
      table('MetricsTable', props.metricsTableName ?? names.metrics, 'metric_date'),
      table('RunsTable', props.runsTableName ?? names.runs, 'metric_type'),
    ];
  }

  /** The collector: its role, log group, dead-letter queue and the environment pointing it at AWS. */
  private addFunction(
    props: LifeStatsStackProps,
    prefix: string,
  ): { fn: lambda.Function; deadLetterQueue: sqs.Queue; logGroup: logs.LogGroup } {
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role rather than the default AWSLambdaBasicExecutionRole, whose log actions are on `*`.
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'life-stats collector: its two tables, its SSM prefix, its log group',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const fn = new lambda.Function(this, 'Handler', {
      role,
      description: 'life-stats: collect one number per person, per day, per metric',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(props.handlerAssetDir),
      handler: 'index.handler',
      memorySize: props.memorySize ?? 512,
      // A fan-out planner pages through every user's secret in SSM (10 per request): give it
      // Lambda's whole 15 minutes; the workers keep the 5.
      timeout: props.timeout ?? (props.config.fanOut ? Duration.minutes(15) : Duration.minutes(5)),
      logGroup,
      deadLetterQueue,
      // A failed scheduled run is not retried blindly: the next schedule covers the gap.
      retryAttempts: 0,
      environment: this.collectorEnvironment(prefix),
    });
    return { fn, deadLetterQueue, logGroup };
  }

  /** One EventBridge rule per enabled plugin entry (DESIGN.md "Infra"), by metric. */
  private addSchedules(config: LoadedConfig): Map<string, events.Rule> {
    const rules = new Map<string, events.Rule>();
    for (const entry of config.plugins) {
      if (!entry.enabled) continue;
      const rule = new events.Rule(this, `Schedule${entry.index}`, {
        description: `life-stats: ${entry.metric} (plugins[${entry.index}], ${entry.use})`,
        schedule: events.Schedule.expression(entry.schedule),
      });
      rule.addTarget(
        new targets.LambdaFunction(this.function, {
          event: events.RuleTargetInput.fromObject({ metric: entry.metric }),
          retryAttempts: 0,
        }),
      );
      rules.set(entry.metric, rule);
    }
    return rules;
  }

  /** Alarms on the function's errors and on failed pairs, to an SNS topic (and an e-mail, if given). */
  private addAlarms(alarmEmail: string | undefined): sns.Topic {
    // SSL only (cdk-nag AwsSolutions-SNS3). A topic policy replaces the default one, so CloudWatch
    // alarms of this account are allowed to publish explicitly (over TLS, as they do).
    const topic = new sns.Topic(this, 'Alarms', { displayName: 'life-stats alarms', enforceSSL: true });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
    const notify = new cloudwatchActions.SnsAction(topic);

    const errors = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'life-stats: the Lambda failed (bad config or event, crash, timeout). Read its logs.',
      metric: this.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const failedPairs = new cloudwatch.Alarm(this, 'FailedPairsAlarm', {
      alarmDescription:
        'life-stats: a user × metric pair failed or needs reconnecting (life-stats auth). Read the run summary in the logs.',
      metric: new cloudwatch.Metric({
        namespace: 'LifeStats',
        metricName: 'FailedPairs',
        dimensionsMap: { service: 'life-stats' },
        period: Duration.hours(1),
        statistic: 'Sum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [errors, failedPairs]) alarm.addAlarmAction(notify);
    return topic;
  }

  private addOutputs(logGroup: logs.LogGroup): void {
    new CfnOutput(this, 'FunctionName', { value: this.function.functionName });
    new CfnOutput(this, 'LogGroupName', { value: logGroup.logGroupName });
    new CfnOutput(this, 'MetricsTableName', { value: this.metricsTable.tableName });
    new CfnOutput(this, 'RunsTableName', { value: this.runsTable.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /** With `connect` in the config: the connect function, its function URL and its outputs. */
  private addConnect(props: LifeStatsStackProps, prefix: string): ConnectFunction | undefined {
    if (!props.config.connect) return undefined;
    return new ConnectFunction(this, 'Connect', {
      config: props.config,
      handlerAssetDir: props.handlerAssetDir,
      collector: this.function,
      metricsTable: this.metricsTable,
      runsTable: this.runsTable,
      ssmPrefix: prefix.replace(/\/+$/, ''),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
  }

  /**
   * The fan-out planner's least privilege: reading the runs table's keys and listing the parameter
   * names under the prefix (without decryption, so no KMS). It cannot read a token,
   * write a row or emit an event.
   */
  private grantPlanner(role: iam.Role, prefix: string): void {
    const parameters = this.parametersArn(prefix);
    role.addToPrincipalPolicy(
      // Scan: every run row's key; GetItem: a user event's own run rows.
      new iam.PolicyStatement({
        sid: 'Runs',
        actions: ['dynamodb:GetItem', 'dynamodb:Scan'],
        resources: [this.runsTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SecretNames', actions: ['ssm:GetParametersByPath'], resources: [parameters] }),
    );
    acknowledgeWildcardResource(
      role,
      parameters,
      'By design: the parameters under the SSM prefix are created at run time, one per user and secret; the planner lists their names (GetParametersByPath without decryption) to discover users.',
    );
  }

  private parametersArn(prefix: string): string {
    const path = prefix.replace(/\/+$/, '');
    return this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path.slice(1)}/*` });
  }

  /** DynamoDB on the two tables, SSM under the prefix, KMS only through SSM, the bus if any. */
  private grantLeastPrivilege(role: iam.Role, prefix: string, busName: string | undefined): void {
    const parameters = this.parametersArn(prefix);
    const keys = this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Tables',
        actions: [
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
          'dynamodb:Scan',
        ],
        resources: [this.metricsTable.tableArn, this.runsTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Secrets',
        actions: [
          'ssm:GetParameter',
          'ssm:GetParametersByPath',
          // Rotated refresh tokens are written back.
          'ssm:PutParameter',
        ],
        resources: [parameters],
      }),
    );
    acknowledgeWildcardResource(
      role,
      parameters,
      'By design: the parameters under the SSM prefix are created at run time, one per user and secret (<prefix>/<namespace>/<user>/<name>); the prefix is the narrowest scope, and GetParametersByPath needs it to discover users.',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SecretsKey',
        actions: ['kms:Decrypt', 'kms:Encrypt'],
        resources: [keys],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${this.region}.amazonaws.com` } },
      }),
    );
    acknowledgeWildcardResource(
      role,
      keys,
      "By design: SecureString parameters use the account's aws/ssm key (or one the operator picks), whose ARN is not known at synth; kms:ViaService limits every use to SSM in this region.",
    );
    if (busName) {
      const bus = busName.startsWith('arn:')
        ? busName
        : this.formatArn({ service: 'events', resource: 'event-bus', resourceName: busName });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'RunEvents', actions: ['events:PutEvents'], resources: [bus] }),
      );
    }
  }
}
