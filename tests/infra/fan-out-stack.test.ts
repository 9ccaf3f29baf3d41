/**
 * The stack with and without `"fanOut"` (DESIGN.md "Lambda", "Fan-out"; issue 19): without it the
 * template is exactly the one before fan-out existed (a file snapshot recorded from that code, the
 * bundle's asset hash aside); with it, the queue, its dead-letter queue, the worker, the event
 * source, the alarms and the IAM split. Synthesized through the shared helper, so cdk-nag checks both.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSynthOutputs, synthLifeStats } from './support/synth.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const noDeployEnv = { ...process.env, CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', LIFE_STATS_CONFIG: '' };

async function synth(configPath: string): Promise<Template> {
  const built = await synthLifeStats({ configPath, cwd: repoRoot, env: noDeployEnv });
  return Template.fromStack(built.stack);
}

/** The template with what changes whenever any bundled source changes (the asset's hash) masked. */
function normalized(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset>$1'));
}

const config = (fanOut?: Record<string, unknown>) => ({
  timezone: 'UTC',
  storage: { type: 'dynamodb', metricsTable: 'club-metrics', runsTable: 'club-runs' },
  secrets: { type: 'ssm', prefix: '/club' },
  users: [{ id: 'me' }],
  plugins: [
    { use: 'google-fit-steps', metric: 'steps' },
    { use: 'csv', metric: 'weight', config: { file: 'data/weight.csv', dateColumn: 'date', valueColumn: 'kg' } },
  ],
  ...(fanOut ? { fanOut } : {}),
});

let project: TempProject;
let plain: Template;
let fanned: Template;
let tuned: Template;

beforeAll(async () => {
  project = createTempProject({
    'data/weight.csv': 'date,kg\n2026-11-01,70.5\n',
    'plain.json': config(),
    'fanned.json': config({}),
    'tuned.json': config({ maxConcurrency: 40, batchSize: 5 }),
  });
  [plain, fanned, tuned] = await Promise.all([
    synth(project.path('plain.json')),
    synth(project.path('fanned.json')),
    synth(project.path('tuned.json')),
  ]);
}, 180_000);

afterAll(() => {
  project?.remove();
  removeSynthOutputs();
});

describe('without fanOut', () => {
  // The fixture was written by this test's first version on the stack code of before fan-out
  // (vitest's file snapshot, commit "Record today's stack template"). Change it only when the stack
  // without fanOut is meant to change.
  it('is exactly the stack from before fan-out', () => {
    const before = JSON.parse(readFileSync(new URL('fixtures/stack-without-fan-out.json', import.meta.url), 'utf8'));
    expect(normalized(plain)).toEqual(before);
  });
});

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}

/** The statements of the policies attached to the role a function's `Role` property references. */
function roleStatements(template: Template, functionLogicalId: string): Statement[] {
  const fn = template.toJSON().Resources[functionLogicalId] as { Properties: { Role: { 'Fn::GetAtt': [string] } } };
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) =>
      ((p as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles ?? []).some((r) => r.Ref === roleId),
    )
    .flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}

const actions = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

function functionId(template: Template, handler: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Handler: handler } }));
  expect(found, handler).toHaveLength(1);
  return found[0]?.[0] ?? '';
}

function queueIds(template: Template): { queue: string; dlq: string } {
  const queues = template.findResources('AWS::SQS::Queue');
  const queue = Object.entries(queues).find(
    ([, q]) => (q as { Properties?: { RedrivePolicy?: unknown } }).Properties?.RedrivePolicy,
  );
  if (!queue) throw new Error('no queue with a redrive policy');
  const redrive = (queue[1] as { Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [string] } } } })
    .Properties.RedrivePolicy;
  return { queue: queue[0], dlq: redrive.deadLetterTargetArn['Fn::GetAtt'][0] };
}

describe('with fanOut', () => {
  it('has nothing of fan-out without the key: one function, no event source, no queue URL', () => {
    plain.resourceCountIs('AWS::Lambda::Function', 1);
    plain.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(JSON.stringify(plain.toJSON())).not.toContain('LIFE_STATS_QUEUE_URL');
  });

  it('adds an encrypted queue with a redrive policy to an encrypted dead-letter queue, visibility 6× the worker timeout', () => {
    const { queue, dlq } = queueIds(fanned);
    const resources = fanned.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>;
    expect(resources[queue]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 300,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(resources[dlq]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    // TLS only on both.
    const policies = Object.values(fanned.findResources('AWS::SQS::QueuePolicy')).map((p) => JSON.stringify(p));
    for (const id of [queue, dlq]) {
      expect(policies.some((p) => p.includes(id) && p.includes('aws:SecureTransport'))).toBe(true);
    }
  });

  it('adds the worker from the same bundle, with an SQS event source reporting batch item failures at a maximum concurrency', () => {
    const collector = functionId(fanned, 'index.handler');
    const worker = functionId(fanned, 'index.worker');
    const resources = fanned.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>;
    expect(resources[worker]?.Properties.Code).toEqual(resources[collector]?.Properties.Code);
    expect(resources[worker]?.Properties.Timeout).toBe(300);
    // The planner pages through every user's secret: Lambda's whole 15 minutes.
    expect(resources[collector]?.Properties.Timeout).toBe(900);
    const plainCollector = plain.toJSON().Resources[functionId(plain, 'index.handler')] as {
      Properties: { Timeout: number };
    };
    expect(plainCollector.Properties.Timeout).toBe(300);
    const { queue } = queueIds(fanned);
    fanned.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: worker },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    tuned.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 40 },
    });
    // The scheduled function becomes the planner.
    expect(resources[collector]?.Properties.Environment).toMatchObject({
      Variables: { LIFE_STATS_QUEUE_URL: { Ref: queue } },
    });
    expect(JSON.stringify(resources[worker]?.Properties.Environment)).not.toContain('LIFE_STATS_QUEUE_URL');
  });

  it('lets only the scheduled function send, and only the worker receive and delete', () => {
    const { queue } = queueIds(fanned);
    const collector = roleStatements(fanned, functionId(fanned, 'index.handler'));
    const worker = roleStatements(fanned, functionId(fanned, 'index.worker'));
    const sqsActions = (statements: Statement[]) => actions(statements).filter((a) => a.startsWith('sqs:'));
    // SendMessage only: to the fan-out queue, and (as before fan-out) to its async-invocation DLQ.
    const sends = collector.filter((s) => actions([s]).some((a) => a.startsWith('sqs:')));
    expect(sqsActions(collector)).toEqual(['sqs:SendMessage', 'sqs:SendMessage']);
    expect(sends.map((s) => s.Resource)).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': [queue, 'Arn'] }, { 'Fn::GetAtt': ['DeadLetterQueue9F481546', 'Arn'] }]),
    );
    expect(sqsActions(worker)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(sqsActions(worker)).not.toContain('sqs:SendMessage');
    for (const s of worker.filter((x) => actions([x]).some((a) => a.startsWith('sqs:')))) {
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
    }
    // The worker reads and writes the stores as the collector does.
    expect(actions(worker)).toEqual(
      expect.arrayContaining([
        'dynamodb:BatchWriteItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'ssm:GetParameter',
        'ssm:PutParameter',
      ]),
    );
  });

  it('gives the scheduled function, now only a planner, no more than it lists with: no token, no write, no KMS', () => {
    const collector = roleStatements(fanned, functionId(fanned, 'index.handler'));
    const { queue } = queueIds(fanned);
    const runsTable = Object.entries(fanned.findResources('AWS::DynamoDB::Table')).find(
      ([, table]) => (table as { Properties: { TableName?: string } }).Properties.TableName === 'club-runs',
    )?.[0];
    const byAction = new Map(collector.flatMap((s) => actions([s]).map((a) => [a, s.Resource] as const)));
    // Besides its own log group and the queues it sends to.
    expect([...byAction.keys()].filter((a) => !/^(sqs|logs):/.test(a)).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Scan',
      'ssm:GetParametersByPath',
    ]);
    expect(byAction.get('dynamodb:Scan')).toEqual({ 'Fn::GetAtt': [runsTable, 'Arn'] });
    expect(byAction.get('dynamodb:GetItem')).toEqual({ 'Fn::GetAtt': [runsTable, 'Arn'] });
    expect(JSON.stringify(byAction.get('ssm:GetParametersByPath'))).toContain(':parameter/club/*');
    expect(queue).toBeDefined();
    // Without fanOut the same function still reads tokens and writes rows (the snapshot above too).
    const plainActions = actions(roleStatements(plain, functionId(plain, 'index.handler')));
    expect(plainActions).toEqual(
      expect.arrayContaining(['ssm:GetParameter', 'kms:Decrypt', 'dynamodb:BatchWriteItem']),
    );
  });

  it("alarms on the dead-letter queue's depth, the oldest message's age and the worker's errors, to the alarm topic", () => {
    const { queue, dlq } = queueIds(fanned);
    fanned.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
    fanned.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 7200,
      AlarmActions: [Match.anyValue()],
    });
    fanned.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(fanned, 'index.worker') } }],
    });
  });
});
