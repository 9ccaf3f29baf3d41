// Over 300 lines: one synthesis per config, shared by every assertion on its template; splitting
// the file would synthesize the app again for each part (seconds each).
/**
 * The CDK app synthesized offline, for the repository's config and for a temp config with a
 * disabled entry, an entry schedule override, an SSM prefix, an event bus and the optional
 * context (alarm e-mail, GitHub OIDC).
 *
 * Over 300 lines on purpose: both apps are synthesized once (bundling the handler, several seconds)
 * and every group below reads those two templates — the outside checkers (cdk-nag, cfn-lint)
 * included; split files would synthesize them again each.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LifeStatsApp } from '@life-stats/infra';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSynthOutputs, synthLifeStats } from './support/synth.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const noDeployEnv = { ...process.env, CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', LIFE_STATS_CONFIG: '' };

/** Synthesized through the shared helper, so cdk-nag checks every variant (support/synth.ts). */
async function synth(
  configPath: string,
  context: Record<string, string> = {},
): Promise<Awaited<ReturnType<typeof synthLifeStats>> & { template: Template }> {
  const built = await synthLifeStats({ configPath, cwd: repoRoot, env: noDeployEnv, context });
  return { ...built, template: Template.fromStack(built.stack) };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

function rules(template: Template): { schedule: string; input: unknown }[] {
  return Object.values(template.findResources('AWS::Events::Rule')).map((rule) => {
    const props = (rule as { Properties: { ScheduleExpression: string; Targets: { Input: string }[] } }).Properties;
    expect(props.Targets).toHaveLength(1);
    return { schedule: props.ScheduleExpression, input: JSON.parse(props.Targets[0]?.Input ?? 'null') };
  });
}

let root: Awaited<ReturnType<typeof synth>>;
let custom: Awaited<ReturnType<typeof synth>>;
let project: TempProject;

beforeAll(async () => {
  project = createTempProject({
    'data/weight.csv': 'date,kg\n2026-11-01,70.5\n',
    'life-stats.config.json': {
      timezone: 'UTC',
      storage: { type: 'dynamodb', metricsTable: 'my-metrics', runsTable: 'my-runs' },
      secrets: { type: 'ssm', prefix: '/my-stats' },
      users: [{ id: 'me' }],
      events: { busName: 'life-stats-bus' },
      plugins: [
        { use: 'csv', metric: 'weight', config: { file: 'data/weight.csv', dateColumn: 'date', valueColumn: 'kg' } },
        { use: 'google-fit-steps', metric: 'steps', schedule: 'cron(30 5 * * ? *)' },
        { use: 'google-health-steps', metric: 'health_steps', enabled: false, schedule: 'rate(2 hours)' },
      ],
    },
  });
  [root, custom] = await Promise.all([
    synth(join(repoRoot, 'life-stats.config.json')),
    synth(project.path('life-stats.config.json'), {
      alarmEmail: 'alerts@example.com',
      githubRepo: 'acme/life-stats',
      githubBranch: 'release',
    }),
  ]);
}, 120_000);

afterAll(() => {
  project?.remove();
  removeSynthOutputs();
});

describe('schedules', () => {
  it('gives each enabled entry of the repository config one rule with its metric as input', () => {
    const enabled = root.config.plugins.filter((entry) => entry.enabled);
    expect(enabled.map((entry) => entry.metric)).toEqual(['weight', 'mood']);
    root.template.resourceCountIs('AWS::Events::Rule', 2);
    expect(rules(root.template)).toEqual(
      expect.arrayContaining([
        { schedule: 'rate(1 day)', input: { metric: 'weight' } },
        { schedule: 'rate(1 day)', input: { metric: 'mood' } },
      ]),
    );
  });

  it("uses an entry's schedule over the plugin's and gives a disabled entry no rule", () => {
    custom.template.resourceCountIs('AWS::Events::Rule', 2);
    expect(rules(custom.template).sort((a, b) => a.schedule.localeCompare(b.schedule))).toEqual([
      { schedule: 'cron(30 5 * * ? *)', input: { metric: 'steps' } },
      { schedule: 'rate(1 day)', input: { metric: 'weight' } },
    ]);
    expect(JSON.stringify(custom.template.toJSON())).not.toContain('health_steps');
  });

  it('targets the Lambda from every rule', () => {
    const rule = Object.values(root.template.findResources('AWS::Events::Rule'))[0] as {
      Properties: { Targets: { Arn: unknown }[] };
    };
    expect(JSON.stringify(rule.Properties.Targets[0]?.Arn)).toContain('Handler');
    root.template.resourceCountIs('AWS::Lambda::Permission', 2);
  });
});

describe('tables', () => {
  it.each([
    ['life-stats-metrics', 'metric_date'],
    ['life-stats-runs', 'metric_type'],
  ])('%s: seed keys, on demand, point-in-time recovery, retained', (name, sortKey) => {
    root.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: 'user_id', KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([{ AttributeName: sortKey, AttributeType: 'S' }]),
      },
    });
  });

  it('takes the table names of a DynamoDB config', () => {
    custom.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'my-metrics' });
    custom.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'my-runs' });
  });
});

describe('the Lambda', () => {
  it('runs the bundle on Node.js 24, arm64, with DynamoDB, SSM and the table names', () => {
    root.template.resourceCountIs('AWS::Lambda::Function', 1);
    root.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          LIFE_STATS_STORAGE: 'dynamodb',
          LIFE_STATS_SECRETS: 'ssm',
          LIFE_STATS_SSM_PREFIX: '/life-stats',
          LIFE_STATS_METRICS_TABLE: { Ref: Match.stringLikeRegexp('MetricsTable') },
          LIFE_STATS_RUNS_TABLE: { Ref: Match.stringLikeRegexp('RunsTable') },
        }),
      },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('Logs') } },
    });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LIFE_STATS_SSM_PREFIX: '/my-stats' }) },
    });
  });

  it('has a dead-letter queue for failed async invocations and a log group with retention', () => {
    root.template.resourceCountIs('AWS::SQS::Queue', 1);
    root.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    root.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('alarms', () => {
  it('alarms on Lambda errors and on the FailedPairs metric the handler emits', () => {
    root.template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    root.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
    root.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LifeStats',
      MetricName: 'FailedPairs',
      Dimensions: [{ Name: 'service', Value: 'life-stats' }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('has a topic that refuses publishers without SSL and still lets CloudWatch alarms of the account publish', () => {
    const policies = Object.values(root.template.findResources('AWS::SNS::TopicPolicy')) as {
      Properties: { PolicyDocument: { Statement: Statement[] }; Topics: unknown[] };
    }[];
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement ?? [];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
      }),
    );
  });

  it('subscribes the alarm e-mail only when one is given', () => {
    root.template.resourceCountIs('AWS::SNS::Subscription', 0);
    custom.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'alerts@example.com',
    });
  });
});

describe('least privilege', () => {
  it.each([
    ['root', () => root],
    ['custom', () => custom],
  ])('%s: no wildcard action and no bare * resource', (_, get) => {
    const all = statements(get().template);
    expect(all.length).toBeGreaterThan(0);
    for (const statement of all) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
      for (const resource of resourcesOf(statement)) expect(resource).not.toBe('*');
    }
    expect(
      get().template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }),
    ).toEqual({});
  });

  it('scopes DynamoDB to the two tables', () => {
    const dynamo = statements(root.template).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0] as Statement).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
    const resources = JSON.stringify(dynamo[0]?.Resource);
    expect(resources).toMatch(/MetricsTable.*RunsTable/);
    expect(resourcesOf(dynamo[0] as Statement)).toHaveLength(2);
  });

  it.each([
    ['root', () => root, '/life-stats/*'],
    ['custom', () => custom, '/my-stats/*'],
  ])('%s: SSM reads and writes parameters under the prefix only', (_, get, suffix) => {
    const ssm = statements(get().template).filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:')));
    expect(ssm).toHaveLength(1);
    expect(actionsOf(ssm[0] as Statement).sort()).toEqual([
      'ssm:GetParameter',
      'ssm:GetParametersByPath',
      'ssm:PutParameter',
    ]);
    const resources = resourcesOf(ssm[0] as Statement);
    expect(resources).toHaveLength(1);
    expect(JSON.stringify(resources[0])).toContain(`:parameter${suffix}"`);
  });

  it('lets KMS decrypt only through SSM', () => {
    const kms = statements(root.template).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    expect(actionsOf(kms[0] as Statement)).toContain('kms:Decrypt');
    expect(JSON.stringify(kms[0]?.Condition)).toMatch(/"StringEquals":\{"kms:ViaService":.*ssm\./);
  });

  it('allows PutEvents on the configured bus only, and only when one is configured', () => {
    const putEvents = (t: Template) => statements(t).filter((s) => actionsOf(s).includes('events:PutEvents'));
    expect(putEvents(root.template)).toHaveLength(0);
    const [statement] = putEvents(custom.template);
    expect(actionsOf(statement as Statement)).toEqual(['events:PutEvents']);
    expect(JSON.stringify(statement?.Resource)).toContain(':event-bus/life-stats-bus"');
  });
});

describe('GitHub OIDC deploy role', () => {
  it('exists only when githubRepo is given', () => {
    expect(root.oidcStack).toBeUndefined();
    expect(root.app.node.tryFindChild('LifeStatsGithubOidc')).toBeUndefined();
  });

  it('trusts only the repository and branch through token.actions.githubusercontent.com', () => {
    const template = Template.fromStack(custom.oidcStack as NonNullable<LifeStatsApp['oidcStack']>);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: { Federated: { Ref: Match.stringLikeRegexp('Provider') } },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': 'repo:acme/life-stats:ref:refs/heads/release',
              },
            },
          },
        ],
      },
    });
    template.hasOutput('DeployRoleArn', {});
    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policy).toContain('"Action":"sts:AssumeRole"');
    // Only the deploy, file-publishing and lookup roles of the bootstrap qualifier, not `cdk-*`.
    const roles = [...policy.matchAll(/:role\/(cdk-[^"]*)"/g)].map((m) => m[1]);
    expect(roles).toEqual([
      'cdk-hnb659fds-deploy-role-',
      'cdk-hnb659fds-file-publishing-role-',
      'cdk-hnb659fds-lookup-role-',
    ]);
    expect(policy).not.toContain('cdk-*');
  });

  it('takes the bootstrap qualifier from the context CDK itself reads', async () => {
    const built = await synth(project.path('life-stats.config.json'), {
      githubRepo: 'acme/life-stats',
      '@aws-cdk/core:bootstrapQualifier': 'ls2026',
    });
    const template = Template.fromStack(built.oidcStack as NonNullable<LifeStatsApp['oidcStack']>);
    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect([...policy.matchAll(/:role\/(cdk-[^"]*)"/g)].map((m) => m[1])).toEqual([
      'cdk-ls2026-deploy-role-',
      'cdk-ls2026-file-publishing-role-',
      'cdk-ls2026-lookup-role-',
    ]);
  }, 60_000);
});

describe('outside checkers', () => {
  it.each([
    ['root', () => root],
    ['custom (DynamoDB, SSM prefix, event bus, alarm e-mail, GitHub OIDC)', () => custom],
  ])('%s: cdk-nag (AwsSolutions) finds nothing but the wildcards acknowledged with a reason', (_, get) => {
    const { nag } = get();
    expect(nag.conclusion).toBe('success');
    expect(nag.violations).toEqual([]);
    const prefix = get() === root ? '/life-stats' : '/my-stats';
    expect(nag.suppressedViolations.map((v) => v.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${prefix}/*]`,
    ]);
    for (const finding of nag.suppressedViolations) expect(finding.reason).toMatch(/^By design: .{40,}/);
  });

  const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  it.skipIf(cfnLint.status !== 0)(
    `cfn-lint${cfnLint.status === 0 ? ` (${cfnLint.stdout.trim()})` : ' (not installed: skipped)'} finds no error in any template`,
    () => {
      const templates = [root, custom].flatMap(({ outdir }) =>
        readdirSync(outdir)
          .filter((f) => f.endsWith('.template.json'))
          .map((f) => join(outdir, f)),
      );
      expect(templates).toHaveLength(3);
      const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], { encoding: 'utf8' });
      const findings = JSON.parse(run.stdout || '[]') as { Level: string; Rule: { Id: string }; Message: string }[];
      // W3005: CDK makes the function depend on its role's default policy on purpose (so it never
      // runs before its permissions exist), although the role is also referenced.
      const unexpected = findings.filter((f) => !(f.Level === 'Warning' && f.Rule.Id === 'W3005'));
      expect(unexpected.map((f) => `${f.Level} ${f.Rule.Id}: ${f.Message}`)).toEqual([]);
    },
  );
});

describe('config selection', () => {
  it('honours LIFE_STATS_CONFIG when no config path is given', async () => {
    const built = await synthLifeStats({
      cwd: repoRoot,
      env: { ...noDeployEnv, LIFE_STATS_CONFIG: project.path('life-stats.config.json') },
    });
    expect(built.config.filepath).toBe(project.path('life-stats.config.json'));
    expect([...built.stack.rules.keys()].sort()).toEqual(['steps', 'weight']);
  }, 60_000);
});
