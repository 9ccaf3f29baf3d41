/**
 * The stack with and without `"connect"` in the config, synthesized offline: with it, the connect
 * function (the collector's asset, handler `index.connect`), its function URL without IAM auth, its
 * log group, a role limited to the signing key, the OAuth clients, the users' tokens and the runs
 * table's `#connect` partition, and the URL as an output; without it, the template is exactly the
 * one of a stack that never heard of connect links.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LifeStatsApp } from '@life-stats/infra';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NagReport, removeSynthOutputs, synthLifeStats } from './support/synth.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const noDeployEnv = { ...process.env, CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', LIFE_STATS_CONFIG: '' };
let project: TempProject;
let plain: LifeStatsApp & { template: Template; nag: NagReport };
let connect: LifeStatsApp & { template: Template; nag: NagReport };

const PLUGINS = [
  { use: 'csv', metric: 'weight', config: { file: 'data/weight.csv', dateColumn: 'date', valueColumn: 'kg' } },
  { use: 'google-health', metric: 'steps', config: { dataType: 'steps' } },
  { use: 'google-health-steps', metric: 'health_steps' },
  { use: 'google-fit-steps', metric: 'fit_steps', enabled: false },
];

/** Synthesized through the shared helper, so cdk-nag's AWS Solutions pack checks the connect variant too. */
async function synth(file: string): Promise<LifeStatsApp & { template: Template; nag: NagReport }> {
  const built = await synthLifeStats({ configPath: file, cwd: repoRoot, env: noDeployEnv });
  return { ...built, template: Template.fromStack(built.stack) };
}

beforeAll(async () => {
  const base = {
    timezone: 'UTC',
    storage: { type: 'dynamodb', metricsTable: 'my-metrics', runsTable: 'my-runs' },
    secrets: { type: 'ssm', prefix: '/my-stats' },
    plugins: PLUGINS,
  };
  project = createTempProject({
    'data/weight.csv': 'date,kg\n2026-11-01,70.5\n',
    'plain.config.json': base,
    // The first deploy: no baseUrl yet, the stack makes the URL.
    'connect.config.json': { ...base, connect: {} },
  });
  [plain, connect] = await Promise.all([
    synth(project.path('plain.config.json')),
    synth(project.path('connect.config.json')),
  ]);
}, 120_000);

afterAll(() => {
  project?.remove();
  removeSynthOutputs();
});

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
const resources = (t: Template) => t.toJSON().Resources as Resources;
const logicalId = (t: Template, type: string, props: Record<string, unknown> = {}) => {
  const found = Object.keys(t.findResources(type, { Properties: props }));
  expect(found, type).toHaveLength(1);
  return found[0] as string;
};

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function roleStatements(t: Template, roleId: string): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleId))
    .flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}

/** An SSM parameter ARN as the stack writes it (environment-agnostic). */
const parameterArn = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ssm:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:parameter/my-stats/${name}`,
    ],
  ],
});

describe('the stack without connect', () => {
  it('has one function, no function URL, no connect output, and a runs table without TTL', () => {
    plain.template.resourceCountIs('AWS::Lambda::Function', 1);
    plain.template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(Object.keys(plain.template.toJSON().Outputs)).not.toContain('ConnectUrl');
    const runs = logicalId(plain.template, 'AWS::DynamoDB::Table', { TableName: 'my-runs' });
    expect(resources(plain.template)[runs]?.Properties?.TimeToLiveSpecification).toBeUndefined();
    expect(readFileSync(plain.bundle.entryFile, 'utf8')).not.toContain('createStaticConnectHandler');
  });

  it('is the connect stack minus exactly what connect adds', () => {
    const strip = (t: Template, assetKey: string) => {
      const json = JSON.parse(JSON.stringify(t.toJSON()).replaceAll(assetKey, '<asset>'));
      for (const id of Object.keys(json.Resources)) if (id.startsWith('Connect')) delete json.Resources[id];
      delete json.Outputs.ConnectUrl;
      delete json.Outputs.ConnectRedirectUri;
      for (const resource of Object.values(json.Resources) as Resources[string][]) {
        delete resource.Properties?.TimeToLiveSpecification;
      }
      return json;
    };
    const key = (t: Template) => {
      const handler = resources(t)[logicalId(t, 'AWS::Lambda::Function', { Handler: 'index.handler' })];
      return (handler?.Properties?.Code as { S3Key?: string } | undefined)?.S3Key ?? '';
    };
    // The bundle differs only by its added `connect` export; everything else is the same template.
    expect(strip(connect.template, key(connect.template))).toEqual(strip(plain.template, key(plain.template)));
  });
});

describe('the stack with connect', () => {
  it('adds the connect function on the same asset, with handler index.connect and the AWS environment', () => {
    connect.template.resourceCountIs('AWS::Lambda::Function', 2);
    const collector = resources(connect.template)[
      logicalId(connect.template, 'AWS::Lambda::Function', { Handler: 'index.handler' })
    ];
    const fnId = logicalId(connect.template, 'AWS::Lambda::Function', { Handler: 'index.connect' });
    const fn = resources(connect.template)[fnId];
    expect(fn?.Properties?.Code).toEqual(collector?.Properties?.Code);
    expect(fn?.Properties?.Runtime).toBe(collector?.Properties?.Runtime);
    expect(fn?.Properties?.Environment).toEqual({
      Variables: expect.objectContaining({
        LIFE_STATS_STORAGE: 'dynamodb',
        LIFE_STATS_RUNS_TABLE: { Ref: logicalId(connect.template, 'AWS::DynamoDB::Table', { TableName: 'my-runs' }) },
        LIFE_STATS_SECRETS: 'ssm',
        LIFE_STATS_SSM_PREFIX: '/my-stats',
      }),
    });
    expect(readFileSync(connect.bundle.entryFile, 'utf8')).toContain(
      'export const connect = createStaticConnectHandler(config, { modules, filesDir });',
    );
    // Its own log group, with retention.
    const logs = Object.values(connect.template.findResources('AWS::Logs::LogGroup'));
    expect(logs).toHaveLength(2);
    expect(
      logs.every((g) => (g as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays === 30),
    ).toBe(true);
  });

  it('gives it a function URL without IAM auth, public invoke only through the URL, and outputs it', () => {
    const fnId = logicalId(connect.template, 'AWS::Lambda::Function', { Handler: 'index.connect' });
    const urlId = logicalId(connect.template, 'AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
    expect(resources(connect.template)[urlId]?.Properties?.Cors).toBeUndefined();
    connect.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      FunctionUrlAuthType: 'NONE',
      Principal: '*',
    });
    connect.template.hasOutput('ConnectUrl', { Value: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } });
    connect.template.hasOutput('ConnectRedirectUri', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [urlId, 'FunctionUrl'] }, 'callback']] },
    });
    // The collector stays private.
    const collectorId = logicalId(connect.template, 'AWS::Lambda::Function', { Handler: 'index.handler' });
    expect(JSON.stringify(connect.template.findResources('AWS::Lambda::Url'))).not.toContain(collectorId);
  });

  it('scopes its role to the signing key, the OAuth clients, the users’ tokens and the #connect partition', () => {
    const fnId = logicalId(connect.template, 'AWS::Lambda::Function', { Handler: 'index.connect' });
    const role = resources(connect.template)[fnId]?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
    const roleId = role?.['Fn::GetAtt'][0] ?? '';
    const runsId = logicalId(connect.template, 'AWS::DynamoDB::Table', { TableName: 'my-runs' });
    const bySid = Object.fromEntries(roleStatements(connect.template, roleId).map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'Logs',
      'ReadKeyAndClients',
      'SecretsKey',
      'SingleUseRecord',
      'WriteUserTokens',
    ]);
    // google-health and google-health-steps share a namespace; the disabled Fit entry gets nothing.
    expect(bySid.ReadKeyAndClients).toMatchObject({
      Action: 'ssm:GetParameter',
      Resource: [
        parameterArn('connect/signing_key'),
        parameterArn('google-health/client_id'),
        parameterArn('google-health/client_secret'),
      ],
    });
    expect(bySid.WriteUserTokens).toMatchObject({
      Action: 'ssm:PutParameter',
      Resource: parameterArn('google-health/*/token'),
    });
    expect(bySid.SingleUseRecord).toEqual({
      Sid: 'SingleUseRecord',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: { 'Fn::GetAtt': [runsId, 'Arn'] },
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#connect'] } },
    });
    expect(bySid.SecretsKey?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    });
    const text = JSON.stringify(bySid);
    for (const broad of ['ssm:GetParametersByPath', 'parameter/my-stats/*"', 'google-fit', 'my-metrics', '"*"']) {
      expect(text, broad).not.toContain(broad);
    }
    expect(text).not.toContain(logicalId(connect.template, 'AWS::DynamoDB::Table', { TableName: 'my-metrics' }));
  });

  it('turns on TTL (expires_at) on the runs table for the single-use records', () => {
    connect.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'my-runs',
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
    connect.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'my-metrics',
      TimeToLiveSpecification: Match.absent(),
    });
  });

  it("passes cdk-nag's AWS Solutions checks, acknowledging only its role's two scoped wildcards, with reasons", () => {
    const connectFindings = connect.nag.suppressedViolations.filter((v) =>
      v.violatingConstructs.some((c) => c.constructPath.startsWith('LifeStats/Connect/')),
    );
    expect(connectFindings.map((v) => v.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/my-stats/google-health/*/token]',
    ]);
    for (const finding of connectFindings) expect(finding.reason ?? '').not.toBe('');
    expect(connect.nag.violations).toEqual([]);
  });
});
