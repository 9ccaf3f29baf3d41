import type { FanOutConfig } from '@life-stats/core';
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Deliveries of a message before it goes to the dead-letter queue. */
const MAX_RECEIVE_COUNT = 5;
/** AWS: a queue's visibility timeout at least six times the function's timeout (with-sqs.html). */
const VISIBILITY_FACTOR = 6;
/** The oldest message's age that raises the alarm: the workers are not keeping up with the schedule. */
const OLDEST_MESSAGE_ALARM = Duration.hours(2);

/** Props of {@link FanOut}. */
export interface FanOutProps {
  fanOut: FanOutConfig;
  /** The bundled handler folder: the same asset as the collector, handler `index.worker`. */
  handlerAssetDir: string;
  /** The scheduled function: it becomes the planner (`LIFE_STATS_QUEUE_URL`), allowed to send only. */
  collector: lambda.Function;
  /** The collector's environment (tables, secret store), which the worker shares. */
  environment: Record<string, string>;
  timeout: Duration;
  memorySize: number;
  /** Gives a role what the collector's has on the tables, the SSM prefix, its key and the bus. */
  grantStores: (role: iam.Role) => void;
  /** @default one month */
  logRetention?: logs.RetentionDays;
}

/**
 * Fan-out (DESIGN.md "Lambda", "Fan-out"): the queue the scheduled function fills with one message
 * per pair (SSE, TLS only, a redrive policy to a dead-letter queue after 5 deliveries, visibility
 * six times the worker's timeout), the worker function (the same bundle, handler `index.worker`,
 * its own role and log group), the SQS event source (partial batch responses, at most
 * `maxConcurrency` invocations at once), and alarms on the dead-letter queue's depth and the oldest
 * message's age. Only the collector may send to the queue (`sqs:SendMessage`); only the worker may
 * receive and delete.
 */
export class FanOut extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly worker: lambda.Function;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FanOutProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.timeout.toSeconds() * VISIBILITY_FACTOR),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'life-stats fan-out worker: its two tables, its SSM prefix, its log group, receiving from its queue',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    props.grantStores(role);

    this.worker = new lambda.Function(this, 'Worker', {
      role,
      description: 'life-stats: fan-out worker (collects the pairs the scheduled function enqueued)',
      runtime: props.collector.runtime,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(props.handlerAssetDir),
      handler: 'index.worker',
      memorySize: props.memorySize,
      timeout: props.timeout,
      logGroup,
      environment: props.environment,
    });
    // Receive, delete, change visibility and read the attributes of this queue only: the event
    // source mapping's grant (grantConsumeMessages) on the worker's role.
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.fanOut.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.fanOut.maxConcurrency,
      }),
    );

    // The planner may send, nothing else (SendMessageBatch is authorized as sqs:SendMessage).
    props.collector.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'FanOutSend', actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    props.collector.addEnvironment('LIFE_STATS_QUEUE_URL', this.queue.queueUrl);

    this.alarms = [
      new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
        alarmDescription: `life-stats fan-out: a pair's message was delivered ${MAX_RECEIVE_COUNT} times without finishing and is in the dead-letter queue. Read the worker's logs; redrive the queue once fixed.`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'OldestMessageAlarm', {
        alarmDescription: `life-stats fan-out: a pair has waited over ${OLDEST_MESSAGE_ALARM.toHours()} hours; the workers do not keep up (raise fanOut.maxConcurrency, or check the rate limits and the worker's errors).`,
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: OLDEST_MESSAGE_ALARM.toSeconds(),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'WorkerErrorsAlarm', {
        alarmDescription: 'life-stats fan-out: the worker failed (bad config, crash, timeout). Read its logs.',
        metric: this.worker.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];

    const stack = Stack.of(this);
    new CfnOutput(stack, 'FanOutQueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(stack, 'FanOutWorkerName', { value: this.worker.functionName });
  }
}
